"""The operator's view: GET /console/figures (staff: the queue's figures only; admins:
everything), the figures as JSON and CSV, the monthly 好差评 report (printable page and
CSV), and labelling the unresolved questions (admins). Queries run on the database
thread; a year of turns answers in well under a second (bench/figures.py)."""
from __future__ import annotations

import csv
import io
import logging
from calendar import monthrange
from typing import Any, AsyncIterator

from aiohttp import web

from bot.texts import staff_text
from channels.console import teach
from channels.console.auth import StaffUser, staff_route
from channels.console.casework import CENTRE_CLOCK, bad_filter, service_names
from channels.console.figures import queue_figures
from channels.console.figures_page import figures_page, report_page
from channels.console.stats import (CHANNELS, Period, Table, all_tables, monthly_report,
                                    one_table)
from channels.gateway.handoff.hours import day_number, day_text
from channels.gateway.http import BadRequest, json_ok, read_json_object
from channels.gateway.keys import DATABASE, HEALTH_PROBES, SETTINGS

log = logging.getLogger("kaifong.console")

TEACHER = web.AppKey("console_teacher", teach.Teacher)
MAX_DAYS = 400


def period_of(request: web.Request) -> Period:
    """?period=today|7d|30d|custom&from=&to=&channel= (local dates, inclusive)."""
    q, clock = request.query, request.app[CENTRE_CLOCK]
    offset, today = clock.offset, clock.today()
    name = q.get("period") or ("custom" if q.get("from") else "30d")
    channel = q.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise bad_filter("channel")
    spans = {"today": 1, "7d": 7, "30d": 30}
    if name in spans:
        return Period(today - spans[name] + 1, today, offset, channel, name)
    if name != "custom":
        raise bad_filter("period")
    try:
        first = day_number(q.get("from", ""))
        last = day_number(q.get("to", "")) if q.get("to") else today
    except ValueError:
        raise BadRequest(staff_text("console_bad_date")) from None
    if first > last or last - first >= MAX_DAYS:
        raise BadRequest(staff_text("console_bad_period", length=MAX_DAYS))
    return Period(first, last, offset, channel, "custom")


def month_of(request: web.Request) -> tuple[str, Period]:
    """?month=YYYY-MM; by default the centre's month now (not the server's)."""
    clock = request.app[CENTRE_CLOCK]
    text = request.query.get("month") or day_text(clock.today())[:7]
    try:
        year, number = (int(p) for p in text.split("-"))
        first = day_number(f"{year:04d}-{number:02d}-01")
        days = monthrange(year, number)[1]
    except ValueError:
        raise BadRequest(staff_text("console_bad_date")) from None
    return f"{year:04d}-{number:02d}", Period(first, first + days - 1, clock.offset)


async def _queue(request: web.Request, period: Period) -> dict[str, Any]:
    return await request.app[DATABASE].run(queue_figures, period.since,
                                           min(period.until, request.app[CENTRE_CLOCK].now()))


async def teach_status(request: web.Request) -> dict[str, Any]:
    probe = request.app[HEALTH_PROBES].get("rasa")
    model = None
    if probe is not None:
        state = await probe()
        model = state.get("model") if state.get("ok") else None
    trained = teach.model_trained_at(model)
    status = await request.app[DATABASE].run(teach.not_in_model, trained)
    status["file"] = str(request.app[TEACHER].path)
    return status


def shown_labels(conn: Any, names: dict[str, str]) -> dict[str, str]:
    """Each labelled text -> what its label means to staff (「事项：长者卡」)."""
    meaning = dict(teach.choices(names))
    return {text: meaning.get(intent, intent) for text, intent in teach.labels(conn).items()}


async def _tables(request: web.Request, period: Period) -> tuple[list[Table], Any, int]:
    names = service_names(request.app)

    def read(conn: Any) -> tuple[list[Table], Any, int]:
        return all_tables(conn, period, names, shown_labels(conn, names))
    return await request.app[DATABASE].run(read)


# --- the page ---------------------------------------------------------------------

