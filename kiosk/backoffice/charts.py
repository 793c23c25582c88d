"""Small charts drawn on the server as SVG: no script, nothing from the internet, a few hundred
bytes each, and readable when printed. Each chart carries a <title> and a table-like <desc> so a
screen reader (and a test) can read its figures."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

COLOURS = ("#b3261e", "#1e7b34", "#2c5c8f", "#8a6d1d")


def _text(value: str) -> str:
    """Escaped text as a plain str: a Markup on the right of `+` would escape the tags on its
    left (`"<desc>" + escape(x)` shows "&lt;desc&gt;" on the page)."""
    return str(escape(value))


def _nice_max(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n not below `value` (the top of the scale)."""
    magnitude = 1.0
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 560,
    height: int = 180,
    every: int = 1,
    unit: str = "",
) -> Markup:
    """Vertical bars, one group per label, one bar per series; a legend when there are several.
    `every`: label every n-th group (30 days do not all fit)."""
    left, right, top, bottom = 44, 8, 22 if len(series) > 1 else 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v for _, values in series for v in values), default=0))
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(1.0, group_w * 0.8 / max(len(series), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + _text(
            "; ".join(
                f"{name}: "
                + ", ".join(f"{lab} {v:g}{unit}" for lab, v in zip(labels, values, strict=False))
                for name, values in series
            )
        )
        + "</desc>",
    ]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d5dbe2" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#5b6775">{peak * frac:g}</text>'
        )
    for s, (_name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        for i, value in enumerate(values):
            h = plot_h * max(value, 0) / peak
            x = left + i * group_w + group_w * 0.1 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
    for i, label in enumerate(labels):
        if i % every and i != len(labels) - 1:
            continue
        x = left + i * group_w + group_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#5b6775">{escape(label)}</text>'
        )
    if len(series) > 1:
        x = left
        for s, (name, _values) in enumerate(series):
            parts.append(
                f'<rect x="{x:.0f}" y="4" width="12" height="12" '
                f'fill="{COLOURS[s % len(COLOURS)]}"/>'
                f'<text x="{x + 16:.0f}" y="14" font-size="12" fill="#1d2733">{escape(name)}</text>'
            )
            x += 16 + _text_px(name) + 20
    parts.append("</svg>")
    return Markup("".join(parts))


def _text_px(text: str, size: int = 12) -> float:
    """About how wide `text` is drawn at `size` px: a Hanzi a full em, a Latin letter about 0.6."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def shares(title: str, items: Sequence[tuple[str, float]], *, width: int = 560) -> Markup:
    """One horizontal bar split by share (e.g. goods' value by funding source), with a legend
    that wraps onto more lines when it does not fit."""
    total = sum(v for _, v in items)
    legend = []
    lx, ly = 0.0, 34
    for i, (name, value) in enumerate(items):
        share = f"{100 * value / total:.0f}%" if total > 0 else "0%"
        label = f"{name} {share}"
        step = 16 + _text_px(label) + 18
        if lx and lx + step > width:
            lx, ly = 0.0, ly + 18
        legend.append(
            f'<rect x="{lx:.0f}" y="{ly}" width="12" height="12" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            f'<text x="{lx + 16:.0f}" y="{ly + 11}" font-size="12" fill="#1d2733">'
            f"{escape(label)}</text>"
        )
        lx += step
    height = ly + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        "<desc>" + _text("; ".join(f"{name} {v:.2f}" for name, v in items)) + "</desc>",
    ]
    x = 0.0
    if total > 0:
        for i, (_name, value) in enumerate(items):
            w = width * value / total
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="24" '
                f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            )
            x += w
    else:
        parts.append(f'<rect x="0" y="0" width="{width}" height="24" fill="#eef1f4"/>')
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))
