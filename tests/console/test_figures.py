"""The operator's figures (issue 14) on a seeded database: the numbers of every figure,
the channel filter, CSV exports that match the tables, the monthly 好差评 report, who may
see what; and in the browser at 1440x900: every chart drawn with CJK labels and its table
beside it holding the seeded numbers, axe-core on the page and on the report."""
from __future__ import annotations

import csv
import datetime
import io
import time
from pathlib import Path

import pytest

from bot.catalog import load_catalog
from channels.console.casework import CENTRE_CLOCK
from channels.gateway.app import create_app
from channels.gateway.db import database_path
from channels.gateway.handoff.hours import LocalClock
from channels.gateway.keys import DATABASE
from channels.gateway.ratings import add_rating
from tests.console.conftest import ConsolePage, axe_violations, base_url
from tests.console.seed import OFFSET, seed
from tests.handoff.conftest import StaffClient, add_staff

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
NAMES = {k: s.text("name", "cmn") for k, s in load_catalog().items()}
SENIOR, PENSION = NAMES["senior_card"], NAMES["pension_certification"]


def date(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86400))


def rows_by_date(table: dict) -> dict[str, list]:
    return {row[0]: row[1:] for row in table["rows"]}


async def tables(staff, query: str = "period=7d") -> dict[str, dict]:
    status, body = await staff.get("/console/api/figures/tables?" + query)
    assert status == 200, body
    return {t["key"]: t for t in body["tables"]}


async def test_every_figure_holds_the_seeded_numbers(client, settings, staff_login):
    known = seed(database_path(settings))
    t0, t1, t2 = date(known.today), date(known.today - 1), date(known.today - 2)
    boss = await staff_login("boss", "admin")
    got = await tables(boss)
    conversations = rows_by_date(got["conversations"])
    assert got["conversations"]["columns"] == ["日期", "社区自助机", "电话", "微信", "网页/API",
                                               "对话合计", "轮次合计"]
    assert len(conversations) == 7 and conversations[date(known.today - 6)] == [0] * 6
    assert conversations[t2] == [3, 0, 0, 0, 3, 16]
    assert conversations[t1] == [0, 2, 1, 0, 3, 11]
    assert conversations[t0] == [0, 0, 0, 2, 2, 8]
    turns = rows_by_date(got["turns"])
    assert turns[t2] == [16, 0, 0, 0, 16, 3]
    assert turns[t1] == [0, 4, 0, 7, 11, 3]
    assert turns[t0] == [1, 0, 7, 0, 8, 2]
    assert got["services"]["rows"] == [[SENIOR, 3, "75.0%"], [PENSION, 1, "25.0%"]]
    assert got["ratings"]["rows"] == [[SENIOR, 3, 1, 0, 1, 1, 6, "66.7%"],
                                      [PENSION, 0, 0, 2, 0, 0, 2, "0.0%"],
                                      ["未说明事项", 1, 0, 0, 0, 0, 1, "100.0%"]]
    satisfaction = rows_by_date(got["satisfaction"])
    assert satisfaction[t2] == [4, 2, "50.0%"] and satisfaction[t1] == [5, 3, "60.0%"]
    assert satisfaction[t0] == [0, 0, ""]
    reasons = got["reasons"]["rows"]
    assert [r[2:] for r in reasons] == [["2 不满意", "等了很久，电话138****5678没人接"],
                                        ["1 非常不满意", "字太小，看不清"]]   # newest first, masked
    assert got["handoffs"]["rows"] == [["主动要求找人", 1], ["机器人两次听不懂", 1], ["紧急情况", 1],
                                       ["下班时间（留电话回电）", 1]]
    waits = rows_by_date(got["waits"])
    assert waits[t1] == [3, 2.0, 10.0, 0] and waits[t2] == [1, 0.5, 0.5, 1]
    assert waits[t0] == [0, "", "", 0]                          # still waiting: not ended
    # pending: the open task and the person waiting with a number; rung: only the task
    # someone claimed, not the one an admin closed unclaimed
    assert got["callbacks"]["rows"] == [["现在待回电", 2], ["这段时间新留的电话", 4],
                                        ["这段时间已回电", 1]]
    queue = (await boss.get("/console/api/figures/tables?period=7d"))[1]["queue"]
    assert queue["callbacks_pending"] == 2 and queue["waiting_now"] == 1   # the same count
    unresolved = got["unresolved"]["rows"]
    assert unresolved[0][:2] == ["今天天气怎么样", 5]           # 今日天气点样呀 is the same question
    assert "今日天气点样呀（2）" in unresolved[0][2]
    assert sorted(r[1] for r in unresolved[1:]) == [1, 1]
    assert "13812345678" not in str(got)


