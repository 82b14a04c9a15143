"""Charts drawn on the server as inline SVG, from plain numbers: no models, no queries, no JavaScript.
Every function takes labels and series and returns SVG markup that is safe to put in a page: every piece
of text is escaped here, and nothing else reaches the markup. Each chart is an image with a <title>,
a <desc> and an aria-label, and carries text labels (axes, values, a legend); the page shows the same
numbers in a table below it, so the picture is never the only way to read them.

- `line_chart`: one line per series over ordered labels (weeks); None leaves a gap.
- `bar_chart`: horizontal bars, one row per label, grouped (a bar per series) or stacked.
- `column_chart`: vertical stacked columns (reasons per week), the total above each column.
- `before_after_chart`: one row per label, a dot at the start value, an arrow to the end value, on a
  scale named by its tick labels (the mood scale), with the move written out ("Upset → Satisfied").
- `table_rows`: the rows of the table under a chart, in one pass (a page shows a few hundred cells:
  cheaper here than a template tag per cell).
"""
import math
from dataclasses import dataclass

from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

# Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito, darkened for text).
PALETTE = ("#1d5fd1", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#5c6673", "#b3261e",
           "#7b3fb5", "#0f6e6e")
WIDTH = 640
FONT = 12
LABEL_CHARS = 24


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple  # one per label; None where there is nothing to show
    color: str = ""
    strong: bool = False  # drawn heavier (the team's line among the reps')


def colour(series, index):
    return series.color or PALETTE[index % len(PALETTE)]


def nice_max(value):
    """The axis end: the smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (1 for nothing)."""
    if not value or value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _num(x):
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, *, anchor="start", cls="", weight="", fill=""):
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' font-weight="{weight}"' if weight else ""
    attrs += f' fill="{fill}"' if fill else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{FONT}"{attrs}>'
            f"{escape(content)}</text>")


def _tip(content):
    return f"<title>{escape(content)}</title>"


def _clip(label, chars=LABEL_CHARS):
    label = str(label)
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _svg(name, title, desc, height, body):
    ident = f"chart-{escape(name)}"
    # Every piece below is escape()d text or a number this module formatted (tests/security/test_hostile_input.py).
    return mark_safe(  # nosec B308 B703
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" fill="#1c2430">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _legend(series_list, top, *, left=10):
    """Swatch and name for each series, four to a line. Returns (markup, height)."""
    body, per_line, cell = [], 4, (WIDTH - left) / 4
    for i, series in enumerate(series_list):
        x = left + (i % per_line) * cell
        y = top + (i // per_line) * 18
        body.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" rx="2" '
                    f'fill="{colour(series, i)}"/>')
        body.append(_text(x + 17, y, _clip(series.name, 26), weight="600" if series.strong else ""))
    lines = math.ceil(len(series_list) / per_line) if series_list else 0
    return body, lines * 18


def line_chart(*, name, title, desc, labels, series, y_max=100, y_format=lambda v: f"{v:g}%"):
    """A line per series across `labels`; a None value leaves a gap, a lone value shows as a dot."""
    left, right, top, plot_h = 44, 30, 14, 200
    plot_w = WIDTH - left - right
    step = plot_w / max(len(labels) - 1, 1)

    def x_at(i):
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y_at(v):
        return top + plot_h - (v / y_max) * plot_h

    body = []
    for tick in range(5):
        value = y_max * tick / 4
        y = y_at(value)
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y)}" y2="{_num(y)}" stroke="#dde1e7"/>')
        body.append(_text(left - 6, y + 4, y_format(value), anchor="end", cls="axis"))
    every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            body.append(_text(x_at(i), top + plot_h + 16, label, anchor="middle", cls="axis"))
    for index, s in enumerate(series):
        stroke = colour(s, index)
        path, pen_down = [], False
        for i, v in enumerate(s.values):
            if v is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{_num(x_at(i))} {_num(y_at(v))}")
            pen_down = True
        if path:
            body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{stroke}" '
                        f'stroke-width="{3 if s.strong else 1.75}" stroke-linejoin="round"/>')
        for i, v in enumerate(s.values):
            if v is not None:
                body.append(f'<circle cx="{_num(x_at(i))}" cy="{_num(y_at(v))}" r="{4 if s.strong else 3}" '
                            f'fill="{stroke}">{_tip(f"{s.name}, {labels[i]}: {y_format(v)}")}</circle>')
    legend, legend_h = _legend(series, top + plot_h + 40)
    return _svg(name, title, desc, top + plot_h + 40 + legend_h, body + legend)


