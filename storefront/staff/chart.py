"""The demand report's bar chart, drawn on the server: geometry here, SVG in the template."""

from collections.abc import Sequence
from dataclasses import dataclass

# SVG user units: the chart scales to its box, so these only fix the proportions.
WIDTH = 330
BAR_SPACE = 200  # the longest bar; the rest of the width holds its number
BAR_HEIGHT = 14
ROW_HEIGHT = 62
LEGEND_HEIGHT = 30
NAME_MAX = 44


@dataclass(frozen=True)
class ChartRow:
    name: str
    waiting: int
    covered: int
    top: int  # y of the row's name line
    waiting_width: float
    covered_width: float


@dataclass(frozen=True)
class DemandChart:
    rows: list[ChartRow]
    width: int
    height: int
    bar_height: int

    @property
    def summary(self) -> str:
        """The chart in words, for people who cannot see it."""
        return "; ".join(f"{r.name}: {r.waiting} waiting, {r.covered} covered" for r in self.rows)


def demand_chart(rows: Sequence) -> DemandChart:
    """Two bars per product (waiting, covered), scaled to the largest number of waiting units."""
    largest = max((row.waiting_units for row in rows), default=0) or 1
    chart_rows = [
        ChartRow(
            name=_shorten(row.name),
            waiting=row.waiting_units,
            covered=row.covered_units,
            top=LEGEND_HEIGHT + n * ROW_HEIGHT,
            waiting_width=_width(row.waiting_units, largest),
            covered_width=_width(row.covered_units, largest),
        )
        for n, row in enumerate(rows)
    ]
    height = LEGEND_HEIGHT + len(chart_rows) * ROW_HEIGHT
    return DemandChart(chart_rows, WIDTH, height, BAR_HEIGHT)


def _width(units: int, largest: int) -> float:
    # A bar for one unit among thousands would vanish: keep it visible.
    return 0 if units == 0 else round(max(2.0, BAR_SPACE * units / largest), 1)


def _shorten(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"
