"""The figures page and the printable monthly 好差评 report, as HTML made on the server:
every chart (an SVG from charts.py) has its table beside it, every number is text, and
nothing needs a script except labelling (figures.js). Everything is escaped."""
from __future__ import annotations

import json
from html import escape
from typing import Any, Mapping, Optional, Sequence
from urllib.parse import urlencode

from channels.console.charts import chart
from channels.console.grouping import Group
from channels.console.stats import CHANNELS, Period, Table

PERIODS = {"today": "今天", "7d": "最近 7 天", "30d": "最近 30 天", "custom": "自定义"}


def _head(title: str, extra_css: Sequence[str] = ()) -> str:
    css = "".join(f'<link rel="stylesheet" href="/console/static/{name}"{media}>'
                  for name, media in [("console.css", ""), ("figures.css", "")] +
                  [(c, ' media="print"' if c == "print.css" else "") for c in extra_css])
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title>'
            '<link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml">'
            f'{css}</head>')


def _top(username: str, admin: bool, heading: str) -> str:
    return ('<header class="top"><h1>' + escape(heading) + '</h1>'
            f'<span class="who">{escape(username)}{"（管理员）" if admin else ""}</span>'
            '<a class="tab" href="/console">回到控制台</a></header>')


def query(period: Period, **extra: str) -> str:
    params = {"period": period.name, "from": period.date(period.first_day),
              "to": period.date(period.last_day)}
    if period.channel:
        params["channel"] = period.channel
    params.update(extra)
    return urlencode(params)


def _cell(value: Any) -> str:
    return escape("" if value is None else str(value))


