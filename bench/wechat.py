"""WeChat under load: 50 followers write to the official account at human pace
(a pause of a few seconds between messages), to a gateway with the channel
configured, on the real stack; WeChat's HTTP API is the tests' local stand-in.

    python -m bench.wechat --model .build/models/kaifong-<hash>.tar.gz
    (`make bench` includes these rows: bench/__main__.py)

Measures what WeChat's five-second rule asks: the share of messages answered
passively (in the same request) within 4.5 s, the time to that answer (p50/p95),
what went as a customer-service message instead, and duplicate processing: some
messages are delivered again with the same MsgId, as WeChat retries, while the
first is being answered or after; each must be processed once (counted in the
gateway's log, one `turn channel=wechat` line per turn Rasa answered) and get
the same answer.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp
from aiohttp import web

from bench.table import Row, percentile, print_table
from channels.tools.stack import ROOT, Stack, StackConfig, free_port
from tests.wechat.fake_wechat import FakeWeChat
from tests.wechat.wechat_peer import APP_ID, TOKEN, message_xml, signed_query


FOLLOWERS = 50
CONVERSATION = ["长者卡点样申请", "1", "社保卡丢了怎么补办", "2", "养老金怎么认证", "多谢"]
PAUSE = (2.0, 6.0)          # seconds a person takes to read and type
RETRY_SHARE = 0.15          # messages WeChat delivers again
PASSIVE_LIMIT = 4.5         # seconds: WeChat waits 5
SECRET = "bench-app-secret"
_TURN_LINE = re.compile(r"turn channel=wechat ")


def gateway_env(api_port: int) -> dict[str, str]:
    """What the gateway needs to run the channel against the stand-in on `api_port`."""
    return {"KAIFONG_WECHAT_TOKEN": TOKEN, "KAIFONG_WECHAT_APP_ID": APP_ID,
            "KAIFONG_WECHAT_APP_SECRET": SECRET,
            "KAIFONG_WECHAT_API_BASE": f"http://127.0.0.1:{api_port}"}


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)       # seconds to each first answer
    passive: int = 0                                         # answered in the request, in time
    late: int = 0                                            # `success`: a message follows
    retries: int = 0
    inconsistent: int = 0                                    # a retry answered differently
    errors: list[str] = field(default_factory=list)


async def _post(session: aiohttp.ClientSession, url: str, openid: str,
                xml: bytes) -> tuple[float, str]:
    started = time.perf_counter()
    async with session.post(url, params=signed_query(openid=openid), data=xml,
                            headers={"Content-Type": "text/xml"}) as resp:
        body = await resp.text()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}: {body[:100]}")
    return time.perf_counter() - started, body


def _content(body: str) -> Optional[str]:
    """The passive reply's text, or None for `success`."""
    if body == "success":
        return None
    found = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", body, re.S)
    return found.group(1) if found else body


async def _retry_later(session: aiohttp.ClientSession, url: str, openid: str, xml: bytes,
                       first: "asyncio.Future[str]", delay: float, tally: Tally) -> None:
    await asyncio.sleep(delay)
    try:
        _, body = await _post(session, url, openid, xml)
        original = await first
    except Exception as exc:   # counted, not fatal: the figures say so
        tally.errors.append(f"retry: {exc}")
        return
    tally.retries += 1
    if _content(body) is not None and _content(body) != _content(original):
        tally.inconsistent += 1


async def _follower(session: aiohttp.ClientSession, url: str, n: int, rng: random.Random,
                    tally: Tally, retries: list["asyncio.Task[None]"]) -> None:
    openid = "oBench" + "".join(rng.choices(string.ascii_letters + string.digits, k=22))
    first_id = int(time.time() * 1000) * 1000 + n * 10    # new ids every run: no stale keys
    await asyncio.sleep(rng.uniform(0, PAUSE[1]))     # people do not all start at once
    for i, text in enumerate(CONVERSATION):
        xml = message_xml("text", msg_id=str(first_id + i), from_user=openid, Content=text)
        first: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if rng.random() < RETRY_SHARE:   # during the first delivery, or just after it
            retries.append(asyncio.ensure_future(_retry_later(
                session, url, openid, xml, first, rng.uniform(0.3, 3.0), tally)))
        try:
            seconds, body = await _post(session, url, openid, xml)
        except Exception as exc:
            first.set_exception(exc)
            tally.errors.append(str(exc))
            continue
        first.set_result(body)
        tally.times.append(seconds)
        if body == "success":
            tally.late += 1
        elif seconds <= PASSIVE_LIMIT:
            tally.passive += 1
        await asyncio.sleep(rng.uniform(*PAUSE))


