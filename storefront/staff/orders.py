"""Staff pages for fulfilment: the orders list, one order, marking it shipped, its packing list."""

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..models import Order
from ..queries.staff_orders import OrderSearch, OrderState, order_by_number, orders_page
from ..queries.tracking import order_status
from ..services import ServiceError
from ..services.shipping import AlreadyShipped, ship_order, ship_orders
from . import bp
from .forms import BulkShipForm, ShipForm

ORDERS_PER_PAGE = 50
MAX_SEARCH_LENGTH = 100
MAX_PAGE = 10_000


@bp.get("/orders")
@login_required
def orders():
    return _orders_page(_order_search())


@bp.post("/orders/ship")
@login_required
def ship_many():
    form = BulkShipForm()
    if not form.validate_on_submit():
        return _orders_page(OrderSearch(), form, status=400, problem=_form_problem(form))
    try:
        result = ship_orders(
            [Order.id_for_number(number) for number in form.orders.data],
            carrier=form.carrier.data or "",
            parcel_key=form.parcel_key.data,
            shipped_by_id=current_user.id,
        )
    except ServiceError as error:
        return _orders_page(OrderSearch(), form, status=400, problem=str(error))
    for category, message in _bulk_messages(result):
        flash(message, category)
    return redirect(url_for("staff.orders"), 303)


@bp.get("/orders/<int:number>")
@login_required
def order(number: int):
    return _order_page(_order_or_404(number))


@bp.post("/orders/<int:number>/ship")
@login_required
def ship(number: int):
    order = _order_or_404(number)
    form = ShipForm()
    if not form.validate_on_submit():
        return _order_page(order, form, status=400, problem=_form_problem(form))
    try:
        parcel = ship_order(
            order.id,
            carrier=form.carrier.data or "",
            tracking_number=form.tracking_number.data or "",
            parcel_key=form.parcel_key.data,
            shipped_by_id=current_user.id,
        )
    except AlreadyShipped as repeat:
        flash(str(repeat), "info")
        return redirect(url_for("staff.order", number=number), 303)
    except ServiceError as error:
        return _order_page(_order_or_404(number), form, status=400, problem=str(error))
    flash(f"Order {number} shipped: {parcel.contents}.", "success")
    return redirect(url_for("staff.order", number=number), 303)


@bp.get("/orders/<int:number>/packing-list")
@login_required
def packing_list(number: int):
    return render_template("staff/packing_list.html", order=_order_or_404(number))


def _order_search() -> OrderSearch:
    """The list's filter from the query string; no state given means "ready to ship", or all
    orders when searching (an order looked up by number may be in any state)."""
    search = request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    search = "".join(char for char in search if char.isprintable())
    state = request.args.get("state") or (OrderState.ALL if search else OrderState.READY)
    if state not in OrderState.__members__.values():
        abort(400, "Choose one of the order states offered.")
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404, "There is no such page of orders.")
    return OrderSearch(OrderState(state), search, page)


def _orders_page(criteria: OrderSearch, form=None, status: int = 200, problem: str = ""):
    form = form or BulkShipForm(formdata=None)
    form.parcel_key.data = secrets.token_urlsafe(24)
    page = orders_page(criteria, ORDERS_PER_PAGE)
    html = render_template(
        "staff/orders.html",
        page=page,
        criteria=criteria,
        states=OrderState,
        ship=form,
        problem=problem,
    )
    return html, status


def _order_page(order, form: ShipForm | None = None, status: int = 200, problem: str = ""):
    form = form or ShipForm(formdata=None)
    form.parcel_key.data = secrets.token_urlsafe(24)
    html = render_template(
        "staff/order.html", order=order, status=order_status(order), ship=form, problem=problem
    )
    return html, status


def _form_problem(form) -> str:
    """What to say when a part of the form people cannot see was missing or stale."""
    if any(field.errors for field in form if field.type in ("HiddenField", "CSRFTokenField")):
        return "The form was incomplete or has expired; please try again."
    return ""


def _order_or_404(number: int):
    order = order_by_number(number)
    if order is None:
        abort(404, f"There is no order {number}.")
    return order


def _bulk_messages(result):
    if result.shipped:
        numbers = ", ".join(str(parcel.order_number) for parcel in result.shipped)
        units = sum(parcel.units for parcel in result.shipped)
        yield "success", f"Shipped {units} unit(s) in {len(result.shipped)} order(s): {numbers}."
    if result.nothing_ready:
        numbers = ", ".join(map(str, result.nothing_ready))
        yield "warning", f"Nothing was ready to ship in order(s) {numbers}; they were left as is."
    if result.already_shipped:
        numbers = ", ".join(map(str, result.already_shipped))
        yield "info", f"Order(s) {numbers} were already marked shipped; nothing shipped twice."
