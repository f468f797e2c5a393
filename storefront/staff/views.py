"""Staff pages: sign in and out, and restocking (demand, incoming supply, receipts)."""

import re
import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..models import InboundShipment, StaffUser
from ..queries.restock import RestockRow, incoming_shipments, recent_receipts, restock_rows
from ..services import ServiceError
from ..services.receiving import AlreadyRecorded, preview_receipt, receive_stock
from ..services.shipments import schedule_shipment
from ..services.staff_accounts import end_staff_sessions
from . import bp
from .forms import LoginForm, ReceiveForm, ScheduleForm
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


def _restock_page(*, preview=None, status=200, **failed_forms):
    """The restock page as it is now; a form that failed keeps what was typed and its errors.

    Read after any write: a failed write ended the transaction earlier reads were made in.
    """
    rows, shipments = restock_rows(), incoming_shipments()
    receive = failed_forms.get("receive") or ReceiveForm(prefix="receive", formdata=None)
    schedule = failed_forms.get("schedule") or ScheduleForm(prefix="schedule", formdata=None)
    _offer_choices(receive, schedule, rows, shipments)
    receive.receipt_key.data = secrets.token_urlsafe(24)
    page = render_template(
        "staff/restock.html",
        rows=rows,
        shipments=shipments,
        receipts=recent_receipts(),
        receive=receive,
        schedule=schedule,
        preview=preview,
    )
    return page, status


def _offer_choices(receive, schedule, rows: list[RestockRow], shipments: list[InboundShipment]):
    """The forms' choices, taken from what the page shows anyway."""
    products = [
        SelectChoice(row.product.id, f"{row.product.name} ({row.product.sku})")
        for row in sorted(rows, key=lambda row: row.product.name)
    ]
    receive.product_id.choices = schedule.product_id.choices = products
    receive.shipment_id.choices = [SelectChoice(0, "None: unplanned delivery")] + [
        SelectChoice(
            s.id,
            f"{s.product.sku}: {s.quantity} expected {s.expected_on.isoformat()}"
            + (f" ({s.reference})" if s.reference else ""),
        )
        for s in shipments
    ]


@bp.get("/restock")
@login_required
def restock():
    return _restock_page()


@bp.post("/restock/receive")
@login_required
def receive():
    form = ReceiveForm(prefix="receive")
    if not form.validate_on_submit():
        return _restock_page(receive=form, status=400)
    args = (form.product_id.data, form.quantity.data, form.shipment_id.data or None)
    try:
        if "preview" in request.form:
            return _restock_page(receive=form, preview=preview_receipt(*args))
        result = receive_stock(
            *args, receipt_key=form.receipt_key.data, received_by_id=current_user.id
        )
    except AlreadyRecorded as repeat:
        flash(str(repeat), "info")
        return redirect(url_for("staff.restock"), 303)
    except ServiceError as error:
        form.quantity.errors.append(str(error))
        return _restock_page(receive=form, status=400)
    flash(
        f"Received {result.received} × {result.product_sku}: {len(result.filled)} "
        f"waiting order(s) filled, {result.to_on_hand} to stock on hand.",
        "success",
    )
    return redirect(url_for("staff.restock"))


@bp.post("/restock/schedule")
@login_required
def schedule():
    form = ScheduleForm(prefix="schedule")
    if not form.validate_on_submit():
        return _restock_page(schedule=form, status=400)
    try:
        shipment = schedule_shipment(
            form.product_id.data,
            form.quantity.data,
            form.expected_on.data,
            form.reference.data or "",
        )
    except ServiceError as error:
        form.quantity.errors.append(str(error))
        return _restock_page(schedule=form, status=400)
    flash(
        f"Scheduled {shipment.quantity} units for {shipment.expected_on.isoformat()}; "
        "waiting customers' dates are updated.",
        "success",
    )
    return redirect(url_for("staff.restock"))


@bp.after_request
def never_cache_staff_pages(response):
    response.headers["Cache-Control"] = "no-store"
    return response
