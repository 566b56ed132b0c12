"""Nothing is lost when the gateway restarts mid-case: a second app on the same
SQLite file has the case, its transcript, the unsent staff messages, the staff
login, and still routes the person's messages to staff."""
from aiohttp.test_utils import TestClient, TestServer

from channels.gateway.app import create_app
from tests.handoff.conftest import StaffClient, chat, name_of, poll, same_people


async def test_a_restart_loses_nothing(aiohttp_client, settings, fake_rasa, staff_login, client):
    await chat(client, "waiting-one", "我要找工作人员")
    await chat(client, "u1", "社保卡唔見咗點算")
    await chat(client, "u1", "我想搵個真人同我講")
    await chat(client, "u1", "我等緊")
    staff = await staff_login("chan")
    case = await staff.case_of("u1")
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "您好，请问您的社保卡是哪年办的？"})
    before = await staff.case_of("u1")
    cookie = staff.client.session.cookie_jar.filter_cookies(staff.client.make_url("/console"))
    await staff.client.close()
    await client.close()                       # the gateway stops

    async with TestClient(TestServer(create_app(settings))) as again:   # and starts again
        same_people(client, again)
        restarted = StaffClient(again)
        again.session.cookie_jar.update_cookies({"kf_console": cookie["kf_console"].value},
                                                again.make_url("/console"))
        status, me = await restarted.get("/console/api/me")
        assert status == 200 and me["username"] == "chan"   # still logged in
        restarted.csrf = me["csrf"]
        after = await restarted.case_of("u1")
        assert after["state"] == "with_staff" and after["staff"] == "chan"
        assert after["transcript"] == before["transcript"]
        assert [name_of(again, c["sender"]) for c in await restarted.cases()] == \
            ["waiting-one", "u1"]

        got = await poll(again, "u1")                    # the messages not yet collected
        assert [m["text"] for m in got["messages"]] == [
            "工作人員嚟咗，請講。", "您好，請問您的社保卡是哪年辦的？"]

        asked = len(fake_rasa.received)
        body = await chat(again, "u1", "2015")         # a new session; the case remembers
        assert body["handoff"]["state"] == "with_staff" and len(fake_rasa.received) == asked
        await restarted.post(f"/console/api/cases/{case['id']}/messages", {"text": "好的，请稍等"})
        got = await poll(again, "u1")
        assert got["messages"][0]["text"] == "好的，請稍等"    # still Cantonese, Traditional
        assert (await chat(again, "waiting-one", "仲要等幾耐"))["handoff"]["position"] == 1
