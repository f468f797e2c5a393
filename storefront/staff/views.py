"""Staff pages: sign in and out, and restocking (demand, incoming supply, receipts)."""

import re
import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..models import InboundShipment, StaffUser
from ..services import ServiceError
from ..services.stock import (
    AlreadyRecorded,
    preview_receipt,
    receive_stock,
    recent_receipts,
    schedule_shipment,
)
from . import bp
from .forms import LoginForm, ReceiveForm, ScheduleForm
from .reports import RestockRow, restock_rows, scheduled_shipments

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
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("staff.login"))


def _restock_forms(
    rows: list[RestockRow], shipments: list[InboundShipment]
) -> tuple[ReceiveForm, ScheduleForm]:
    """The page's two forms, their choices taken from what the page shows anyway."""
    products = [
        SelectChoice(row.product.id, f"{row.product.name} ({row.product.sku})")
        for row in sorted(rows, key=lambda row: row.product.name)
    ]
    receive = ReceiveForm(prefix="receive")
    receive.product_id.choices = products
    receive.shipment_id.choices = [SelectChoice(0, "None: unplanned delivery")] + [
        SelectChoice(
            s.id,
            f"{s.product.sku}: {s.quantity} expected {s.expected_on.isoformat()}"
            + (f" ({s.reference})" if s.reference else ""),
        )
        for s in shipments
    ]
    schedule = ScheduleForm(prefix="schedule")
    schedule.product_id.choices = products
    return receive, schedule


def _restock_page(rows, shipments, receive, schedule, *, preview=None, status=200):
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


@bp.get("/restock")
@login_required
def restock():
    rows, shipments = restock_rows(), scheduled_shipments()
    return _restock_page(rows, shipments, *_restock_forms(rows, shipments))


@bp.post("/restock/receive")
@login_required
def receive():
    rows, shipments = restock_rows(), scheduled_shipments()
    receive, schedule = _restock_forms(rows, shipments)
    if receive.validate_on_submit():
        shipment_id = receive.shipment_id.data or None
        args = (receive.product_id.data, receive.quantity.data, shipment_id)
        try:
            if "preview" in request.form:
                preview = preview_receipt(*args)
                return _restock_page(rows, shipments, receive, schedule, preview=preview)
            result = receive_stock(
                *args, receipt_key=receive.receipt_key.data, received_by_id=current_user.id
            )
        except AlreadyRecorded as repeat:
            flash(str(repeat), "info")
            return redirect(url_for("staff.restock"), 303)
        except ServiceError as error:
            receive.quantity.errors.append(str(error))
            # The failed write ended the transaction they were read in: show what is now.
            rows, shipments = restock_rows(), scheduled_shipments()
        else:
            flash(
                f"Received {result.received} × {result.product_sku}: {len(result.filled)} "
                f"waiting order(s) filled, {result.to_on_hand} to stock on hand.",
                "success",
            )
            return redirect(url_for("staff.restock"))
    return _restock_page(rows, shipments, receive, schedule, status=400)


@bp.post("/restock/schedule")
@login_required
def schedule():
    rows, shipments = restock_rows(), scheduled_shipments()
    receive, schedule = _restock_forms(rows, shipments)
    if schedule.validate_on_submit():
        try:
            shipment = schedule_shipment(
                schedule.product_id.data,
                schedule.quantity.data,
                schedule.expected_on.data,
                schedule.reference.data or "",
            )
        except ServiceError as error:
            schedule.quantity.errors.append(str(error))
            # The failed write ended the transaction they were read in: show what is now.
            rows, shipments = restock_rows(), scheduled_shipments()
        else:
            flash(
                f"Scheduled {shipment.quantity} units for {shipment.expected_on.isoformat()}; "
                "waiting customers' dates are updated.",
                "success",
            )
            return redirect(url_for("staff.restock"))
    return _restock_page(rows, shipments, receive, schedule, status=400)


@bp.after_request
def never_cache_staff_pages(response):
    response.headers["Cache-Control"] = "no-store"
    return response
