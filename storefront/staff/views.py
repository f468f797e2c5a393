"""Staff pages: sign in and out, and restocking: every product's demand, and one product's
receipts (with a live preview) and scheduled shipments."""

import re
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..models import StaffUser
from ..queries.catalog import categories
from ..queries.restock import (
    Attention,
    IncomingShipment,
    RestockFilter,
    RestockRow,
    product_shipments,
    recent_receipts,
    restock_page,
    restock_row,
)
from ..services import ServiceError
from ..services.receiving import AlreadyRecorded, preview_receipt, receive_stock
from ..services.shipments import schedule_shipment
from ..services.staff_accounts import end_staff_sessions
from . import bp
from .forms import LoginForm, ReceiptPlanForm, ReceiveForm, ScheduleForm
from .sessions import mark_active

# What browsers drop from a URL before reading it (WHATWG URL standard): controls and
# spaces around it, and tabs and newlines anywhere.
_CONTROL_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")

# A hash to compare against when the email is unknown, so both answers take as long.
_DUMMY = StaffUser(email="")
_DUMMY.set_password("no such staff member")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        if (user or _DUMMY).check_password(form.password.data) and user is not None:
            login_user(user)
            mark_active()
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match a staff account.", "error")
    status = 400 if form.errors else 200
    return render_template("staff/login.html", form=form), status


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the restock page (no open redirect)."""
    path = _TAB_OR_NEWLINE.sub("", (target or "").strip(_CONTROL_OR_SPACE))
    # "//host" and "/\\host" (any backslash is read as a slash) name another site; a
    # path starting with a single slash cannot carry a scheme.
    on_this_site = path.startswith("/") and not path.startswith("//") and "\\" not in path
    return path if on_this_site and path.isprintable() else url_for("staff.restock")


@bp.post("/logout")
@login_required
def logout():
    end_staff_sessions(current_user.id)  # a copy of this session's cookie is worthless now
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("staff.login"))


ROWS_PER_PAGE = 50
# A page past the last is shown empty; a huge number would overflow the database's offset.
MAX_PAGE = 10_000
MAX_SEARCH_LENGTH = 100
ATTENTION_CHOICES = [
    ("", "All products"),
    (Attention.ANY, "Needs attention (any of the three below)"),
    (Attention.UNCOVERED, "Waiting units not covered by shipments"),
    (Attention.OVERDUE, "Shipments past their date"),
    (Attention.LOW, "Low stock (at or under its threshold)"),
]


def search_text(name: str, limit: int = MAX_SEARCH_LENGTH) -> str:
    """A search box's text without control characters (PostgreSQL refuses a NUL)."""
    return "".join(ch for ch in request.args.get(name, "") if ch.isprintable()).strip()[:limit]


def page_number() -> int:
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404, "There is no such page.")
    return page


@bp.get("/restock")
@login_required
def restock():
    show = request.args.get("show", "")
    criteria = RestockFilter(
        search=search_text("q"),
        category=search_text("category", 80),
        attention=Attention(show) if show in set(Attention) else None,
        page=page_number(),
    )
    return render_template(
        "staff/restock.html",
        page=restock_page(criteria, ROWS_PER_PAGE),
        criteria=criteria,
        categories=categories(),
        attention_choices=ATTENTION_CHOICES,
        receipts=recent_receipts(),
    )


@bp.get("/restock/<path:sku>")
@login_required
def product_restock(sku: str):
    return _product_page(_row_or_404(sku=sku))


def _row_or_404(**product) -> RestockRow:
    row = restock_row(**product) if None not in product.values() else None
    if row is None:
        abort(404, "There is no such product in the shop.")
    return row


