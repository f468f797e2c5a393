"""Staff pages for incoming shipments: the list, and one shipment's edit, cancel and receive,
each previewed (who moves, from which date to which) before it is confirmed."""

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..forms import MAX_ID
from ..queries.restock import IncomingShipment, ShipmentFilter, incoming_page, shipment_by_id
from ..services import ServiceError
from ..services.receiving import AlreadyRecorded, preview_receipt, receive_stock
from ..services.shipments import (
    cancel_shipment,
    edit_shipment,
    preview_shipment_cancel,
    preview_shipment_edit,
)
from . import bp
from .forms import ShipmentCancelForm, ShipmentEditForm, ShipmentReceiveForm
from .views import ROWS_PER_PAGE, page_number, receipt_message, search_text


@bp.get("/shipments")
@login_required
def shipments():
    criteria = ShipmentFilter(
        search=search_text("q"),
        overdue_only=request.args.get("overdue") == "1",
        page=page_number(),
    )
    page = incoming_page(criteria, ROWS_PER_PAGE)
    return render_template("staff/shipments.html", page=page, criteria=criteria)


@bp.get("/shipments/<int:shipment_id>")
@login_required
def shipment(shipment_id: int):
    return _shipment_page(_shipment_or_404(shipment_id))


def _shipment_or_404(shipment_id: int) -> IncomingShipment:
    row = shipment_by_id(shipment_id) if shipment_id <= MAX_ID else None
    if row is None:
        abort(404, "There is no such shipment.")
    return row


def _shipment_page(row: IncomingShipment, *, status=200, preview=None, **failed_forms):
    """One shipment with its three forms; `preview` is (form name, effect) to show by it.

    Read after any write: a failed write ended the transaction earlier reads were made in.
    """
    s = row.shipment
    edit = failed_forms.get("edit") or ShipmentEditForm(
        prefix="edit", formdata=None, quantity=s.quantity, expected_on=s.expected_on
    )
    receive = failed_forms.get("receive") or ShipmentReceiveForm(
        prefix="receive", formdata=None, quantity=s.quantity
    )
    receive.receipt_key.data = secrets.token_urlsafe(24)
    page = render_template(
        "staff/shipment.html",
        row=row,
        edit=edit,
        receive=receive,
        cancel=ShipmentCancelForm(prefix="cancel", formdata=None),
        preview=preview or (None, None),
    )
    return page, status


@bp.post("/shipments/<int:shipment_id>/edit")
@login_required
def edit(shipment_id: int):
    row = _shipment_or_404(shipment_id)
    form = ShipmentEditForm(prefix="edit")
    if not form.validate_on_submit():
        return _shipment_page(row, edit=form, status=400)
    change = (shipment_id, form.quantity.data, form.expected_on.data)
    try:
        if "preview" in request.form:
            return _shipment_page(row, edit=form, preview=("edit", preview_shipment_edit(*change)))
        effect = edit_shipment(*change)
    except ServiceError as error:
        form.form_errors.append(str(error))
        return _shipment_page(_shipment_or_404(shipment_id), edit=form, status=400)
    flash(_moved("Shipment changed", effect), "success")
    return redirect(url_for("staff.shipment", shipment_id=shipment_id))


@bp.post("/shipments/<int:shipment_id>/cancel")
@login_required
def cancel(shipment_id: int):
    row = _shipment_or_404(shipment_id)
    form = ShipmentCancelForm(prefix="cancel")
    if not form.validate_on_submit():
        abort(400, "The form was too old or incomplete; nothing was changed. Please try again.")
    try:
        if "preview" in request.form:
            return _shipment_page(row, preview=("cancel", preview_shipment_cancel(shipment_id)))
        effect = cancel_shipment(shipment_id)
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for("staff.shipment", shipment_id=shipment_id), 303)
    flash(_moved("Shipment cancelled", effect), "success")
    return redirect(url_for("staff.shipments"))


@bp.post("/shipments/<int:shipment_id>/receive")
@login_required
def receive_shipment(shipment_id: int):
    row = _shipment_or_404(shipment_id)
    form = ShipmentReceiveForm(prefix="receive")
    if not form.validate_on_submit():
        return _shipment_page(row, receive=form, status=400)
    delivery = (row.shipment.product_id, form.quantity.data, shipment_id)
    rest_expected_on = form.rest_expected_on.data
    try:
        if "preview" in request.form:
            preview = ("receive", preview_receipt(*delivery, rest_expected_on))
            return _shipment_page(row, receive=form, preview=preview)
        result = receive_stock(
            *delivery,
            rest_expected_on=rest_expected_on,
            receipt_key=form.receipt_key.data,
            received_by_id=current_user.id,
        )
    except AlreadyRecorded as repeat:
        flash(str(repeat), "info")
        return redirect(url_for("staff.shipments"), 303)
    except ServiceError as error:
        form.form_errors.append(str(error))
        return _shipment_page(_shipment_or_404(shipment_id), receive=form, status=400)
    flash(receipt_message(result), "success")
    return redirect(url_for("staff.shipments"))


def _moved(done: str, effect) -> str:
    orders = sum(move.orders for move in effect.moves)
    if not orders:
        return f"{done}; no waiting customer's date changed."
    return f"{done}; {orders} waiting order(s) have a new date, written on their timelines."
