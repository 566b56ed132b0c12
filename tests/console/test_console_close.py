"""Issue 13: who may close a case. An unclaimed waiting case: anyone (a duplicate, a
mistake). A callback task is claimed, rung, then closed: unclaimed, only an admin closes
it. A claimed case: its owner or an admin — checked again in the UPDATE that closes it
(or gives it to a colleague)."""
from __future__ import annotations

import pytest

from channels.gateway.handoff.desk import CaseError
from channels.gateway.keys import HANDOFF
from tests.console.cases import Spec, open_cases


async def test_an_unclaimed_callback_is_closed_by_its_claimer_or_an_admin_only(
        client, settings, staff_login):
    first, second, waiting = open_cases(
        settings, Spec("c1", callback="13812345678"), Spec("c2", callback="13912345678"),
        Spec("w1"))
    chan, lee, boss = await staff_login("chan"), await staff_login("lee"), \
        await staff_login("boss", "admin")
    status, body = await lee.post(f"/console/api/cases/{first}/close")
    assert status == 403 and "回电任务" in body["error"]
    assert (await lee.get(f"/console/api/cases/{first}"))[1]["state"] == "callback"
    assert (await chan.post(f"/console/api/cases/{first}/claim"))[0] == 200
    assert (await lee.post(f"/console/api/cases/{first}/close"))[0] == 403   # chan's now
    status, body = await chan.post(f"/console/api/cases/{first}/close")
    assert status == 200 and body["state"] == "closed"
    status, body = await boss.post(f"/console/api/cases/{second}/close")
    assert status == 200 and body["state"] == "closed"
    status, body = await lee.post(f"/console/api/cases/{waiting}/close")   # a duplicate: anyone
    assert status == 200 and body["state"] == "closed"


async def test_closing_checks_the_owner_again_in_the_same_update(client, settings, monkeypatch):
    """chan's close was checked against a case that an admin gave to lee a moment later:
    the close must not happen."""
    (case_id,) = open_cases(settings, Spec("u1", callback="13812345678"))
    desk = client.server.app[HANDOFF]
    await desk.claim(case_id, "chan")
    seen = await desk.case(case_id)

    async def as_it_was(_: int):
        return seen
    await desk.transfer(case_id, "boss", "lee", admin=True)
    monkeypatch.setattr(desk, "case", as_it_was)
    with pytest.raises(CaseError) as error:
        await desk.close(case_id, "chan")
    assert error.value.status == 409
    monkeypatch.undo()
    case, _, _ = await desk.case(case_id)
    assert (case.state, case.staff) == ("callback", "lee")


async def test_a_transfer_checks_the_owner_again_in_the_same_update(client, settings, monkeypatch):
    """chan's transfer was checked against a case that an admin gave to lee a moment later:
    chan may not give lee's case away."""
    (case_id,) = open_cases(settings, Spec("u1", callback="13812345678"))
    desk = client.server.app[HANDOFF]
    await desk.claim(case_id, "chan")
    seen = await desk.case(case_id)

    async def as_it_was(_: int):
        return seen
    await desk.transfer(case_id, "boss", "lee", admin=True)
    monkeypatch.setattr(desk, "case", as_it_was)
    with pytest.raises(CaseError) as error:
        await desk.transfer(case_id, "chan", "mei")
    assert error.value.status == 409
    monkeypatch.undo()
    case, _, _ = await desk.case(case_id)
    assert (case.state, case.staff) == ("callback", "lee")
