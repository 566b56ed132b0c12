"""Finding 7: data at rest. `.run/` was 0755 and its databases 0644 (callback numbers,
transcripts, password hashes, every conversation in Rasa's tracker store); nothing was
ever deleted; Rasa's token was on its command line for `ps` to show; the Rasa webhook
and the action server took any local caller. Now: the run folder is 0700 and every file
0600; transcripts go after retention_days (a daily job and `make purge`); the secrets
come by the environment; Rasa's channel and the action server want the secret."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from channels.gateway.db import connect, in_transaction
from channels.gateway.handoff import store
from channels.gateway import ratings, turns
from channels.tools.stack import ROOT
from tests.attacks.conftest import open_conversation, say

DAY = 86400


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- who may read the files -------------------------------------------------------------

async def test_the_gateways_own_files_are_for_its_user_only(make_client, tmp_path):
    client = await make_client()
    person = await open_conversation(client)
    await say(client, person, "我要找工作人员")
    assert mode(tmp_path) == 0o700
    for name in ("kaifong.sqlite3", "kaifong.sqlite3-wal", "kaifong.sqlite3-shm", "gateway.key"):
        assert mode(tmp_path / name) == 0o600, name


@pytest.mark.stack
def test_the_stacks_run_folder_and_every_file_in_it_are_private(stack):
    run_dir = stack.config.run_dir
    assert mode(run_dir) == 0o700
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"rasa_tracker.db", "kaifong.sqlite3", "gateway.log", "rasa.log"} <= names
    assert {p.name: oct(mode(p)) for p in files if mode(p) & 0o077} == {}


@pytest.mark.stack
def test_no_secret_is_on_a_command_line(stack):
    for name, proc in stack.procs.items():
        argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert "--auth-token" not in argv and stack.token not in argv, name
        assert getattr(stack, "action_token", stack.token) not in argv, name


@pytest.mark.stack
def test_each_part_holds_only_the_secrets_it_uses(stack):
    def environment(name: str) -> str:
        return Path(f"/proc/{stack.procs[name].pid}/environ").read_bytes().decode(errors="replace")
    assert stack.action_token not in environment("gateway")      # it never calls the actions
    assert stack.token not in environment("actions")              # it never calls Rasa
    assert stack.token in environment("rasa") and stack.action_token in environment("rasa")


# --- only the gateway talks to Rasa, only Rasa to the action server ---------------------

def _post(url: str, body: dict, headers: dict) -> int:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.stack
def test_rasas_webhook_answers_the_gateway_only(stack):
    c = stack.config
    url = f"http://{c.host}:{c.rasa_port}/webhooks/kaifong/webhook"
    turn = {"sender": "someone-else", "message": "/emergency"}
    assert _post(url, turn, {}) == 403
    assert _post(url, turn, {"X-Kaifong-Token": "guess"}) == 403
    assert _post(url + f"?token={stack.token}", turn, {}) == 403   # the header, not the URL
    assert _post(url, {"sender": "t-webhook", "message": "你好"},
                 {"X-Kaifong-Token": stack.token}) == 200


@pytest.mark.stack
def test_the_action_server_answers_rasa_only_and_on_loopback(stack):
    c = stack.config
    call = {"next_action": "action_repeat", "sender_id": "x", "tracker": {}, "domain": {},
            "version": "3.6.2"}
    url = f"http://{c.host}:{c.actions_port}/webhook"
    assert _post(url, call, {}) == 403
    assert _post(url, call, {"X-Kaifong-Token": stack.token}) == 403   # not Rasa's secret
    with urllib.request.urlopen(f"http://{c.host}:{c.actions_port}/health", timeout=10) as resp:
        assert resp.status == 200
    listening = _listening_addresses(c.actions_port)
    assert listening and listening <= {"127.0.0.1"}


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        host, _, hexport = fields[1].partition(":")
        if fields[3] == "0A" and int(hexport, 16) == port:
            found.add(".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    for line in Path("/proc/net/tcp6").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            found.add("::")
    return found


# --- nothing is kept for ever ------------------------------------------------------------

CONVERSATIONS = """CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE, user TEXT, source TEXT NOT NULL, created_at REAL NOT NULL,
    used_at REAL NOT NULL)"""   # as channels/gateway/conversations.py makes it


def purge_files(settings) -> dict:
    from channels.gateway.retention import purge_files as purge
    return purge(settings)


def old_data(db: Path, tracker: Path, now: float) -> None:
    """A case that ended 100 days ago (transcript, note, number to ring, outbox), an
    unresolved turn's text, a rating with a reason, an unused /api conversation, and in
    the tracker store a conversation last seen 100 days ago; and the same things from today."""
    conn = connect(db, [store.SCHEMA, ratings.SCHEMA, turns.SCHEMA, CONVERSATIONS])
    in_transaction(conn, store.migrate)
    for sender, when in (("old-person", now - 100 * DAY), ("new-person", now - 3600)):
        def write(c: sqlite3.Connection) -> None:
            case = store.open_case(c, sender=sender, channel="api", language="cmn",
                                   script="hans", service=None, reason="asked", urgent=False,
                                   facts={"来电号码": "138****5678"}, turns=[], now=when)
            store.add_message(c, case.id, "user", "我电话13812345678", when)
            store.add_note(c, case.id, "chan", "回电了", when)
            store.set_callback(c, case.id, "13812345678")
            store.enqueue(c, sender, case.id, "staff", "您好", when)
            store.move(c, case.id, ("waiting",), "closed", when)
            ratings.add_rating(c, sender, 1, None, "api", "cmn", when)
            ratings.add_reason(c, sender, "等了很久")
            c.execute("INSERT INTO turns (at, day, channel, language, script, unresolved, text)"
                      " VALUES (?, 0, 'api', 'cmn', 'hans', 'not_understood', '乱码')", (when,))
            c.execute("INSERT INTO conversations (id, token_hash, user, source, created_at,"
                      " used_at) VALUES (?, ?, NULL, 'addr:x', ?, ?)",
                      (f"api-{sender}", f"hash-{sender}", when, when))
        in_transaction(conn, write)
    conn.close()
    rasa = sqlite3.connect(tracker)
    rasa.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT,"
                 " timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)")
    for sender, when in (("old-person", now - 100 * DAY), ("new-person", now - 3600),
                         ("long-visit", now - 100 * DAY), ("long-visit", now - 60)):
        rasa.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES"
                     " (?, 'user', ?, '{\"text\": \"我电话13812345678\"}')", (sender, when))
    rasa.commit()
    rasa.close()


def what_is_left(db: Path, tracker: Path) -> dict:
    conn = sqlite3.connect(db)
    rasa = sqlite3.connect(tracker)
    try:
        one = lambda sql: [tuple(r) for r in conn.execute(sql)]
        return {
            "cases": one("SELECT sender, callback_phone, facts FROM cases ORDER BY id"),
            "messages": one("SELECT text FROM case_messages ORDER BY id"),
            "notes": one("SELECT text FROM case_notes"),
            "outbox": one("SELECT sender FROM outbox"),
            "ratings": one("SELECT sender, score, reason FROM ratings ORDER BY id"),
            "turns": one("SELECT text FROM turns ORDER BY id"),
            "conversations": one("SELECT id FROM conversations"),
            "tracker": [tuple(r) for r in rasa.execute(
                "SELECT DISTINCT sender_id FROM events ORDER BY sender_id")],
        }
    finally:
        conn.close()
        rasa.close()


def test_transcripts_go_after_the_retention_and_counts_stay(make_settings, tmp_path):
    settings = make_settings()
    db, tracker = tmp_path / "kaifong.sqlite3", tmp_path / "rasa_tracker.db"
    old_data(db, tracker, time.time())
    purge_files(settings)
    left = what_is_left(db, tracker)
    assert left["cases"] == [("purged", None, "{}"),
                             ("new-person", "13812345678", '{"来电号码": "138****5678"}')]
    assert left["messages"] == [("我电话13812345678",)] and left["notes"] == [("回电了",)]
    assert left["outbox"] == [("new-person",)]
    assert left["ratings"] == [("purged", 1, None), ("new-person", 1, "等了很久")]
    assert left["turns"] == [(None,), ("乱码",)]
    assert left["conversations"] == [("api-new-person",)]
    assert left["tracker"] == [("long-visit",), ("new-person",)]   # a visit still going stays
    assert mode(db) == 0o600 and mode(tracker) == 0o600


async def test_the_gateway_purges_at_start_and_every_day(make_settings, tmp_path,
                                                         aiohttp_client):
    from channels.gateway.app import create_app
    db, tracker = tmp_path / "kaifong.sqlite3", tmp_path / "rasa_tracker.db"
    old_data(db, tracker, time.time())
    await aiohttp_client(create_app(make_settings()))
    import asyncio
    for _ in range(200):
        if what_is_left(db, tracker)["tracker"] == [("long-visit",), ("new-person",)]:
            break
        await asyncio.sleep(0.1)
    assert what_is_left(db, tracker)["ratings"][0] == ("purged", 1, None)


def test_make_purge(make_settings, tmp_path):
    db, tracker = tmp_path / "kaifong.sqlite3", tmp_path / "rasa_tracker.db"
    old_data(db, tracker, time.time())
    done = subprocess.run([sys.executable, "-m", "channels.tools.purge"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "KAIFONG_DATA_DIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "older than 90 days" in done.stdout and "case messages 1" in done.stdout
    assert what_is_left(db, tracker)["conversations"] == [("api-new-person",)]


def test_retention_0_keeps_everything(make_settings, tmp_path):
    db, tracker = tmp_path / "kaifong.sqlite3", tmp_path / "rasa_tracker.db"
    old_data(db, tracker, time.time())
    before = what_is_left(db, tracker)
    assert purge_files(make_settings(retention_days=0)) == {}
    assert what_is_left(db, tracker) == before
