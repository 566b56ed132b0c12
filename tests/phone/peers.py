"""Real SIP peers for the phone tests: baresip (driven over its ctrl_tcp socket) and SIPp."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import wave
from pathlib import Path

import numpy as np

BARESIP = shutil.which("baresip")
SIPP = shutil.which("sipp")
ESPEAK = shutil.which("espeak-ng")
SCENARIOS = Path(__file__).parent / "scenarios"


def free_port(kind: int = socket.SOCK_DGRAM, pair: bool = False) -> int:
    """A free port on 127.0.0.1 (an even one with its odd neighbour free too, when *pair*)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        port -= port % 2
        try:
            with socket.socket(socket.AF_INET, kind) as a, socket.socket(socket.AF_INET, kind) as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def free_tcp_and_udp_port() -> int:
    for _ in range(100):
        port = free_port(socket.SOCK_STREAM)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


async def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


# ---- audio -------------------------------------------------------------------

def write_wav(path: Path, samples: np.ndarray, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels())[:, 0]
        return data, w.getframerate()


def resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Band-limited resampling through the spectrum (good enough for test signals)."""
    if rate == new_rate:
        return samples
    n = int(round(len(samples) * new_rate / rate))
    spectrum = np.fft.rfft(samples)
    keep = n // 2 + 1
    spectrum = spectrum[:keep] if keep <= len(spectrum) else np.pad(spectrum, (0, keep - len(spectrum)))
    return np.fft.irfft(spectrum, n) * (n / len(samples))


def speech(tmp: Path, text: str, rate: int = 8000) -> np.ndarray:
    """espeak-ng speech at *rate*, normalised to about -6 dBFS."""
    raw = tmp / f"espeak-{abs(hash(text))}.wav"
    import subprocess

    subprocess.run([ESPEAK, "-w", str(raw), text], check=True)
    samples, source_rate = read_wav(raw)
    samples = resample(samples, source_rate, rate)
    return samples * (16000 / max(1.0, np.abs(samples).max()))


def active_span(samples: np.ndarray, rate: int = 8000) -> tuple[int, int]:
    """First and last sample of the loud part (10 ms energy above 5 % of the peak)."""
    frame = rate // 100
    usable = len(samples) // frame * frame
    energy = np.sqrt((samples[:usable].reshape(-1, frame) ** 2).mean(axis=1))
    loud = np.nonzero(energy > 0.05 * energy.max())[0] if energy.max() > 0 else []
    if len(loud) == 0:
        return 0, 0
    return int(loud[0] * frame), int((loud[-1] + 1) * frame)


def best_correlation(reference: np.ndarray, heard: np.ndarray) -> float:
    """Peak normalised cross-correlation of *reference* within *heard* (1.0 = identical)."""
    if len(heard) < len(reference):
        heard = np.pad(heard, (0, len(reference) - len(heard)))
    n = 1 << int(np.ceil(np.log2(len(heard) + len(reference))))
    corr = np.fft.irfft(np.fft.rfft(heard, n) * np.conj(np.fft.rfft(reference, n)), n)[: len(heard)]
    # Energy of each window of *heard* the reference is laid over
    cumulative = np.concatenate(([0.0], np.cumsum(heard**2)))
    windows = cumulative[len(reference):] - cumulative[: len(cumulative) - len(reference)]
    windows = np.pad(windows, (0, len(corr) - len(windows)), constant_values=windows[-1] if len(windows) else 0)
    denominator = np.sqrt(np.maximum(windows, 1e-9) * (reference**2).sum())
    return float((corr / denominator).max())


def pcm_to_array(frames: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(frames), dtype="<i2").astype(np.float64)


# ---- baresip -----------------------------------------------------------------

class PortTaken(Exception):
    """A port found free was taken by someone else before the peer bound it."""


class Baresip:
    """One baresip user agent with its own config dir; commands and events over ctrl_tcp."""

    def __init__(self, home: Path, *, user: str, source_wav: Path,
                 codecs: str = "pcma,pcmu", account_params: str = "", extra_config: str = "") -> None:
        self.home = home
        self.user = user
        self.sip_port = free_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.rec_dir = home / "rec"
        self.log_path = home / "baresip.log"
        self._source_wav = source_wav
        self._codecs = codecs
        self._account_params = account_params
        self._extra_config = extra_config
        self.events: list[dict] = []
        self._responses: asyncio.Queue[dict] = asyncio.Queue()
        self._process: asyncio.subprocess.Process | None = None
        self._reader_task: asyncio.Task | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def uri(self) -> str:
        return f"sip:{self.user}@127.0.0.1:{self.sip_port}"

    def _write_config(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.rec_dir.mkdir(exist_ok=True)
        modules = "\n".join(f"module {m}.so" for m in ("g711", "opus", "aufile", "sndfile"))
        (self.home / "config").write_text(f"""
