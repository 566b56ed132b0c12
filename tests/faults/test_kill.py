"""Faults: kill -9 a part of the running stack (Rasa mid-turn, the action server, the
gateway itself with people waiting for staff), as a power cut or the kernel's OOM killer
would. Nothing is lost (no case, transcript, staff message or rating), every person gets
their answer or the apology with the hotline, and the stack mends itself: `make run`'s
supervisor (channels/tools/stack.py) starts the dead part again and says so.

These kill processes, so they have a stack of their own, supervised as `make run` does."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from channels.tools.stack import Stack
from tests.integration.helpers import Conversation, get, wait_until
from tests.processes import start_stack

pytestmark = pytest.mark.stack

SORRY = ("对不起", "唔好意思")   # the apology, in Mandarin or Cantonese


class Supervised:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.said: list[str] = []
        self._lock = threading.Lock()
        stack.supervise(self._say)

    def _say(self, line: str) -> None:
        with self._lock:
            self.said.append(line)

    def kill(self, name: str) -> int:
        pid = self.stack.procs[name].pid
        os.killpg(pid, signal.SIGKILL)     # the whole part, as the OOM killer or a power cut
        return pid

    def back(self, name: str, old_pid: int, timeout: float = 240) -> None:
        wait_until(lambda: self.stack.procs[name].pid != old_pid, timeout, f"{name} restarted")
        self.stack.wait_ready(name, timeout)
        wait_until(lambda: get(self.stack.gateway_url + "/healthz")[1].get("status") == "ok",
                   timeout, "/healthz ok")

    def told(self, name: str) -> bool:
        return any(line.startswith(f"kaifong: {name} stopped (signal 9)") for line in self.said)


@pytest.fixture(scope="module")
def supervised(model, tmp_path_factory) -> Iterator[Supervised]:
    stack = start_stack(model, tmp_path_factory.mktemp("faults"))
    yield Supervised(stack)
    stack.stop()


def answered_or_sorry(person: Conversation, text: str) -> str:
    """One turn; 'answer' or 'sorry' (anything else fails the test)."""
    body = person.say(text, expect_status=None)
    if person.status == 200:
        return "answer"
    assert person.status == 503, body
    assert "12345" in person.text and any(w in person.text for w in SORRY), person.text
    return "sorry"


def test_rasa_killed_mid_turn(supervised):
    people = [Conversation(supervised.stack.gateway_url) for _ in range(12)]
    for person in people:
        person.say("社保卡丢了怎么办")
    pid = supervised.stack.procs["rasa"].pid
    os.killpg(pid, signal.SIGSTOP)          # Rasa takes the turns in and answers none...
    with ThreadPoolExecutor(len(people)) as pool:
        turns = [pool.submit(answered_or_sorry, p, "第一个") for p in people]
        time.sleep(1.0)
        supervised.kill("rasa")             # ...and dies with them half done
        outcomes = [t.result(timeout=120) for t in turns]
    assert outcomes == ["sorry"] * len(people)
    supervised.back("rasa", pid)
    assert supervised.told("rasa")
    for person in people:                                  # every conversation goes on
        person.say("第一个")
        assert person.text and person.last["handoff"] is None


def test_action_server_killed(supervised):
    person = Conversation(supervised.stack.gateway_url)
    person.say("养老金点样认证")
    pid = supervised.kill("actions")
    assert answered_or_sorry(person, "1") == "sorry"
    supervised.back("actions", pid)
    assert supervised.told("actions")
    assert answered_or_sorry(person, "1") == "answer"


def rows(db: sqlite3.Connection, sql: str, *args) -> list[tuple]:
    return [tuple(r) for r in db.execute(sql, args)]


def test_gateway_killed_with_people_waiting(supervised):
    stack = supervised.stack
    url = stack.gateway_url
    rater = Conversation(url)
    for text in ("身份证过期了怎么换", "谢谢", "1", "等太久了"):
        rater.say(text)
    waiting = [Conversation(url) for _ in range(5)]
    for person in waiting:
        person.say("社保卡丢了怎么办")
        person.say("我要找工作人员")
    db = sqlite3.connect(stack.config.run_dir / "kaifong.sqlite3", timeout=30)
    try:
        (case_id,) = rows(db, "SELECT id FROM cases WHERE sender = ?", waiting[0].sender)[0]
        with db:   # a staff reply waiting in the outbox when the gateway dies
            db.execute("INSERT INTO outbox (sender, case_id, author, text, created_at)"
                       " VALUES (?, ?, 'staff', '您好，马上到', ?)", (waiting[0].sender, case_id,
                                                                     time.time()))
        before = {
            "cases": rows(db, "SELECT id, sender, state, urgent FROM cases ORDER BY id"),
            "transcripts": rows(db, "SELECT case_id, author, text FROM case_messages ORDER BY id"),
            "ratings": rows(db, "SELECT sender, score, reason FROM ratings ORDER BY id"),
            "outbox": rows(db, "SELECT id, sender, text FROM outbox ORDER BY id"),
        }
        pid = stack.procs["gateway"].pid
        with ThreadPoolExecutor(len(waiting)) as pool:     # people still talking as it dies
            turns = [pool.submit(lambda p: p.say("仲要等几耐", expect_status=None), p)
                     for p in waiting]
            supervised.kill("gateway")
            for turn in turns:
                try:
                    turn.result(timeout=60)
                except OSError:
                    pass                                   # no answer from a dead process
        supervised.back("gateway", pid)
        assert supervised.told("gateway")
        after = {
            "cases": rows(db, "SELECT id, sender, state, urgent FROM cases ORDER BY id"),
            "transcripts": rows(db, "SELECT case_id, author, text FROM case_messages ORDER BY id"),
            "ratings": rows(db, "SELECT sender, score, reason FROM ratings ORDER BY id"),
            "outbox": rows(db, "SELECT id, sender, text FROM outbox ORDER BY id"),
        }
    finally:
        db.close()
    assert after["cases"] == before["cases"]                       # every case, still waiting
    assert after["transcripts"][:len(before["transcripts"])] == before["transcripts"]
    assert after["ratings"] == before["ratings"] and after["ratings"][-1][1:] == (1, "等太久了")
    assert after["outbox"][:len(before["outbox"])] == before["outbox"]
    for place, person in enumerate(waiting, 1):                     # each hears their place
        body = person.say("仲要等几耐")
        assert body["handoff"] == {"state": "waiting", "position": place}
        assert f"第{place}位" in person.text
    got = waiting[0].collect(timeout=10)                            # and the staff reply
    assert [m["text"] for m in got["messages"]] == ["您好，马上到"]
