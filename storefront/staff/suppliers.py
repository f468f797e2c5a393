"""Staff page: how late each supplier delivers, and whether that pads the promise dates."""

from flask import render_template
from flask_login import login_required

from ..engine.lateness import BUFFER_PERCENTILE, RECENT_RECEIPTS
from ..services.suppliers import pads_promises, supplier_report
from . import bp


@bp.get("/suppliers")
@login_required
def suppliers():
    return render_template(
        "staff/suppliers.html",
        suppliers=supplier_report(),
        pads_promises=pads_promises(),
        recent_receipts=RECENT_RECEIPTS,
        percentile=BUFFER_PERCENTILE,
    )
