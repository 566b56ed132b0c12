"""Cases written straight into the gateway's database, for tests that need many of them, or
a `source` and a throttled mark that /api/chat would give only after a flood."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from bot.settings import Settings
from channels.gateway.db import connect, database_path, in_transaction
from channels.gateway.handoff import store


@dataclass
class Spec:
    sender: str
    source: Optional[str] = None
    urgent: bool = False
    throttled: bool = False
    minutes: float = 1.0          # how long it has waited
    callback: Optional[str] = None   # a number: a callback task, not a person waiting
    service: Optional[str] = "senior_card"


def open_cases(settings: Settings, *specs: Spec) -> list[int]:
    conn = connect(database_path(settings), [store.SCHEMA])
    try:
        return in_transaction(conn, lambda c: [_open(c, spec) for spec in specs])
    finally:
        conn.close()


def _open(conn, spec: Spec) -> int:
    now = time.time() - spec.minutes * 60
    common = dict(sender=spec.sender, channel="api", language="cmn", script="hans",
                  service=spec.service, facts={}, turns=[], now=now)
    if spec.source is not None:
        common["source"] = spec.source
    if spec.callback:
        return store.open_callback(conn, reason="asked", phone=spec.callback, **common).id
    if spec.throttled:
        common["throttled"] = True
    return store.open_case(conn, reason="emergency" if spec.urgent else "asked",
                           urgent=spec.urgent, **common).id


def flood(source: str, count: int, prefix: str = "flood") -> list[Spec]:
    return [Spec(f"{prefix}-{i:04d}", source=source, minutes=30 - i * 0.01) for i in range(count)]
