"""Charts drawn on the server as SVG, from the same `Table` the page puts beside them.

Why on the server: the figures page and the printable report need no script to show a
chart, nothing comes from outside (CSP 'self'), and every label is real text in the
page's CJK font stack (Noto Sans CJK …, set in figures.css), which a screen reader, a
search and a test can read. Never colour alone: every series has its own pattern (solid,
stripes, dots, cross-hatch …) and a legend entry, bars carry their numbers, and lines have
their own marker and dash. The table beside each chart holds every number.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence
from xml.sax.saxutils import escape

from channels.console.stats import Table

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 44
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f")
# rating levels 5..1: greens to red, each with its own pattern too
SCORE_COLOURS = ("#1a7f37", "#7bc47f", "#9e9e9e", "#f0a35e", "#c62828")
PATTERNS = ("solid", "stripes", "dots", "cross", "hlines", "vlines", "solid")
MARKERS = ("circle", "square", "diamond")


def _attr(value: Any) -> str:
    return escape(str(value), {'"': "&quot;"})


def _patterns(prefix: str, colours: Sequence[str]) -> str:
    out = []
    for i, colour in enumerate(colours):
        kind = PATTERNS[i % len(PATTERNS)]
        pid = f"{prefix}-p{i}"
        if kind == "solid":
            body = ""
        elif kind == "stripes":
            body = '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="2"/>'
        elif kind == "dots":
            body = '<circle cx="4" cy="4" r="1.6" fill="#fff"/>'
        elif kind == "cross":
            body = '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="#fff" stroke-width="1.4"/>'
        elif kind == "hlines":
            body = '<path d="M0,4 h8" stroke="#fff" stroke-width="2"/>'
        else:
            body = '<path d="M4,0 v8" stroke="#fff" stroke-width="2"/>'
        out.append(f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                   f'<rect width="8" height="8" fill="{colour}"/>{body}</pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def _svg(prefix: str, title: str, body: str, height: int = HEIGHT,
         colours: Sequence[str] = COLOURS) -> str:
    return (f'<svg class="chart" role="img" aria-labelledby="{prefix}-title" '
            f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" '
            f'preserveAspectRatio="xMinYMin meet">'
            f'<title id="{prefix}-title">{escape(title)}（图；每个数字都在旁边的表里）</title>'
            f'{_patterns(prefix, colours)}{body}</svg>')


def _number(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.endswith("%"):
        return float(value[:-1])
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _present(value: Any) -> bool:
    return value not in ("", None)


def _legend(prefix: str, names: Sequence[str], y: int = 14) -> str:
    out, x = [], LEFT
    for i, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="url(#{prefix}-p{i})" '
                   f'stroke="#333" stroke-width=".6"/><text x="{x + 18}" y="{y}" '
                   f'class="legend">{escape(name)}</text>')
        x += 26 + 13 * len(name)
    return "".join(out)


def _scale(top: float) -> tuple[float, list[float]]:
    """A round top for the axis and its ticks."""
    if top <= 0:
        return 1.0, [0.0, 1.0]
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000,
                 50000, 100000, 200000, 500000, 1000000):
        if top / step <= 5:
            ticks = [step * k for k in range(int(top // step) + 2)]
            return float(ticks[-1]), [float(t) for t in ticks]
    return top, [0.0, top]


def _axis(ticks: Sequence[float], top: float, plot_h: int, percent: bool = False) -> str:
    out = []
    for t in ticks:
        y = TOP + plot_h - plot_h * t / top
        label = f"{t:g}%" if percent else f"{t:g}"
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'class="grid"/><text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" '
                   f'text-anchor="end">{escape(label)}</text>')
    return "".join(out)


def _day_label(date: str) -> str:
    return date[5:].replace("-", "/")   # 2024-05-03 -> 05/03


def stacked_columns(prefix: str, table: Table) -> str:
    """Per day, one column stacked by series (conversations by channel …)."""
    series = table.chart["series"]
    names = [table.columns[i] for i in series]
    rows = table.rows
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(_number(r[i]) for i in series) for r in rows]
    top, ticks = _scale(max(totals, default=0))
    slot = plot_w / max(1, len(rows))
    bar = max(1.0, slot * 0.7)
    out = [_legend(prefix, names), _axis(ticks, top, plot_h)]
    every = max(1, round(len(rows) / 8))
    for k, row in enumerate(rows):
        x = LEFT + k * slot + (slot - bar) / 2
        y = TOP + plot_h
        for n, i in enumerate(series):
            h = plot_h * _number(row[i]) / top
            if h > 0:
                y -= h
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                           f'fill="url(#{prefix}-p{n})"><title>{escape(str(row[0]))} '
                           f'{escape(names[n])}：{escape(str(row[i]))}</title></rect>')
        if len(rows) <= 14 and totals[k]:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" class="value" '
                       f'text-anchor="middle">{totals[k]:g}</text>')
        if k % every == 0:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" class="tick" '
                       f'text-anchor="middle">{escape(_day_label(str(row[0])))}</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" class="axis-name" '
               f'text-anchor="middle">日期</text>')
    return _svg(prefix, table.title, "".join(out))


def bars(prefix: str, table: Table) -> str:
    """One horizontal bar per row, its number at its end (services, hand-over reasons)."""
    i = table.chart["series"][0]
    rows = table.rows[:table.chart.get("top", len(table.rows))]
    height = TOP + 26 * max(1, len(rows)) + 10
    label_w = 150
    plot_w = WIDTH - label_w - 60
    top = max((_number(r[i]) for r in rows), default=0) or 1
    out = [f'<text x="{label_w}" y="18" class="legend">{escape(table.columns[i])}</text>']
    for k, row in enumerate(rows):
        y = TOP + k * 26
        w = plot_w * _number(row[i]) / top
        out.append(f'<text x="{label_w - 8}" y="{y + 14}" class="label" text-anchor="end">'
                   f'{escape(_short(str(row[0]), 10))}</text>'
                   f'<rect x="{label_w}" y="{y}" width="{max(w, 0.5):.1f}" height="18" '
                   f'fill="url(#{prefix}-p0)"/><text x="{label_w + w + 6:.1f}" y="{y + 14}" '
                   f'class="value">{escape(str(row[i]))}</text>')
    if not rows:
        out.append(f'<text x="{WIDTH / 2}" y="{TOP + 14}" text-anchor="middle" class="label">'
                   f'这段时间没有数字</text>')
    return _svg(prefix, table.title, "".join(out), height)


def stacked_bars(prefix: str, table: Table) -> str:
    """One horizontal bar per row split into its series (好差评: the five levels)."""
    series = table.chart["series"]
    names = [table.columns[i] for i in series]
    rows = table.rows[:12]
    height = TOP + 28 * max(1, len(rows)) + 12
    label_w = 150
    plot_w = WIDTH - label_w - 50
    top = max((sum(_number(r[i]) for i in series) for r in rows), default=0) or 1
    out = [_legend(prefix, names)]
    for k, row in enumerate(rows):
        y, x = TOP + k * 28, float(label_w)
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" class="label" text-anchor="end">'
                   f'{escape(_short(str(row[0]), 10))}</text>')
        for n, i in enumerate(series):
            w = plot_w * _number(row[i]) / top
            if w <= 0:
                continue
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" '
                       f'fill="url(#{prefix}-p{n})" stroke="#fff" stroke-width=".5"><title>'
                       f'{escape(str(row[0]))} {escape(names[n])}：{escape(str(row[i]))}'
                       f'</title></rect>')
            if w >= 22:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" class="in-bar" '
                           f'text-anchor="middle">{escape(str(row[i]))}</text>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}" class="value">{escape(str(row[-1]))}</text>')
    if not rows:
        out.append(f'<text x="{WIDTH / 2}" y="{TOP + 14}" text-anchor="middle" class="label">'
                   f'这段时间没有评价</text>')
    return _svg(prefix, table.title, "".join(out), height, SCORE_COLOURS)


def line(prefix: str, table: Table) -> str:
    """Values per day as lines, each with its own marker and dash; gaps stay gaps."""
    series = table.chart["series"]
    percent = table.chart.get("percent", False)
    names = [table.columns[i] for i in series]
    rows = table.rows
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [[_number(r[i]) if _present(r[i]) else None for r in rows] for i in series]
    high = max((v for vs in values for v in vs if v is not None), default=0)
    top, ticks = (100.0, [0, 25, 50, 75, 100]) if percent else _scale(high)
    slot = plot_w / max(1, len(rows))
    out = [_line_legend(names), _axis(ticks, top, plot_h, percent)]
    for n, vs in enumerate(values):
        colour = COLOURS[n % len(COLOURS)]
        dash = ' stroke-dasharray="6 4"' if n % 2 else ""
        points = []
        for k, v in enumerate(vs):
            if v is None:
                points.append(None)
                continue
            points.append((LEFT + k * slot + slot / 2, TOP + plot_h - plot_h * v / top))
        for run in _runs(points):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        for k, point in enumerate(points):
            if point is not None:
                value = rows[k][series[n]]
                out.append(_marker(MARKERS[n % len(MARKERS)], point, colour,
                                   f"{rows[k][0]} {names[n]}：{value}"))
                if len(rows) <= 14:   # few days: each point says its number
                    out.append(f'<text x="{point[0]:.1f}" y="{point[1] - 8 + 20 * n:.1f}" '
                               f'class="value" text-anchor="middle">{escape(str(value))}</text>')
    every = max(1, round(len(rows) / 8))
    for k, row in enumerate(rows):
        if k % every == 0:
            out.append(f'<text x="{LEFT + k * slot + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                       f'class="tick" text-anchor="middle">{escape(_day_label(str(row[0])))}</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" class="axis-name" '
               f'text-anchor="middle">日期</text>')
    return _svg(prefix, table.title, "".join(out),
                colours=[COLOURS[n % len(COLOURS)] for n in range(len(series))])


def _line_legend(names: Sequence[str], y: int = 14) -> str:
    out, x = [], LEFT
    for n, name in enumerate(names):
        colour = COLOURS[n % len(COLOURS)]
        dash = ' stroke-dasharray="6 4"' if n % 2 else ""
        out.append(f'<line x1="{x}" x2="{x + 26}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/>'
                   + _marker(MARKERS[n % len(MARKERS)], (x + 13, y - 4), colour, name)
                   + f'<text x="{x + 32}" y="{y}" class="legend">{escape(name)}</text>')
        x += 44 + 13 * len(name)
    return "".join(out)


def _runs(points: Sequence[Optional[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    runs, current = [], []
    for point in points:
        if point is None:
            if len(current) > 1:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if len(current) > 1:
        runs.append(current)
    return runs


def _marker(kind: str, point: tuple[float, float], colour: str, tip: str) -> str:
    x, y = point
    tip_el = f"<title>{escape(tip)}</title>"
    if kind == "square":
        return (f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" '
                f'stroke="{colour}" stroke-width="2">{tip_el}</rect>')
    if kind == "diamond":
        return (f'<path d="M{x:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="{colour}">'
                f'{tip_el}</path>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip_el}</circle>'


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


DRAW = {"stacked_columns": stacked_columns, "bars": bars, "stacked_bars": stacked_bars,
        "line": line}


def chart(table: Table) -> Optional[str]:
    """The table's chart as an SVG string, or None for a table drawn as a table only."""
    draw = DRAW.get(table.chart.get("kind", ""))
    return draw(f"chart-{table.key}", table) if draw else None
