"""Pure helpers of the demand report: formula-safe CSV cells, chunked CSV, the chart's bars."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from storefront.csv_export import csv_lines, safe_cell
from storefront.staff.chart import BAR_SPACE, demand_chart


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Plain name", "Plain name"),
        ("Mug = cup", "Mug = cup"),
        (7, 7),
        (None, ""),
        (date(2026, 3, 1), "2026-03-01"),
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "2026-03-01"),
    ],
)
def test_cells_that_would_start_a_formula_get_a_quote(value, cell):
    assert safe_cell(value) == cell


def test_csv_comes_in_chunks_that_read_back_as_the_rows():
    rows = [(f"SKU-{n}", n) for n in range(5)]
    chunks = list(csv_lines(("sku", "units"), rows, batch=2))
    assert len(chunks) == 3
    assert list(csv.reader(io.StringIO("".join(chunks)))) == [["sku", "units"]] + [
        [sku, str(units)] for sku, units in rows
    ]


def row(name: str, waiting: int, covered: int):
    return SimpleNamespace(name=name, waiting_units=waiting, covered_units=covered)


def test_bars_scale_to_the_most_waited_for_product_and_stay_visible():
    chart = demand_chart([row("Anvil", 1_000, 400), row("Bellows", 1, 0), row("X" * 60, 500, 500)])
    anvil, bellows, long_name = chart.rows
    assert (anvil.waiting_width, anvil.covered_width) == (BAR_SPACE, BAR_SPACE * 0.4)
    assert (bellows.waiting_width, bellows.covered_width) == (2.0, 0)  # one unit still shows
    assert long_name.name.endswith("…") and len(long_name.name) <= 44
    assert chart.height > long_name.top
    assert chart.summary.startswith("Anvil: 1000 waiting, 400 covered; Bellows: 1 waiting")


def test_no_rows_no_bars():
    assert demand_chart([]).rows == []
