"""/healthz's view of the parts: every probe of HEALTH_PROBES, run together at most once
per `health_cache_seconds` however often anyone asks (a health check must never be a
way to make work), and never showing where things are on disk."""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Awaitable, Callable, Mapping, Optional

Probes = Mapping[str, Callable[[], Awaitable[dict[str, Any]]]]
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:/[\w.\-@+]+)+/([\w.\-@+]+)")


class Health:
    def __init__(self, probes: Probes, max_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.probes = probes
        self.max_age = max_age
        self.clock = clock
        self._last: Optional[tuple[float, dict[str, Any]]] = None
        self._running: Optional[asyncio.Task[dict[str, Any]]] = None

    async def components(self) -> dict[str, Any]:
        if self._last is not None and self.clock() - self._last[0] <= self.max_age:
            return self._last[1]
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().create_task(self._probe_all())
        return await asyncio.shield(self._running)

    def observed(self, assistant_ok: bool) -> None:
        """A turn just found the assistant up (or down): a cached answer that says
        otherwise is dropped, so /healthz tells it at once."""
        if self._last is None:
            return
        cached = self._last[1]
        said_ok = all(cached.get(n, {}).get("ok") for n in ("rasa", "actions") if n in cached)
        if said_ok != assistant_ok:
            self._last = None

    async def _probe_all(self) -> dict[str, Any]:
        names = list(self.probes)
        states = await asyncio.gather(*(self.probes[n]() for n in names))
        components = {name: without_paths(state) for name, state in zip(names, states)}
        self._last = (self.clock(), components)
        return components


def without_paths(value: Any) -> Any:
    """A probe's answer with every absolute path cut to its last part (a model folder's
    name is useful; where the server keeps it is nobody's business)."""
    if isinstance(value, str):
        return _ABSOLUTE_PATH.sub(r"\1", value)
    if isinstance(value, Mapping):
        return {k: without_paths(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_paths(v) for v in value]
    return value
