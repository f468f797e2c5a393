"""Staff reports: demand per product, as a page with a chart and as a streamed CSV file."""

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import login_required

from ..csv_export import csv_lines
from ..models.types import today
from ..queries.demand import DEMAND_COLUMNS, demand_export, demand_page, most_waited_for
from . import bp
from .chart import demand_chart

# Far past any real catalog; beyond it a page number would overflow the database's offset.
MAX_PAGE = 10_000


@bp.get("/reports/demand")
@login_required
def demand_report():
    page = request.args.get("page", 1, type=int)
    every_product = request.args.get("all") == "1"
    if not 1 <= page <= MAX_PAGE:
        abort(404, "There is no such page of the report.")
    report = demand_page(page, every_product=every_product)
    if page > report.pages:
        abort(404, "There is no such page of the report.")
    return render_template(
        "staff/demand.html",
        report=report,
        chart=demand_chart(most_waited_for()),
        every_product=every_product,
    )


@bp.get("/reports/demand.csv")
@login_required
def demand_csv():
    rows = demand_export(every_product=request.args.get("all") == "1")
    lines = csv_lines(DEMAND_COLUMNS, (_cells(row) for row in rows))
    filename = f"demand-{today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cells(row) -> list:
    return [getattr(row, column) for column in DEMAND_COLUMNS]