async def test_the_channel_and_the_period_choose_what_is_counted(client, settings, staff_login):
    known = seed(database_path(settings))
    boss = await staff_login("boss", "admin")
    phone = await tables(boss, "period=7d&channel=phone")
    assert rows_by_date(phone["conversations"])[date(known.today - 1)] == [2, 2, 7]
    assert phone["conversations"]["columns"] == ["日期", "电话", "对话合计", "轮次合计"]
    assert phone["ratings"]["rows"] == [[SENIOR, 1, 1, 0, 1, 0, 3, "66.7%"]]
    today = await tables(boss, "period=today")
    assert [r[0] for r in today["conversations"]["rows"]] == [date(known.today)]
    custom = await tables(boss, f"period=custom&from={date(known.today - 2)}&to={date(known.today - 2)}")
    assert custom["services"]["rows"] == [[SENIOR, 2, "66.7%"], [PENSION, 1, "33.3%"]]
    for bad in ("period=year", "period=custom&from=2024-13-01", "channel=fax",
                f"period=custom&from={date(known.today)}&to={date(known.today - 3)}",
                "period=custom&from=2020-01-01&to=2022-01-01"):
        status, body = await boss.get("/console/api/figures/tables?" + bad)
        assert status == 400 and body["error"], bad


async def test_csv_exports_match_the_tables_and_the_monthly_report(client, settings, staff_login):
    seed(database_path(settings))
    boss = await staff_login("boss", "admin")
    got = await tables(boss)
    for key, table in got.items():
        resp = await boss.client.get(f"/console/figures/{key}.csv?period=7d")
        assert resp.status == 200 and resp.content_type == "text/csv", key
        assert "attachment" in resp.headers["Content-Disposition"]
        text = (await resp.read()).decode("utf-8")
        assert text.startswith("\ufeff")
        read = list(csv.reader(io.StringIO(text[1:])))
        assert read[0] == table["columns"], key
        assert read[1:] == [[str(v) for v in row] for row in table["rows"]], key
    month = time.strftime("%Y-%m", time.gmtime(time.time() + OFFSET))
    resp = await boss.client.get(f"/console/figures/report.csv?month={month}")
    report = (await resp.read()).decode("utf-8")
    assert resp.status == 200 and "好差评（按事项）" in report and "138****5678" in report
    resp = await boss.client.get(f"/console/figures/report?month={month}")
    page = await resp.text()
    assert resp.status == 200 and "好差评月报" in page and "满意率" in page
    assert "13812345678" not in page and "13812345678" not in report
    assert (await boss.client.get("/console/figures/nothing.csv?period=7d")).status == 404


async def test_staff_see_the_queue_figures_only(client, settings, staff_login):
    seed(database_path(settings))
    chan = await staff_login("chan")
    for path in ("/console/api/figures/tables?period=7d", "/console/figures/conversations.csv",
                 "/console/figures/report.csv", "/console/figures/report",
                 "/console/api/figures"):
        resp = await chan.client.get(path, allow_redirects=False)
        assert resp.status == 403, path
    status, _ = await chan.post("/console/api/unresolved/label",
                                {"texts": ["讲个笑话"], "intent": "out_of_scope"})
    assert status == 403
    resp = await chan.client.get("/console/figures")
    page = await resp.text()
    assert resp.status == 200 and "正在等（现在）" in page and "只有管理员能看" in page
    assert "fig-conversations" not in page and "今天天气" not in page