def _turns_logged(log: Path, start: int) -> int:
    text = log.read_bytes()[start:].decode("utf-8", "replace")
    return len(_TURN_LINE.findall(text))


async def run_wechat_bench(gateway_url: str, api_port: int, gateway_log: Path,
                           followers: int = FOLLOWERS) -> list[Row]:
    """The figures, against a gateway started with gateway_env(api_port)."""
    fake = FakeWeChat(APP_ID, SECRET)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", api_port).start()
    log_start = gateway_log.stat().st_size if gateway_log.exists() else 0
    tally, retries = Tally(), []
    rng = random.Random(11)
    url = gateway_url + "/wechat"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            started = time.perf_counter()
            await asyncio.gather(*(_follower(session, url, n, rng, tally, retries)
                                   for n in range(followers)))
            await asyncio.gather(*retries)
            elapsed = time.perf_counter() - started
        late_sent = await _wait_for_late(fake, tally.late)
        await asyncio.sleep(1.0)    # the gateway's log is written as turns end
    finally:
        await runner.cleanup()
    return _rows(tally, followers, elapsed, late_sent,
                 _turns_logged(gateway_log, log_start))


async def _wait_for_late(fake: FakeWeChat, late: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while len(fake.sent) < late and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return len(fake.sent)


def _rows(tally: Tally, followers: int, elapsed: float, late_sent: int, processed: int) -> list[Row]:
    turns = len(tally.times)
    if not turns:
        return [("WeChat", f"not measured: {'; '.join(tally.errors[:3]) or 'no answers'}")]
    times = sorted(tally.times)
    pick = lambda q: percentile(times, q) * 1000
    expected = followers * len(CONVERSATION)
    rows = [
        (f"WeChat {followers} followers at human pace: passive within {PASSIVE_LIMIT:g} s",
         f"{tally.passive / turns:.1%} ({tally.passive} of {turns} messages; target ≥ 99 %; "
         f"{turns / elapsed:.1f} messages/s)"),
        ("WeChat time to the passive answer", f"p50 {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms, "
                                              f"max {times[-1] * 1000:.0f} ms"),
        ("WeChat answers sent later (customer-service)",
         f"{tally.late} (`success`, then the answer: {late_sent} sent)"),
        ("WeChat duplicate processing (target 0)",
         f"{max(0, processed - expected)} ({tally.retries} messages delivered again; "
         f"{processed} turns processed for {expected} messages; "
         f"{tally.inconsistent} retries answered differently)"),
    ]
    if tally.errors:
        rows.append(("WeChat errors", f"{len(tally.errors)}: {tally.errors[0][:80]}"))
    return rows


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Kaifong WeChat channel benchmark")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--followers", type=int, default=FOLLOWERS)
    args = parser.parse_args(argv)
    run_dir = ROOT / ".build" / "bench" / "wechat"
    run_dir.mkdir(parents=True, exist_ok=True)
    for old in list(run_dir.glob("*.db")) + list(run_dir.glob("*.sqlite3*")):
        old.unlink()
    api_port = free_port()
    stack = Stack(StackConfig(model=args.model, port=free_port(), rasa_port=free_port(),
                              actions_port=free_port(), run_dir=run_dir,
                              extra_env=gateway_env(api_port)))
    try:
        stack.start()
        rows = asyncio.run(run_wechat_bench(stack.gateway_url, api_port,
                                            run_dir / "gateway.log", args.followers))
    finally:
        stack.stop()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