@staff_route(page=True)
async def page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    error = ""
    try:
        period = period_of(request)
    except BadRequest as exc:
        error, period = str(exc), _default_period(request)
    queue = await _queue(request, period)
    if not staff.admin:
        html = figures_page(staff.username, False, staff.csrf, period, queue, error=error)
        return web.Response(text=html, content_type="text/html")
    tables, groups, skipped = await _tables(request, period)
    html = figures_page(staff.username, True, staff.csrf, period, queue, tables, groups,
                        teach.choices(service_names(request.app)), await teach_status(request),
                        skipped, error)
    return web.Response(text=html, content_type="text/html")


def _default_period(request: web.Request) -> Period:
    clock = request.app[CENTRE_CLOCK]
    today = clock.today()
    return Period(today - 29, today, clock.offset, None, "30d")


# --- JSON and CSV -----------------------------------------------------------------

def table_json(table: Table) -> dict[str, Any]:
    return {"key": table.key, "title": table.title, "columns": table.columns,
            "rows": table.rows, "note": table.note}


@staff_route("admin")
async def figures_json(request: web.Request, staff: StaffUser) -> web.Response:
    period = period_of(request)
    return json_ok({"period": {"name": period.name, "from": period.date(period.first_day),
                               "to": period.date(period.last_day), "channel": period.channel},
                    "queue": await _queue(request, period),
                    "tables": [table_json(t) for t in (await _tables(request, period))[0]],
                    "teach": await teach_status(request)})


def csv_response(name: str, sections: list[Table]) -> web.Response:
    out = io.StringIO()
    out.write("\ufeff")   # a BOM: spreadsheet programs then read the Chinese right
    writer = csv.writer(out, lineterminator="\r\n")
    for n, table in enumerate(sections):
        if n:
            writer.writerow([])
        if len(sections) > 1:
            writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    response = web.Response(body=out.getvalue().encode("utf-8"),
                            content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="kaifong-{name}.csv"'
    return response


@staff_route("admin")
async def export_csv(request: web.Request, staff: StaffUser) -> web.Response:
    key = request.match_info["name"]
    if key == "report":
        month, period = month_of(request)
        ratings, reasons = await request.app[DATABASE].run(
            monthly_report, period, service_names(request.app))
        return csv_response(f"report-{month}", [ratings, reasons])
    period = period_of(request)
    names = service_names(request.app)
    table = await request.app[DATABASE].run(
        lambda conn: one_table(conn, period, key, names, lambda: shown_labels(conn, names)))
    if table is None:
        raise web.HTTPNotFound()
    span = f"{period.date(period.first_day)}-{period.date(period.last_day)}"
    return csv_response(f"{key}-{span}" + (f"-{period.channel}" if period.channel else ""),
                        [table])


@staff_route("admin", page=True)
async def report(request: web.Request, staff: StaffUser) -> web.Response:
    month, period = month_of(request)
    ratings, reasons = await request.app[DATABASE].run(
        monthly_report, period, service_names(request.app))
    return web.Response(text=report_page(month, period, ratings, reasons),
                        content_type="text/html")


# --- teaching -----------------------------------------------------------------------

@staff_route("admin")
async def label(request: web.Request, staff: StaffUser) -> web.Response:
    body = await read_json_object(request)
    texts, intent = body.get("texts"), body.get("intent")
    if not isinstance(texts, list) or not isinstance(intent, str):
        raise BadRequest(staff_text("console_label_need"))
    try:
        result = await request.app[TEACHER].label(request.app[DATABASE], texts, intent,
                                                  staff.username)
    except teach.TeachError as exc:
        raise BadRequest(str(exc)) from None
    log.info("%s labelled %d utterances as %s (%d new examples)", staff.username, len(texts),
             intent, len(result["added"]))
    result["status"] = await teach_status(request)
    return json_ok(result)


async def _teacher(app: web.Application) -> AsyncIterator[None]:
    teacher = teach.Teacher(app[SETTINGS].labelled_examples)
    await app[DATABASE].apply(teach.SCHEMA)
    app[TEACHER] = teacher
    yield


def add_figures_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console/figures", page)
    r.add_get("/console/figures/report", report)
    r.add_get("/console/figures/{name}.csv", export_csv)
    r.add_get("/console/api/figures/tables", figures_json)
    r.add_post("/console/api/unresolved/label", label)
    app.cleanup_ctx.append(_teacher)

