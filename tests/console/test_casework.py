"""The inbox's API: 「下一位」's order and its race, transfer and who may, internal notes,
the history's filters, canned replies (admins edit, everyone reads), honest queue
figures, facts masked in one style, and an older database file brought up to date."""
from __future__ import annotations

import asyncio
import sqlite3
import time

from channels.gateway.db import connect, in_transaction
from channels.gateway.handoff import store
from channels.gateway.handoff.desk import masked_fact
from bot.privacy import mask_phone
from tests.console.test_console_inbox import age_case, backdate, finish_case
from tests.handoff.conftest import chat, name_of, poll


async def test_next_takes_emergencies_then_the_longest_wait_then_callbacks(
        client, settings, staff_login):
    for sender in ("a", "b", "c"):
        await chat(client, sender, "我要找工作人员")
    await chat(client, "c", "我电话是13812345678")   # c leaves a number, then leaves
    await chat(client, "c", "取消")
    await chat(client, "d", "救命，有人晕倒了")
    age_case(settings, "b", 20)
    age_case(settings, "c", 30)      # the oldest of all, and still after people waiting
    chan = await staff_login("chan")
    order = []
    for _ in range(4):
        status, case = await chan.post("/console/api/next")
        assert status == 200, case
        order.append((name_of(client, case["sender"]), case["state"]))
    assert order == [("d", "with_staff"), ("b", "with_staff"), ("a", "with_staff"),
                     ("c", "callback")]
    assert order and case["callback"] == "13812345678"   # the claimer sees the number
    status, body = await chan.post("/console/api/next")
    assert status == 404 and "没有等待" in body["error"]


async def test_two_staff_pressing_next_at_once_get_different_cases(client, staff_login):
    for sender in ("a", "b"):
        await chat(client, sender, "我要找工作人员")
    chan, lee = await staff_login("chan"), await staff_login("lee")
    (s1, c1), (s2, c2) = await asyncio.gather(chan.post("/console/api/next"),
                                              lee.post("/console/api/next"))
    assert (s1, s2) == (200, 200) and \
        {name_of(client, c1["sender"]), name_of(client, c2["sender"])} == {"a", "b"}


