"""The simulation's results for people and machines: a table, JSON and an SVG chart."""

import json
from dataclasses import asdict
from html import escape

from .runner import SimulationResult
from .stats import PolicyStats

COLUMNS = (
    ("policy", "policy", "{}"),
    ("kept", "kept_share", "{:.1%}"),
    ("mean late", "mean_days_late", "{:.2f} d"),
    ("p95 late", "p95_days_late", "{:.0f} d"),
    ("tbc", "tbc_share", "{:.1%}"),
    ("promised", "mean_days_promised", "{:.1f} d"),
    ("changes/line", "changes_per_line", "{:.2f}"),
    ("judged", "judged", "{}"),
)


def table(stats: dict[str, PolicyStats]) -> str:
    """A plain-text table, one row per policy, for the terminal and the README."""
    rows = [[fmt.format(getattr(s, attr)) for _, attr, fmt in COLUMNS] for s in stats.values()]
    headers = [title for title, _, _ in COLUMNS]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        first, *rest = cells
        padded = [first.ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ("-" if n == 0 else ":") for n, w in enumerate(widths))
    return "\n".join([line(headers), rule + "|", *map(line, rows)])


def as_json(result: SimulationResult) -> str:
    """Everything measured, deterministic for a seed (no timings, no paths)."""
    return json.dumps(
        {
            "config": asdict(result.config),
            "counts": dict(sorted(result.counts.items())),
            "event_stream_sha256": result.event_digest,
            "policies": [asdict(s) for s in result.policies.values()],
            "by_supplier": {
                name: {
                    "reliability": entry["reliability"],
                    "policies": [asdict(s) for s in entry["policies"].values()],
                }
                for name, entry in result.by_supplier.items()
            },
        },
        indent=2,
    )


# One marker shape per policy, so the chart does not rely on colour alone.
_STYLE = {
    "queue-based": ("#1f5fa8", "circle"),
    "fixed lead time": ("#8a5a00", "square"),
    "next shipment": ("#a3262a", "diamond"),
    "queue + learned buffer": ("#2e7d32", "triangle"),
}
_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 760, 460, 70, 230, 50, 60


def chart(result: SimulationResult) -> str:
    """Dates kept against days promised: a line per policy through its suppliers' points."""
    series = _series(result)
    xs = [x for points in series.values() for x, _, _ in points]
    x_max = max(5, int(max(xs, default=0)) + 2)
    ys = [y for points in series.values() for _, y, _ in points]
    y_min = min(50, int(min(ys, default=100) // 10 * 10))
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            round(_LEFT + x / x_max * plot_w, 1),
            round(_TOP + (100 - y) / (100 - y_min) * plot_h, 1),
        )

    parts = _axes(x_max, y_min, at, result)
    for row, (policy, points) in enumerate(series.items()):
        colour, shape = _STYLE.get(policy, ("#333", "circle"))
        spots = [at(x, y) for x, y, _ in points]
        path = " ".join(f"{x},{y}" for x, y in spots)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), (_, _, label) in zip(spots, points, strict=True):
            parts.append(_marker(shape, x, y, colour))
            # Alternate sides, so labels of points close together do not overlap.
            side = f'x="{x + 8}"' if row % 2 == 0 else f'x="{x - 8}" text-anchor="end"'
            parts.append(f'<text {side} y="{y - 6}" font-size="11">{escape(label)}</text>')
        legend_y = _TOP + 20 + row * 26
        parts.append(_marker(shape, _W - _RIGHT + 30, legend_y - 4, colour))
        parts.append(
            f'<text x="{_W - _RIGHT + 42}" y="{legend_y}" font-size="13">{escape(policy)}</text>'
        )
    return _svg(parts)


def _series(result: SimulationResult) -> dict[str, list[tuple[float, float, str]]]:
    """Per policy: (mean days promised, % kept, label) per supplier, least reliable first."""
    series: dict[str, list[tuple[float, float, str]]] = {}
    suppliers = sorted(result.by_supplier.values(), key=lambda entry: entry["reliability"])
    for entry in suppliers:
        for name, stats in entry["policies"].items():
            if stats.judged:
                label = f"{entry['reliability']:.0%}"
                point = (stats.mean_days_promised, stats.kept_share * 100, label)
                series.setdefault(name, []).append(point)
    return series


def _axes(x_max: int, y_min: int, at, result: SimulationResult) -> list[str]:
    left, bottom = at(0, y_min)
    right, top = at(x_max, 100)
    config = result.config
    parts = [
        f'<text x="{_LEFT}" y="24" font-size="15" font-weight="bold">How often the dates hold: '
        f"{config.days} days, {config.products} products, seed {config.seed}</text>",
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{top}" stroke="#333"/>',
        f'<text x="{(left + right) / 2}" y="{_H - 15}" font-size="13" text-anchor="middle">'
        "mean days promised (order to first date shown)</text>",
        f'<text x="18" y="{(top + bottom) / 2}" font-size="13" text-anchor="middle" '
        f'transform="rotate(-90 18 {(top + bottom) / 2})">dates kept (%)</text>',
        f'<text x="{_W - _RIGHT + 24}" y="{_TOP + 150}" font-size="11">'
        "points: supplier reliability</text>",
    ]
    for y in range(y_min, 101, 10):
        _, py = at(0, y)
        parts.append(f'<line x1="{left}" y1="{py}" x2="{right}" y2="{py}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 8}" y="{py + 4}" font-size="11" text-anchor="end">{y}</text>'
        )
    step = 2 if x_max <= 20 else 5
    for x in range(0, x_max + 1, step):
        px, _ = at(x, y_min)
        parts.append(
            f'<text x="{px}" y="{bottom + 18}" font-size="11" text-anchor="middle">{x}</text>'
        )
    return parts


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="{colour}"/>'
    if shape == "diamond":
        return (
            f'<polygon points="{x},{y - 7} {x + 7},{y} {x},{y + 7} {x - 7},{y}" fill="{colour}"/>'
        )
    if shape == "triangle":
        return f'<polygon points="{x},{y - 7} {x + 6},{y + 5} {x - 6},{y + 5}" fill="{colour}"/>'
    return f'<circle cx="{x}" cy="{y}" r="5" fill="{colour}"/>'


def _svg(parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" '
        f'height="{_H}" font-family="sans-serif" role="img" '
        'aria-label="Share of promise dates kept against mean days promised, by policy and '
        f'supplier reliability">\n<rect width="{_W}" height="{_H}" fill="#fff"/>\n{body}\n</svg>\n'
    )