def bar_chart(*, name, title, desc, labels, series, stacked=False, x_max=None, value_format=str,
              strong_rows=()):
    """Horizontal bars, a row per label: a bar per series side by side, or one bar stacked from them.
    Each bar says its value; `strong_rows` (indexes) get a bold label (the team's row)."""
    left, right, top = 170, 70, 8
    plot_w = WIDTH - left - right
    bar_h = 16
    row_h = (bar_h + 12) if stacked else (bar_h * len(series) + 12)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    peak = max(totals if stacked else [v or 0 for s in series for v in s.values], default=0)
    x_max = x_max or nice_max(peak)

    def width_of(v):
        return max(0.0, (v or 0) / x_max * plot_w)

    body = [f'<line x1="{left}" x2="{left}" y1="{top - 4}" y2="{top + row_h * len(labels)}" stroke="#5c6673"/>']
    for row, label in enumerate(labels):
        y0 = top + row * row_h
        body.append(_text(left - 8, y0 + (row_h - 12) / 2 + 4 + (2 if stacked else 0), _clip(label),
                          anchor="end", weight="700" if row in strong_rows else ""))
        if stacked:
            x = left
            for index, s in enumerate(series):
                v = s.values[row] or 0
                if v:
                    w = width_of(v)
                    body.append(f'<rect x="{_num(x)}" y="{_num(y0)}" width="{_num(w)}" height="{bar_h}" '
                                f'fill="{colour(s, index)}">{_tip(f"{label}, {s.name}: {value_format(v)}")}</rect>')
                    if w >= 22:
                        body.append(_text(x + w / 2, y0 + bar_h - 4, value_format(v), anchor="middle",
                                          weight="600", fill="#fff"))
                    x += w
            body.append(_text(x + 6, y0 + bar_h - 4, f"{value_format(totals[row])} in all", cls="value"))
            continue
        for index, s in enumerate(series):
            v = s.values[row]
            y = y0 + index * bar_h
            shown = "—" if v is None else value_format(v)
            if v:
                body.append(f'<rect x="{left}" y="{_num(y)}" width="{_num(width_of(v))}" height="{bar_h - 2}" '
                            f'fill="{colour(s, index)}">{_tip(f"{label}, {s.name}: {shown}")}</rect>')
            body.append(_text(left + width_of(v) + 5, y + bar_h - 5, shown, cls="value"))
    legend, legend_h = _legend(series, top + row_h * len(labels) + 22)
    return _svg(name, title, desc, top + row_h * len(labels) + 22 + legend_h, body + legend)


def column_chart(*, name, title, desc, labels, series, value_format=str):
    """Vertical columns stacked from the series, one per label, with each column's total above it."""
    left, right, top, plot_h = 44, 16, 18, 180
    plot_w = WIDTH - left - right
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    y_max = nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    col_w = min(44, slot * 0.7)

    def h_of(v):
        return v / y_max * plot_h

    body = []
    for tick in range(5):
        value = y_max * tick / 4
        y = top + plot_h - h_of(value)
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y)}" y2="{_num(y)}" stroke="#dde1e7"/>')
        body.append(_text(left - 6, y + 4, _num(value), anchor="end", cls="axis"))
    every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        cx = left + slot * i + slot / 2
        y = top + plot_h
        for index, s in enumerate(series):
            v = s.values[i] or 0
            if v:
                body.append(f'<rect x="{_num(cx - col_w / 2)}" y="{_num(y - h_of(v))}" width="{_num(col_w)}" '
                            f'height="{_num(h_of(v))}" fill="{colour(s, index)}">'
                            f'{_tip(f"{label}, {s.name}: {value_format(v)}")}</rect>')
                y -= h_of(v)
        if totals[i]:
            body.append(_text(cx, y - 4, value_format(totals[i]), anchor="middle", cls="value", weight="600"))
        if i % every == 0 or i == len(labels) - 1:
            body.append(_text(cx, top + plot_h + 16, label, anchor="middle", cls="axis"))
    legend, legend_h = _legend(series, top + plot_h + 40)
    return _svg(name, title, desc, top + plot_h + 40 + legend_h, body + legend)