def _product_page(row: RestockRow, *, status=200, preview=None, **failed_forms):
    """A product's restock page; a form that failed keeps what was typed and its errors.

    Read after any write: a failed write ended the transaction earlier reads were made in.
    """
    product_id = row.product.id
    shipments = product_shipments(product_id)
    receive = failed_forms.get("receive") or ReceiveForm(
        prefix="receive", formdata=None, product_id=product_id
    )
    receive.shipment_id.choices = _shipment_choices(shipments)
    receive.receipt_key.data = secrets.token_urlsafe(24)
    schedule = failed_forms.get("schedule") or ScheduleForm(
        prefix="schedule", formdata=None, product_id=product_id
    )
    page = render_template(
        "staff/product_restock.html",
        row=row,
        shipments=shipments,
        receipts=recent_receipts(product_id=product_id),
        receive=receive,
        schedule=schedule,
        preview=preview,
    )
    return page, status


def _shipment_choices(shipments: list[IncomingShipment]) -> list[SelectChoice]:
    return [SelectChoice(0, "None: an unplanned delivery")] + [
        SelectChoice(
            s.shipment.id,
            f"{s.shipment.quantity} expected {s.shipment.expected_on.isoformat()}"
            + (f" ({s.shipment.reference})" if s.shipment.reference else "")
            + (" overdue" if s.overdue else ""),
        )
        for s in shipments
    ]


@bp.get("/receipt-preview")
@login_required
def receipt_preview():
    """The receive form's live preview: what the typed delivery would do, writing nothing."""
    form = ReceiptPlanForm(request.args, prefix="receive", meta={"csrf": False})
    if not form.validate():
        return render_template("staff/_receipt_preview.html", form=form), 400
    try:
        preview = preview_receipt(*_delivery(form))
    except ServiceError as error:
        return render_template("staff/_receipt_preview.html", error=str(error)), 400
    return render_template("staff/_receipt_preview.html", preview=preview)


def _delivery(form) -> tuple:
    """(product id, units, shipment id or None, rest expected on) as the services take them."""
    return (
        form.product_id.data,
        form.quantity.data,
        form.shipment_id.data or None,
        form.rest_expected_on.data,
    )


@bp.post("/restock/receive")
@login_required
def receive():
    form = ReceiveForm(prefix="receive")
    row = _row_or_404(product_id=form.product_id.data)
    if not form.validate_on_submit():
        return _product_page(row, receive=form, status=400)
    product_id, quantity, shipment_id, rest_expected_on = _delivery(form)
    try:
        if "preview" in request.form:
            return _product_page(row, receive=form, preview=preview_receipt(*_delivery(form)))
        result = receive_stock(
            product_id,
            quantity,
            shipment_id,
            rest_expected_on=rest_expected_on,
            receipt_key=form.receipt_key.data,
            received_by_id=current_user.id,
        )
    except AlreadyRecorded as repeat:
        flash(str(repeat), "info")
        return redirect(url_for("staff.product_restock", sku=row.product.sku), 303)
    except ServiceError as error:
        form.form_errors.append(str(error))
        return _product_page(row, receive=form, status=400)
    flash(receipt_message(result), "success")
    return redirect(url_for("staff.product_restock", sku=row.product.sku))


def receipt_message(result) -> str:
    message = (
        f"Received {result.received} × {result.product_sku}: {len(result.filled)} "
        f"waiting order(s) filled, {result.to_on_hand} to stock on hand."
    )
    left = result.shipment_left
    if left and left.expected_on:
        message += f" {left.units} still expected on {left.expected_on.isoformat()}."
    elif left:
        message += f" The other {left.units} are no longer expected."
    return message


@bp.post("/restock/schedule")
@login_required
def schedule():
    form = ScheduleForm(prefix="schedule")
    row = _row_or_404(product_id=form.product_id.data)
    if not form.validate_on_submit():
        return _product_page(row, schedule=form, status=400)
    try:
        shipment = schedule_shipment(
            row.product.id, form.quantity.data, form.expected_on.data, form.reference.data or ""
        )
    except ServiceError as error:
        form.form_errors.append(str(error))
        return _product_page(row, schedule=form, status=400)
    flash(
        f"Scheduled {shipment.quantity} units for {shipment.expected_on.isoformat()}; "
        "waiting customers' dates are updated.",
        "success",
    )
    return redirect(url_for("staff.product_restock", sku=row.product.sku))


@bp.after_request
def never_cache_staff_pages(response):
    response.headers["Cache-Control"] = "no-store"
    return response
