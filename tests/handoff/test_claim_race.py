"""Several staff press 接手 on the same case at the same moment: exactly one wins,
the others are told who has it."""
import asyncio

from tests.handoff.conftest import chat


async def test_two_staff_racing_to_claim_one_wins_the_other_is_told(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    chan, lee = await staff_login("chan"), await staff_login("lee")
    case = await chan.case_of("u1")
    url = f"/console/api/cases/{case['id']}/claim"
    results = await asyncio.gather(chan.post(url), lee.post(url))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    winner = "chan" if results[0][0] == 200 else "lee"
    loser_body = results[1][1] if winner == "chan" else results[0][1]
    assert loser_body["staff"] == winner and winner in loser_body["error"]
    final = await chan.case_of("u1")
    assert final["staff"] == winner and final["state"] == "with_staff"
    claims = [m for m in final["transcript"] if m["author"] == "system" and "接手" in m["text"]]
    assert len(claims) == 1


async def test_many_claims_at_once_still_one_winner(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    team = [await staff_login(f"staff{i}") for i in range(5)]
    case = await team[0].case_of("u1")
    url = f"/console/api/cases/{case['id']}/claim"
    results = await asyncio.gather(*(member.post(url) for member in team * 2))
    assert sorted(status for status, _ in results) == [200] + [409] * 9