def table_html(table: Table, caption: Optional[str] = None) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = "".join("<tr>" + f'<th scope="row">{_cell(row[0])}</th>'
                   + "".join(f"<td>{_cell(v)}</td>" for v in row[1:]) + "</tr>"
                   for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">这段时间没有数字。</td></tr>'
    return (f'<table class="data" id="table-{table.key}"><caption>{escape(caption or table.title)}'
            f'</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def figure_html(table: Table, period: Period, csv: bool = True) -> str:
    svg = chart(table)
    table_part = f'<div class="table-box" tabindex="0" role="region" ' \
                 f'aria-label="{escape(table.title)}（表）">{table_html(table)}</div>'
    body = (f'<div class="figure-body"><div class="chart-box">{svg}</div>{table_part}</div>'
            if svg else f'<div class="figure-body single">{table_part}</div>')
    link = (f'<p class="export"><a href="/console/figures/{table.key}.csv?{escape(query(period))}" '
            f'download>下载“{escape(table.title)}”的 CSV</a></p>') if csv else ""
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (f'<section class="figure" id="fig-{table.key}" aria-labelledby="h-{table.key}">'
            f'<h2 id="h-{table.key}">{escape(table.title)}</h2>{note}{body}{link}</section>')


def period_form(period: Period) -> str:
    radios = "".join(
        f'<label class="choice"><input type="radio" name="period" value="{key}"'
        f'{" checked" if period.name == key else ""}> {escape(label)}</label>'
        for key, label in PERIODS.items())
    channels = "".join(f'<option value="{key}"{" selected" if period.channel == key else ""}>'
                       f'{escape(label)}</option>' for key, label in CHANNELS.items())
    return (
        '<form class="period-form" method="get" action="/console/figures">'
        f'<fieldset><legend>时段</legend>{radios}'
        f'<span class="custom"><label for="from">从</label><input id="from" name="from" type="date" '
        f'value="{period.date(period.first_day)}"><label for="to">到</label>'
        f'<input id="to" name="to" type="date" value="{period.date(period.last_day)}"></span>'
        '</fieldset><div class="channel-pick"><label for="channel">渠道</label>'
        f'<select id="channel" name="channel"><option value="">全部渠道</option>{channels}</select>'
        '</div><button type="submit" class="primary">查看</button></form>')


def queue_html(figures: Mapping[str, Any]) -> str:
    def minutes(value: Any) -> str:
        return "—" if value is None else (f"{value} 秒" if value < 60 else f"{round(value / 60)} 分钟")
    items = [("正在等（现在）", f"{figures['waiting_now']} 人"),
             ("现在等得最久", minutes(figures["longest_wait_seconds"])),
             ("处理中（现在）", f"{figures['with_staff_now']} 件"),
             ("待回电（现在）", f"{figures['callbacks_pending']} 个"),
             ("这段时间已接手", f"{figures['answered']} 件"),
             ("已接手案件的等待", f"中位数 {minutes(figures['answered_median_wait_seconds'])}，"
                          f"九成在 {minutes(figures['answered_p90_wait_seconds'])} 内（只算已接手的）"),
             ("这段时间没接手就结束", f"{figures['left_unanswered']} 件")]
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return ('<section class="figure" id="fig-queue" aria-labelledby="h-queue">'
            '<h2 id="h-queue">排队</h2><p class="note">“现在”是此刻的数字；其余是所选时段的。</p>'
            f'<dl class="summary queue-now">{body}</dl></section>')


def unresolved_html(table: Table, groups: Sequence[Group], period: Period,
                    options: Sequence[tuple[str, str]], status: Mapping[str, Any],
                    skipped: int) -> str:
    select = "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in options)
    rows = []
    for row, g in zip(table.rows, groups):
        form = (f'<form class="label-form" data-texts="{escape(json.dumps(g.texts, ensure_ascii=False))}">'
                f'<label class="visually-hidden" for="label-{g.key}">“{escape(g.text)}”是什么意思</label>'
                f'<select id="label-{g.key}" name="intent" required><option value="">选意思…</option>'
                f'{select}</select><button type="submit">标记</button></form>')
        rows.append(f'<tr data-key="{g.key}"><th scope="row">{_cell(row[0])}</th><td>{_cell(row[1])}</td>'
                    f'<td>{_cell(row[2])}</td><td>{_cell(row[3])}</td>'
                    f'<td class="label-cell"><span class="labelled">{_cell(row[4])}</span>{form}</td></tr>')
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = "".join(rows) or f'<tr><td colspan="{len(table.columns)}">这段时间没有听不懂的问题。</td></tr>'
    pending = status.get("not_in_model")
    model = ("还不知道正在运行的模型是什么时候训练的（机器人没有在运行）" if pending is None
             else f"其中 {pending} 条还没有训练进正在运行的模型")
    more = f"另有 {skipped} 种说法太少，没有分组。" if skipped else ""
    return (
        f'<section class="figure" id="fig-unresolved" aria-labelledby="h-unresolved">'
        f'<h2 id="h-unresolved">{escape(table.title)}</h2><p class="note">{escape(table.note)}{escape(more)}</p>'
        f'<p class="teach-status" id="teach-status">已标记 <span id="labelled-count">'
        f'{status.get("labelled", 0)}</span> 条例句，写在 <code>{escape(status.get("file", ""))}'
        f'</code>；<span id="model-status">{escape(model)}</span>。请先审阅，再运行 '
        f'<code>make train</code>。</p><p id="label-notice" class="notice" role="status"></p>'
        f'<div class="table-box" tabindex="0" role="region" aria-label="{escape(table.title)}（表）">'
        f'<table class="data" id="table-unresolved"><caption>{escape(table.title)}</caption>'
        f'<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        f'<p class="export"><a href="/console/figures/unresolved.csv?{escape(query(period))}" download>'
        f'下载“没听懂的问题”的 CSV</a></p></section>')


def figures_page(username: str, admin: bool, csrf: str, period: Period,
                 queue: Mapping[str, Any], tables: Sequence[Table] = (),
                 groups: Sequence[Group] = (), options: Sequence[tuple[str, str]] = (),
                 status: Optional[Mapping[str, Any]] = None, skipped: int = 0,
                 error: str = "") -> str:
    parts = [_head("街坊 · 数字和报表"), f'<body class="figures-page" data-csrf="{escape(csrf)}">',
             _top(username, admin, "街坊 · 数字和报表"), '<main class="figures">']
    if error:
        parts.append(f'<p class="notice" role="alert">{escape(error)}</p>')
    if admin:
        parts.append(period_form(period))
    parts.append(f'<p class="period-said" id="period-said">所选时段：{escape(period.describe())}</p>')
    parts.append(queue_html(queue))
    if not admin:
        parts.append('<p class="note">其他数字和报表只有管理员能看。</p>')
    else:
        month = period.date(period.last_day)[:7]
        parts.append(
            '<nav class="exports" aria-label="报表"><a href="/console/figures/report?month='
            f'{month}">好差评月报（{month}，可打印）</a> · <a href="/console/figures/report.csv?month='
            f'{month}" download>好差评月报 CSV</a></nav>')
        for table in tables:
            if table.key == "unresolved":
                parts.append(unresolved_html(table, groups, period, options, status or {}, skipped))
            else:
                parts.append(figure_html(table, period))
    parts.append('</main><script type="module" src="/console/static/figures.js"></script>'
                 '</body></html>')
    return "".join(parts)


def report_page(month: str, period: Period, ratings: Table, reasons: Table) -> str:
    year, number = month.split("-")
    title = f"好差评月报 · {year}年{int(number)}月"
    happy = sum(sum(int(r[i]) for i in (1, 2)) for r in ratings.rows)
    total = sum(int(r[6]) for r in ratings.rows)
    rate = f"{100 * happy / total:.1f}%" if total else "—"
    months = (f'<form class="period-form no-print" method="get" action="/console/figures/report">'
              f'<label for="month">月份</label><input id="month" name="month" type="month" '
              f'value="{escape(month)}"><button type="submit">查看</button>'
              f'<a href="/console/figures/report.csv?month={escape(month)}" download>下载 CSV</a>'
              f'<a href="/console/figures">回到数字</a></form>')
    return "".join([
        _head(title, ("print.css",)), '<body class="report-page"><main class="report">', months,
        f'<h1>{escape(title)}</h1>',
        f'<p class="period-said">{escape(period.describe())}。共 {total} 次评价，满意率 {rate}'
        '（4 分和 5 分占全部评价的比例）。</p>',
        figure_html(ratings, period, csv=False),
        '<section class="figure" id="fig-report-reasons" aria-labelledby="h-report-reasons">'
        f'<h2 id="h-report-reasons">{escape(reasons.title)}</h2>'
        f'<div class="table-box">{table_html(reasons)}</div></section>',
        '<p class="note">由街坊助手生成；电话、证件号码已隐去。</p></main></body></html>'])