async def test_a_case_goes_to_a_colleague_only_from_its_owner_or_an_admin(
        client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    chan, lee, boss = await staff_login("chan"), await staff_login("lee"), \
        await staff_login("boss", "admin")
    status, case = await chan.post("/console/api/next")
    path = f"/console/api/cases/{case['id']}"
    assert (await lee.post(path + "/transfer", {"to": "lee"}))[0] == 403
    status, body = await chan.post(path + "/transfer", {"to": "nobody"})
    assert status == 400 and "nobody" in body["error"]
    assert (await chan.post(path + "/transfer", {}))[0] == 400
    status, body = await chan.post(path + "/transfer", {"to": "lee"})
    assert status == 200 and body["staff"] == "lee" and not body["mine"]
    assert "chan 把案件转给 lee" in body["transcript"][-1]["text"]
    assert (await chan.post(path + "/messages", {"text": "还在吗"}))[0] == 403
    assert (await lee.post(path + "/messages", {"text": "我是小李"}))[0] == 200
    assert (await lee.post(path + "/transfer", {"to": "lee"}))[0] == 409
    status, body = await boss.post(path + "/transfer", {"to": "chan"})   # an admin may
    assert status == 200 and body["staff"] == "chan"
    status, body = await chan.get("/console/api/colleagues")
    assert {s["username"] for s in body["staff"]} == {"chan", "lee", "boss"}


async def test_notes_are_for_staff_only(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    chan, lee = await staff_login("chan"), await staff_login("lee")
    case = (await chan.cases())[0]
    path = f"/console/api/cases/{case['id']}/notes"
    status, body = await lee.post(path, {"text": "上次打来过，要帮老伴办"})   # anyone may note
    assert status == 200 and body["notes"][0]["staff"] == "lee"
    assert (await lee.post(path, {"text": "   "}))[0] == 400
    assert (await lee.post("/console/api/cases/999/notes", {"text": "x"}))[0] == 404
    assert "老伴" not in str(await poll(client, "u1"))
    assert all("老伴" not in m["text"] for m in body["transcript"])


async def test_history_filters_and_checks_its_input(client, settings, staff_login):
    chan = await staff_login("chan")
    await chat(client, "card", "社保卡丢了，我要找工作人员")
    await finish_case(chan, "card")
    await chat(client, "old", "我要找工作人员")
    await finish_case(chan, "old")
    backdate(settings, "old", 45)
    status, body = await chan.get("/console/api/history")
    assert status == 200 and [name_of(client, c["sender"]) for c in body["cases"]] == ["card"]
    status, body = await chan.get("/console/api/history?from=2000-01-01&service=social_security_card"
                                  "&channel=api&staff=CHAN")
    assert [name_of(client, c["sender"]) for c in body["cases"]] == ["card"] and body["total"] == 1
    status, body = await chan.get("/console/api/history?from=2000-01-01")
    assert body["total"] == 2
    await chat(client, "talking", "我要找工作人员")       # open cases are never history
    talking = await chan.case_of("talking")
    assert (await chan.post(f"/console/api/cases/{talking['id']}/claim"))[0] == 200
    await chat(client, "waits", "我要找工作人员")
    status, body = await chan.get("/console/api/history?from=2000-01-01")
    assert sorted(name_of(client, c["sender"]) for c in body["cases"]) == ["card", "old"]
    for bad in ("from=yesterday", "from=2030-01-02&to=2030-01-01", "service=pizza",
                "channel=fax", "page=x"):
        status, body = await chan.get("/console/api/history?" + bad)
        assert status == 400 and body["error"], bad
    # the filter named in the staff's words, never the parameter's
    for path, said in (("history?channel=fax", "「渠道」"), ("history?page=x", "「页」"),
                       ("history?service=pizza", "「事项」"), ("cases?state=x", "「状态」"),
                       ("cases?limit=x", "「每页件数」要是 0 到 1000")):
        status, body = await chan.get("/console/api/" + path)
        assert status == 400 and said in body["error"] and not body["error"].isascii(), path


async def test_canned_replies_are_edited_by_admins_and_read_by_everyone(client, staff_login):
    chan, boss = await staff_login("chan"), await staff_login("boss", "admin")
    status, body = await chan.get("/console/api/canned")
    assert status == 200 and len(body["replies"]) == 5
    assert all(r["cmn"] and r["yue"] and r["cmn"] != r["yue"] for r in body["replies"])
    new = {"title": "预约", "cmn": "可以先在网上预约。", "yue": "可以喺网上预约先。"}
    assert (await chan.post("/console/api/canned", new))[0] == 403
    status, body = await boss.post("/console/api/canned", new)
    assert status == 201 and body["replies"][-1]["yue"] == "可以喺网上预约先。"
    reply_id = body["replies"][-1]["id"]
    status, body = await boss.post("/console/api/canned", {"title": "x", "cmn": "只有普通话"})
    assert status == 400 and "粤语" in body["error"]
    status, body = await boss.post(f"/console/api/canned/{reply_id}", {"delete": True})
    assert status == 200 and len(body["replies"]) == 5
    assert (await boss.post(f"/console/api/canned/{reply_id}", {"delete": True}))[0] == 400


async def test_the_figures_tell_waiting_now_apart_from_answered_waits(
        client, settings, staff_login):
    """The issue: 「平均等待 4 秒」 while 13 people waited, the longest 28 minutes."""
    chan, boss = await staff_login("chan"), await staff_login("boss", "admin")
    await chat(client, "quick", "我要找工作人员")
    assert (await chan.post("/console/api/next"))[0] == 200      # answered within seconds
    for i in range(13):
        await chat(client, f"w{i}", "我要找工作人员")
    age_case(settings, "w0", 28)
    status, body = await chan.get("/console/api/queue-figures")
    assert status == 200
    assert body["now"]["waiting_now"] == 13
    assert 28 * 60 <= body["now"]["longest_wait_seconds"] < 29 * 60
    assert body["today"]["answered"] == 1 and body["today"]["answered_median_wait_seconds"] < 60
    assert set(body) == {"now", "today", "staff_online"}               # nothing nobody reads
    status, body = await boss.get("/console/api/figures")
    assert body["waiting_now"] == 13 and body["longest_wait_seconds"] >= 28 * 60
    assert body["answered"] == 1 and body["average_wait_seconds"] < 60


def test_facts_are_masked_in_one_style():
    assert masked_fact("13812345678") == mask_phone("13812345678") == "138****5678"
    assert masked_fact("+86 138 1234 5678") == mask_phone("+86 138 1234 5678")
    # masked by what it is, not by its shape (be8940a): a short id is no phone number; the
    # phone channel masks its caller as a phone itself
    assert masked_fact("1001") == "1001"
    assert masked_fact({"answers": [{"said": "我电话13812345678"}]}) == \
        {"answers": [{"said": "我电话138****5678"}]}
    assert masked_fact("东山街长者服务中心一楼") == "东山街长者服务中心一楼"


def test_an_older_database_gets_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE cases (id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL, channel TEXT NOT NULL, language TEXT NOT NULL, script TEXT NOT NULL,
        service TEXT, reason TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'queue',
        urgent INTEGER NOT NULL DEFAULT 0, facts TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL,
        staff TEXT, callback_phone TEXT, created_at REAL NOT NULL, waiting_since REAL NOT NULL,
        claimed_at REAL, ended_at REAL);
        CREATE TABLE case_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL,
        author TEXT NOT NULL, staff TEXT, text TEXT NOT NULL, at REAL NOT NULL);""")
    old.close()
    conn = connect(path, [store.SCHEMA])
    in_transaction(conn, store.migrate)
    case = in_transaction(conn, lambda c: store.open_callback(
        c, sender="u", channel="api", language="cmn", script="hans", service=None,
        reason="asked", phone="13812345678", facts={}, now=time.time(),
        turns=[store.Turn("user", "1", time.time(), "1 给自己办")]))
    assert case.callback_at is not None
    assert in_transaction(conn, store.transcript, case.id)[0]["shown"] == "1 给自己办"
    conn.close()