async def test_the_figures_page_draws_every_chart_with_its_table(client, settings, browser):
    known = seed(database_path(settings))
    add_staff(settings, "boss", "admin")
    console = await ConsolePage.open(browser, base_url(client), "boss", "/console/figures?period=7d")
    page = console.page
    try:
        await expect(page.locator("#period-said")).to_contain_text("全部渠道")
        charts = page.locator("svg.chart")
        assert await charts.count() == 7
        assert await page.evaluate("document.fonts.check('12px \"Noto Sans CJK SC\"', '长者卡')")
        for key in ("conversations", "turns", "services", "ratings", "satisfaction", "handoffs",
                    "waits"):
            figure = page.locator(f"#fig-{key}")
            svg = figure.locator("svg.chart")
            await expect(svg).to_be_visible()
            labels = await svg.locator("text").all_text_contents()
            assert any("\u4e00" <= ch <= "\u9fff" for text in labels for ch in text), key
            box = await svg.bounding_box()
            table = await figure.locator("table.data").bounding_box()
            assert box and table and table["x"] > box["x"] + box["width"] - 1, key   # beside
        ratings = page.locator("#fig-ratings svg.chart text")
        assert SENIOR in await ratings.all_text_contents()
        pattern_fills = await page.eval_on_selector_all(
            "#fig-ratings svg.chart rect[fill^='url(']", "els => new Set(els.map(e => e.getAttribute('fill'))).size")
        assert pattern_fills == 5                                  # a pattern per level
        row = page.locator("#table-conversations tbody tr", has_text=date(known.today - 2))
        await expect(row).to_contain_text("16")
        await expect(page.locator("#table-ratings tbody tr").first).to_contain_text("66.7%")
        await expect(page.locator("#table-reasons")).to_contain_text("138****5678")
        await expect(page.locator("#table-unresolved tbody tr").first).to_contain_text("今天天气怎么样")
        async with page.expect_download() as info:              # the page's own CSV link
            await page.locator("#fig-ratings .export a").click()
        download = await info.value
        text = Path(await download.path()).read_text(encoding="utf-8-sig")
        shown = await page.eval_on_selector_all(
            "#table-ratings tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        assert list(csv.reader(io.StringIO(text))) == shown
        await console.screenshot("10-figures")
        await page.locator("#fig-ratings").scroll_into_view_if_needed()
        await console.screenshot("11-figures-ratings")
        assert await console.axe() == []

        link = page.locator("a", has_text="好差评月报（")
        await link.click()
        await expect(page.locator("h1")).to_contain_text("好差评月报")
        await expect(page.locator("#table-ratings")).to_contain_text("66.7%")
        await console.screenshot("12-report")
        assert await axe_violations(page) == []
        await page.emulate_media(media="print")
        await expect(page.locator("form.no-print")).to_be_hidden()
        await console.screenshot("13-report-print")
        assert console.errors == [] and console.failed == []
    finally:
        await console.close()


async def test_the_report_is_of_the_centres_month_by_default(aiohttp_client, settings):
    # 2024-05-31 20:00 UTC is 2024-06-01 04:00 at the centre (+08:00): a server on UTC
    # is still in May; the report must be June's
    app = create_app(settings)
    app[CENTRE_CLOCK] = LocalClock(OFFSET, lambda: 1717185600.0)
    client = await aiohttp_client(app)
    centre = datetime.timezone(datetime.timedelta(seconds=OFFSET))
    for n, when in enumerate([(5, 31, 23, 59), (6, 1, 0, 0), (6, 30, 23, 59), (7, 1, 0, 0)]):
        at = datetime.datetime(2024, *when, tzinfo=centre).timestamp()   # June's edges
        await app[DATABASE].run(add_rating, f"r{n}", 5, "senior_card", "kiosk", "cmn", at)
    add_staff(settings, "boss", "admin")
    boss = await StaffClient(client).login("boss")
    resp = await boss.client.get("/console/figures/report")
    page = await resp.text()
    assert resp.status == 200 and "好差评月报 · 2024年6月" in page, page[:400]
    assert "2024-06-01 至 2024-06-30" in page
    assert "共 2 次评价" in page                     # neither May's last minute nor July's first
    resp = await boss.client.get("/console/figures/report.csv")
    assert 'filename="kaifong-report-2024-06.csv"' in resp.headers["Content-Disposition"]
