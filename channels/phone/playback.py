"""What a call plays: PCM from any async source, cut into 20 ms frames on demand."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable

from .media import FRAME_BYTES

log = logging.getLogger(__name__)

READ_AHEAD_BYTES = 8000 * 2 * 2  # read at most 2 s ahead of the wire


class _Item:
    """One play() request."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.source_done = False
        self.room = asyncio.Event()
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task[None] | None = None

    def finish(self, completed: bool) -> None:
        if not self.done.done():
            self.done.set_result(completed)
        if self.task is not None and not self.task.done():
            self.task.cancel()


class Playback:
    """At most one source plays; a new play() or stop() replaces it at once."""

    def __init__(self) -> None:
        self._item: _Item | None = None

    @property
    def playing(self) -> bool:
        return self._item is not None

    def play(self, chunks: AsyncIterable[bytes]) -> asyncio.Future[bool]:
        self.stop()
        item = self._item = _Item()
        item.task = asyncio.get_running_loop().create_task(self._pump(item, chunks))
        return item.done

    def stop(self) -> None:
        item, self._item = self._item, None
        if item is not None:
            item.finish(False)

    def wait(self) -> asyncio.Future[bool]:
        """For what plays now: True when it ends by itself, False when stopped or replaced."""
        item = self._item
        if item is None:
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            done.set_result(True)
            return done
        return asyncio.shield(item.done)

    def next_frame(self) -> bytes | None:
        """The next 20 ms to send, or None for silence (nothing playing, or the source is late)."""
        item = self._item
        if item is None:
            return None
        if len(item.buffer) < FRAME_BYTES and item.source_done:
            if not item.buffer:
                self._item = None
                item.finish(True)
                return None
            item.buffer.extend(bytes(FRAME_BYTES - len(item.buffer)))
        if len(item.buffer) < FRAME_BYTES:
            return None  # underrun: silence now, the source catches up
        frame = bytes(item.buffer[:FRAME_BYTES])
        del item.buffer[:FRAME_BYTES]
        item.room.set()
        return frame

    async def _pump(self, item: _Item, chunks: AsyncIterable[bytes]) -> None:
        try:
            async for chunk in chunks:
                item.buffer += chunk
                while len(item.buffer) >= READ_AHEAD_BYTES:
                    item.room.clear()
                    await item.room.wait()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("audio source failed; playing what arrived")
        # Whole samples only: an odd byte left at the end is dropped
        if len(item.buffer) % 2:
            del item.buffer[-1]
        item.source_done = True