poll_method epoll
sip_listen 127.0.0.1:{self.sip_port}
net_interface 127.0.0.1
call_local_timeout 120
call_max_calls 8
audio_player aufile,/dev/null
audio_source aufile,{self._source_wav}
audio_alert aufile,/dev/null
rtp_ports 40000-49999
jitter_buffer_delay 1-4
module_path /usr/lib/baresip/modules
{modules}
module_tmp account.so
module_app contact.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
snd_path {self.rec_dir}
{self._extra_config}
""")
        (self.home / "accounts").write_text(
            f"<sip:{self.user}@127.0.0.1:{self.sip_port}>;regint=0;answermode=auto;"
            f"audio_codecs={self._codecs}{self._account_params}\n"
        )
        (self.home / "contacts").write_text("")

    async def start(self, attempts: int = 5) -> Baresip:
        """Start on free ports; again on new ones when another process took them first
        (baresip binds UDP, TCP and TLS: a port found free is not always free for all)."""
        for attempt in range(1, attempts + 1):
            try:
                return await self._start()
            except PortTaken:
                if attempt == attempts:
                    raise
                self.sip_port = free_port()
                self.ctrl_port = free_port(socket.SOCK_STREAM)
        raise AssertionError("unreachable")

    async def _start(self) -> Baresip:
        self._write_config()
        log = open(self.log_path, "wb")
        self._process = await asyncio.create_subprocess_exec(
            BARESIP, "-s", "-f", str(self.home), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=asyncio.subprocess.STDOUT,
        )
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while True:
            try:
                reader, self._writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
                break
            except OSError:
                if loop.time() > deadline or self._process.returncode is not None:
                    said = self.log_path.read_text(errors="replace")
                    if "Address already in use" in said:
                        if self._process.returncode is None:
                            self._process.kill()
                        await self._process.wait()
                        raise PortTaken(said) from None
                    raise RuntimeError(f"baresip did not start: {said}")
                await asyncio.sleep(0.05)
        self._reader_task = asyncio.create_task(self._read(reader))
        return self

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                length = await reader.readuntil(b":")
                payload = await reader.readexactly(int(length[:-1]) + 1)
                message = json.loads(payload[:-1])
                if message.get("event"):
                    self.events.append(message)
                else:
                    self._responses.put_nowait(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def command(self, command: str, params: str = "") -> dict:
        assert self._writer is not None
        data = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        self._writer.write(b"%d:%s," % (len(data), data))
        await self._writer.drain()
        async with asyncio.timeout(10):
            return await self._responses.get()

    def has_event(self, kind: str, **match: str) -> dict | None:
        for event in self.events:
            if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
                return event
        return None

    async def wait_event(self, kind: str, timeout: float = 20.0, **match: str) -> dict:
        await wait_for(lambda: self.has_event(kind, **match) is not None, timeout, f"baresip {kind}")
        event = self.has_event(kind, **match)
        assert event is not None
        return event

    async def final_log(self) -> str:
        """The whole SIP trace: baresip's stdout is block-buffered, so it is read after quitting."""
        await self.stop()
        return self.log_path.read_text(errors="replace")

    def recordings(self, direction: str = "dec") -> list[Path]:
        return sorted(self.rec_dir.glob(f"*-{direction}.wav"))

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is not None:
            return
        if self._writer is not None:
            try:
                await self.command("quit")
            except (OSError, TimeoutError, ConnectionError):
                pass
            self._writer.close()
        if self._process is not None and self._process.returncode is None:
            try:
                async with asyncio.timeout(5):
                    await self._process.wait()
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._reader_task is not None:
            self._reader_task.cancel()
            await asyncio.gather(self._reader_task, return_exceptions=True)


# ---- SIPp --------------------------------------------------------------------

async def sipp(scenario: str, target: str | None, *args: str, cwd: Path, timeout: float = 60.0,
               port: int | None = None) -> tuple[int, str]:
    """Run a SIPp scenario from scenarios/ to the end; return (exit code, output and message log)."""
    command = [SIPP, "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(port or free_port()),
               "-nostdin", "-trace_err", "-trace_msg", "-timeout", f"{int(timeout)}s", *args]
    if target:
        command.append(target)
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(timeout + 10):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
    logs = "".join(p.read_text(errors="replace") for p in sorted(cwd.glob("*messages.log")))
    logs += "".join(p.read_text(errors="replace") for p in sorted(cwd.glob("*errors.log")))
    return process.returncode or 0, output.decode(errors="replace") + logs
