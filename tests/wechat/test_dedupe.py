"""Deduplication of WeChat's retries, in SQLite, across a restart."""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

import pytest

from channels.wechat import dedupe


def connect(path) -> sqlite3.Connection:
    """Like the gateway's database: autocommit, explicit transactions."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(dedupe.SCHEMA)
    return conn


def run(conn: sqlite3.Connection, fn: Callable[..., Any], *args: Any) -> Any:
    """One transaction per call, as the gateway's database thread runs them."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


@pytest.fixture
def conn(tmp_path):
    conn = connect(tmp_path / "kaifong.sqlite3")
    yield conn
    conn.close()


def test_same_msg_id_three_times_is_claimed_once(conn):
    claims = [run(conn, dedupe.claim, "msg:6054768590064713728", 1000.0 + i * 5) for i in range(3)]
    assert claims == [True, False, False]


def test_claims_survive_reopening_the_file(tmp_path):
    path = tmp_path / "kaifong.sqlite3"
    first = connect(path)
    assert run(first, dedupe.claim, "msg:1", 1000.0)
    run(first, dedupe.answered, "msg:1", "您好！", 1001.0)
    first.close()
    again = connect(path)                       # a gateway restart
    assert run(again, dedupe.claim, "msg:1", 1005.0) is False
    assert dedupe.retry_answer(run(again, dedupe.delivery, "msg:1")) == \
        dedupe.RetryAnswer("repeat", "您好！")
    again.close()


def test_a_retry_while_processing_waits(conn):
    run(conn, dedupe.claim, "msg:2", 1000.0)
    seen = run(conn, dedupe.delivery, "msg:2")
    assert seen.state == dedupe.PROCESSING and seen.first_seen == 1000.0
    assert dedupe.retry_answer(seen) == dedupe.RetryAnswer("wait")


def test_an_answer_sent_later_gives_success_to_a_retry(conn):
    run(conn, dedupe.claim, "msg:3", 1000.0)
    run(conn, dedupe.answered_later, "msg:3", 1004.5)
    assert dedupe.retry_answer(run(conn, dedupe.delivery, "msg:3")) == dedupe.RetryAnswer("success")


def test_unknown_key_has_no_delivery(conn):
    assert run(conn, dedupe.delivery, "msg:nope") is None


def test_old_keys_are_forgotten_and_recent_ones_kept(conn):
    run(conn, dedupe.claim, "msg:old", 1000.0)
    run(conn, dedupe.claim, "msg:new", 1250.0)
    assert run(conn, dedupe.forget_older_than, 1400.0 - dedupe.RETENTION_SECONDS) == 1
    assert run(conn, dedupe.claim, "msg:old", 1400.0) is True     # long gone: new again
    assert run(conn, dedupe.claim, "msg:new", 1400.0) is False    # 150 s old: still a retry
    assert dedupe.RETENTION_SECONDS >= 60


def test_a_rolled_back_claim_is_not_kept(conn):
    def claim_then_fail(c, key, now):
        dedupe.claim(c, key, now)
        raise RuntimeError("the turn failed before it was recorded")
    with pytest.raises(RuntimeError):
        run(conn, claim_then_fail, "msg:4", 1000.0)
    assert run(conn, dedupe.claim, "msg:4", 1001.0) is True


def test_schema_applies_twice(conn):
    conn.executescript(dedupe.SCHEMA)
