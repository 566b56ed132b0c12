"""Finding 4: /api/asr without a Content-Length trusted the WAV header: one claiming
8 channels x 64-bit x 192 kHz allowed a body of about 737 MB, buffered in memory; and
a slow body held one of the four decoding slots as long as the sender liked. Now a
format no microphone makes is refused from its header, every body has a hard byte cap
whatever the headers say, and bodies arrive before a slot is taken, within a deadline."""
from __future__ import annotations

import asyncio
import struct
import time

from tests.voice.conftest import KO_MODEL
from voice import audio as au

CHUNK = 64 * 1024


def wav_header(channels: int, rate: int, bits: int, code: int = 3,
               data_size: int = 0xFFFFFFFF) -> bytes:
    """A WAV header that promises audio (size unknown: a stream)."""
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * align, align, bits)
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
            + fmt + b"data" + struct.pack("<I", data_size))


class Sender:
    """A chunked body (no Content-Length) over a plain socket: the header, then zeros,
    until the server answers (what a client that does not wait to be told would send)."""

    def __init__(self, head: bytes, total: int, pause: float = 0.0) -> None:
        self.head, self.total, self.pause, self.sent = head, total, pause, 0

    async def send(self, client) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(f"POST /api/asr HTTP/1.1\r\nHost: {client.host}:{client.port}\r\n"
                     "Content-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        answer = b""
        try:
            for piece in self._pieces():
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await writer.drain()
                self.sent += len(piece)
                answer += await self._peek(reader)
                if answer:
                    break
                if self.pause:
                    await asyncio.sleep(self.pause)
            else:
                writer.write(b"0\r\n\r\n")
            answer += await asyncio.wait_for(reader.read(65536), 60)
        except (ConnectionError, OSError):
            answer += await self._peek(reader)
        finally:
            writer.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        return status, answer

    def _pieces(self):
        yield self.head
        while self.sent < self.total:
            yield b"\x00" * CHUNK

    @staticmethod
    async def _peek(reader: asyncio.StreamReader) -> bytes:
        try:
            return await asyncio.wait_for(reader.read(65536), 0.001)
        except (asyncio.TimeoutError, ConnectionError):
            return b""


async def test_a_header_no_microphone_makes_is_refused_before_the_body(make_client):
    client = await make_client(asr_model_cmn=KO_MODEL)
    attack = Sender(wav_header(8, 192000, 64), total=200 * 1024 * 1024)
    status, answer = await attack.send(client)
    assert status == 415 and b"not common audio" in answer
    assert attack.sent < 2 * 1024 * 1024          # nowhere near 737 MB was taken in


async def test_every_body_has_a_hard_byte_cap(make_client):
    client = await make_client(asr_model_cmn=KO_MODEL, asr_max_body_bytes=1024 * 1024)
    mono = Sender(wav_header(1, 16000, 16, code=1), total=5 * 1024 * 1024)   # 160 s "allowed"
    status, answer = await mono.send(client)
    assert status == 413 and b"larger than 1048576 bytes" in answer
    assert mono.sent < 3 * 1024 * 1024


async def test_a_slow_body_holds_no_decoding_slot_and_runs_out_of_time(make_client):
    client = await make_client(asr_model_cmn=KO_MODEL, asr_max_concurrent=1, body_read_seconds=3)
    slow = Sender(wav_header(1, 16000, 16, code=1), total=10 * CHUNK, pause=1.0)
    trickle = asyncio.create_task(slow.send(client))
    await asyncio.sleep(0.5)                           # the slow sender is in
    started = time.monotonic()
    wav = au.wav_bytes(b"\x00\x00" * 16000, 16000)     # one second of quiet, all at once
    resp = await client.post("/api/asr", data=wav, headers={"Content-Type": "audio/wav"})
    assert resp.status in (200, 400) and time.monotonic() - started < 2.5, await resp.text()
    status, answer = await asyncio.wait_for(trickle, 30)
    assert status == 408 and b"in time" in answer
