"""Staff pages: sign in and out, and restocking (demand, incoming supply, receipts)."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..models import Product, StaffUser
from ..services import ServiceError
from ..services.stock import preview_receipt, receive_stock, schedule_shipment
from . import bp
from .forms import LoginForm, ReceiveForm, ScheduleForm
from .reports import restock_rows, scheduled_shipments

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
    if target and target.startswith("/") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("staff.restock")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("staff.login"))


def _restock_forms() -> tuple[ReceiveForm, ScheduleForm]:
    products = [
        SelectChoice(p.id, f"{p.name} ({p.sku})")
        for p in db.session.scalars(select(Product).order_by(Product.name))
    ]
    receive = ReceiveForm(prefix="receive")
    receive.product_id.choices = products
    receive.shipment_id.choices = [SelectChoice(0, "None: unplanned delivery")] + [
        SelectChoice(
            s.id,
            f"{s.product.sku}: {s.quantity} expected {s.expected_on.isoformat()}"
            + (f" ({s.reference})" if s.reference else ""),
        )
        for s in scheduled_shipments()
    ]
    schedule = ScheduleForm(prefix="schedule")
    schedule.product_id.choices = products
    return receive, schedule


def _restock_page(receive, schedule, *, preview=None, status=200):
    page = render_template(
        "staff/restock.html",
        rows=restock_rows(),
        shipments=scheduled_shipments(),
        receive=receive,
        schedule=schedule,
        preview=preview,
    )
    return page, status


@bp.get("/restock")
@login_required
def restock():
    return _restock_page(*_restock_forms())


@bp.post("/restock/receive")
@login_required
def receive():
    receive, schedule = _restock_forms()
    if receive.validate_on_submit():
        shipment_id = receive.shipment_id.data or None
        args = (receive.product_id.data, receive.quantity.data, shipment_id)
        try:
            if "preview" in request.form:
                return _restock_page(receive, schedule, preview=preview_receipt(*args))
            result = receive_stock(*args)
        except ServiceError as error:
            receive.quantity.errors.append(str(error))
        else:
            flash(
                f"Received {result.received} × {result.product_sku}: {len(result.filled)} "
                f"waiting order(s) filled, {result.to_on_hand} to stock on hand.",
                "success",
            )
            return redirect(url_for("staff.restock"))
    return _restock_page(receive, schedule, status=400)


@bp.post("/restock/schedule")
@login_required
def schedule():
    receive, schedule = _restock_forms()
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
        else:
            flash(
                f"Scheduled {shipment.quantity} units for {shipment.expected_on.isoformat()}; "
                "waiting customers' dates are updated.",
                "success",
            )
            return redirect(url_for("staff.restock"))
    return _restock_page(receive, schedule, status=400)


@bp.after_request
def never_cache_staff_pages(response):
    response.headers["Cache-Control"] = "no-store"
    return response