@dataclass(frozen=True)
class Move:
    label: str
    start: float
    end: float
    strong: bool = False


def before_after_chart(*, name, title, desc, moves, scale, start_name="Before", end_name="After",
                       describe=None):
    """A row per Move on a scale whose positions are named by `scale` (index = value): a hollow dot at
    the start, an arrow to a filled dot at the end, and the move in words on the right."""
    left, right, top, row_h = 170, 150, 30, 28
    plot_w = WIDTH - left - right
    top_value = max(len(scale) - 1, 1)
    describe = describe or (lambda a, b: f"{_num(a)} → {_num(b)}")

    def x_at(v):
        return left + v / top_value * plot_w

    body = [f'<defs><marker id="chart-{escape(name)}-arrow" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
            'fill="#1c2430"/></marker></defs>']
    bottom = top + row_h * len(moves)
    for i, tick in enumerate(scale):
        x = x_at(i)
        body.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{top - 6}" y2="{bottom}" stroke="#dde1e7"/>')
        body.append(_text(x, top - 12 if i % 2 == 0 else bottom + 14, tick, anchor="middle", cls="axis"))
    for row, move in enumerate(moves):
        y = top + row * row_h + row_h / 2
        x1, x2 = x_at(move.start), x_at(move.end)
        said = describe(move.start, move.end)
        body.append(_text(left - 8, y + 4, _clip(move.label), anchor="end", weight="700" if move.strong else ""))
        if abs(x2 - x1) > 9:
            shorten = 7 if x2 > x1 else -7
            body.append(f'<line x1="{_num(x1)}" y1="{_num(y)}" x2="{_num(x2 - shorten)}" y2="{_num(y)}" '
                        f'stroke="#1c2430" stroke-width="2" marker-end="url(#chart-{escape(name)}-arrow)"/>')
        body.append(f'<circle cx="{_num(x1)}" cy="{_num(y)}" r="5" fill="#fff" stroke="{PALETTE[1]}" stroke-width="2">'
                    f'{_tip(f"{move.label}, {start_name}: {said}")}</circle>')
        body.append(f'<circle cx="{_num(x2)}" cy="{_num(y)}" r="5" fill="{PALETTE[2]}">'
                    f'{_tip(f"{move.label}, {end_name}: {said}")}</circle>')
        body.append(_text(WIDTH - right + 12, y + 4, said, cls="value", weight="700" if move.strong else ""))
    legend_y = bottom + 34
    body.append(f'<circle cx="{left + 6}" cy="{legend_y - 4}" r="5" fill="#fff" stroke="{PALETTE[1]}" '
                'stroke-width="2"/>')
    body.append(_text(left + 16, legend_y, start_name))
    body.append(f'<circle cx="{left + 156}" cy="{legend_y - 4}" r="5" fill="{PALETTE[2]}"/>')
    body.append(_text(left + 166, legend_y, end_name))
    return _svg(name, title, desc, legend_y + 10, body)


def table_rows(rows, *, strong="Team"):
    """`<tr>` markup for rows of display values (escaped unless already markup): the first cell is the
    row's header; a row headed `strong` (the team's) is marked as such."""
    out = []
    for row in rows:
        head, *cells = (conditional_escape(cell) for cell in row)
        marked = ' class="team-row"' if row[0] == strong else ""
        out.append(f'<tr{marked}><th scope="row">{head}</th>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return mark_safe("\n".join(out))  # nosec B308 B703 - every cell went through conditional_escape above
