"""Load on /api/chat as people make it (make bench): many conversations at once, each
opened by the server and talking at human pace, each person from an address of their
own (the bench stack trusts 127.0.0.1 as a reverse proxy: X-Forwarded-For), so the
gateway's limits see people, as they would behind a community centre's proxy.

    python -m bench.load --url http://127.0.0.1:8080 [--conversations 200] [--seconds 120]

Used by bench/__main__.py for its /api/chat rows; reports turns, errors (any answer but
200, or none), p50/p95 per turn and turns per second.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

import aiohttp

from bench.table import percentile

# What a person says, again and again: a service, its walk, a question, thanks.
CONVERSATION = ["养老金点样认证", "2", "要带咩嘢", "社保卡丢了怎么补办", "1", "多谢"]
# The environment a bench stack needs for this (channels/tools/stack.py extra_env).
STACK_ENV = {"KAIFONG_TRUSTED_PROXIES": "127.0.0.1"}


def address(rng: random.Random) -> str:
    return "10.%d.%d.%d" % (rng.randrange(1, 255), rng.randrange(1, 255), rng.randrange(1, 255))


class Person:
    """One person on /api/chat: a conversation the server opened, its token on each turn."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, rng: random.Random) -> None:
        self.session, self.base_url = session, base_url
        self.address = address(rng)
        self.token: Optional[str] = None

    async def open(self) -> None:
        async with self.session.post(self.base_url + "/api/conversations", json={},
                                     headers={"X-Forwarded-For": self.address}) as resp:
            body = await resp.json()
            if resp.status != 201:
                raise RuntimeError(f"/api/conversations answered {resp.status}: {body}")
            self.token = body["token"]

    async def say(self, text: str) -> int:
        """One turn; the HTTP status."""
        if self.token is None:
            await self.open()
        headers = {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.address}
        async with self.session.post(self.base_url + "/api/chat", json={"text": text},
                                     headers=headers) as resp:
            await resp.read()
            return resp.status


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)   # seconds, turns answered 200
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict:
        def pick(q: float) -> float:
            return percentile(self.latencies, q) * 1000 if self.latencies else 0.0
        return {"turns": len(self.latencies), "errors": sum(self.errors.values()),
                "error_kinds": dict(self.errors), "p50": pick(0.50), "p95": pick(0.95),
                "rate": len(self.latencies) / self.elapsed if self.elapsed else 0.0}


async def _turn(person: Person, text: str, load: Load) -> None:
    start = time.perf_counter()
    try:
        status = await person.say(text)
    except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
        load.error(exc.__class__.__name__)
        return
    if status == 200:
        load.latencies.append(time.perf_counter() - start)
    else:
        load.error(f"HTTP {status}")


async def _person_for(session: aiohttp.ClientSession, base_url: str, rng: random.Random,
                      until: float, think: tuple[float, float], load: Load) -> None:
    """One person talking until `until`: a new conversation each time they finish."""
    await asyncio.sleep(rng.uniform(0, think[1]))   # people do not all start at once
    while time.monotonic() < until:
        person = Person(session, base_url, rng)
        for text in CONVERSATION:
            if time.monotonic() >= until:
                return
            await _turn(person, text, load)
            await asyncio.sleep(rng.uniform(*think))


async def human_pace(base_url: str, conversations: int = 200, seconds: float = 120.0,
                     think: tuple[float, float] = (5.0, 15.0), seed: int = 5) -> dict:
    """`conversations` people at once for `seconds`, each pausing `think` between turns."""
    rng = random.Random(seed)
    load = Load()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await Person(session, base_url, rng).say("你好")   # warm-up
        start = time.monotonic()
        await asyncio.gather(*(_person_for(session, base_url, rng, start + seconds, think, load)
                               for _ in range(conversations)))
        load.elapsed = time.monotonic() - start
    return load.summary()


async def no_pauses(base_url: str, conversations: int = 20, rounds: int = 3,
                    seed: int = 7) -> dict:
    """Saturation: `conversations` at once, each turn as soon as the last is answered."""
    rng = random.Random(seed)
    load = Load()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await Person(session, base_url, rng).say("你好")   # warm-up
        start = time.monotonic()
        for _ in range(rounds):
            async def one() -> None:
                person = Person(session, base_url, rng)
                for text in CONVERSATION:
                    await _turn(person, text, load)
            await asyncio.gather(*(one() for _ in range(conversations)))
        load.elapsed = time.monotonic() - start
    return load.summary()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    result = asyncio.run(human_pace(args.url, args.conversations, args.seconds))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
