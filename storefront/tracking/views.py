"""Order lookup, the tracking page, its live status, and the customer's own changes."""

import re

from flask import abort, current_app, redirect, render_template, request, url_for

from ..extensions import limiter, unlimited
from ..models import Order, OrderLine
from ..page_cache import versioned_page
from ..queries import orders as queries
from ..queries.tracking import order_status
from ..services import ServiceError
from ..services.orders import cancel_units, check_cancellable, substitute_units
from ..services.tracking_links import send_tracking_links
from . import bp
from .forms import CancelForm, LookupForm, SendLinksForm, SubstituteForm

# Tokens are 22 URL-safe characters; anything else cannot be one, so it costs no query.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")
NOT_FOUND = (
    "We could not find an order with that number and email address. "
    "Check both against your order confirmation."
)
# Where polls.py, in front of Flask, hands on the order version it read (None: no order).
READ_VERSION = "storefront.order_version"
# Ids start at 1, so a number that is not an order number looks up an id no order has.
NO_SUCH_ID = 0


# Tracking pages carry a secret token and change all the time: no cache may keep them,
# and no search engine lists them.
NO_STORE = ("Cache-Control", "no-store")
NO_INDEX = ("X-Robots-Tag", "noindex")
NEVER_STORED = (NO_STORE, NO_INDEX)


@bp.after_request
def never_store(response):
    response.headers.set(*NO_STORE)
    if request.endpoint != "tracking.track":  # the lookup form is public; orders are not
        response.headers.set(*NO_INDEX)
    return response


def _lookup_limit() -> str:
    return current_app.config["TRACK_LOOKUP_RATE_LIMIT"]


LOOKUP_LIMITED = (
    "Too many order lookups from your connection. Please wait a minute and try again; "
    "the tracking link on your order confirmation works at any time."
)


# The lookup and "send me my orders" share one allowance per client.
lookup_limit = limiter.shared_limit(
    _lookup_limit, scope="order-lookup", methods=["POST"], error_message=LOOKUP_LIMITED
)


@bp.route("/track", methods=["GET", "POST"])
@lookup_limit
def track():
    form = LookupForm()
    if not form.validate_on_submit():
        code = 400 if form.is_submitted() else 200
        return _track_page(form), code
    number = form.order_number()
    order_id = Order.id_for_number(number) if number is not None else NO_SUCH_ID
    token = queries.tracking_token(max(order_id, NO_SUCH_ID), form.email.data)
    if token is None:
        return _track_page(form, not_found=NOT_FOUND), 400
    return redirect(url_for(".order", token=token), code=303)


@bp.post("/track/links")
@lookup_limit
def send_links():
    links_form = SendLinksForm(prefix="links")
    if not links_form.validate_on_submit():
        return _track_page(LookupForm(formdata=None), links_form=links_form), 400
    send_tracking_links(links_form.email.data)
    notice = (
        f"If we have orders for {links_form.email.data.strip()}, we have sent their tracking "
        "links to it. It may take a few minutes to arrive."
    )
    return _track_page(LookupForm(formdata=None), notice=notice)


def _track_page(form, links_form=None, **extra) -> str:
    links_form = links_form or SendLinksForm(prefix="links", formdata=None)
    return render_template("tracking/track.html", form=form, links_form=links_form, **extra)


@bp.get("/orders/<token>")
@unlimited
# The order's version changes with anything its page shows; no-store pages need no ETag.
@versioned_page(lambda token: queries.order_version(token), etag=False)
def order(token: str):
    found = _order_or_404(token)
    return _with_status("tracking/order.html", found, notice=_done_notice(found))


def _done_notice(order: Order) -> str | None:
    """What the customer's last change did, as the redirect's query tells it."""
    lines = {line.id: line for line in order.lines}
    cancelled = lines.get(request.args.get("cancelled", 0, type=int))
    units = request.args.get("units", type=int) or 0
    if cancelled is not None and 1 <= units <= cancelled.cancelled:
        name = cancelled.product.name
        return f"Cancelled {units} waiting × {name}. They are taken off your order's total."
    switched = lines.get(request.args.get("switched", 0, type=int))
    if switched is not None and switched.substitute_for is not None:
        return (
            f"Switched {switched.quantity} × {switched.substitute_for.name} to "
            f"{switched.product.name}, which is ready to ship."
        )
    return None


@bp.get("/orders/<token>/status")
@unlimited
def status(token: str):
    """The status fragment for the page's poll; 204 while the order's version is unchanged."""
    seen = request.args.get("v", type=int)
    if seen is not None:
        if not TOKEN.fullmatch(token):
            abort(404)
        if READ_VERSION in request.environ:  # read in front of Flask (polls.py)
            version = request.environ[READ_VERSION]
        else:
            version = queries.order_version(token)
        if version is None:
            abort(404)
        if version == seen:
            return "", 204
    return _with_status("tracking/_status.html", _order_or_404(token))


@bp.post("/orders/<token>/lines/<int:line_id>/cancel")
def cancel(token: str, line_id: int):
    """First post asks to confirm; the second (confirm=yes) cancels the waiting units."""
    order = _order_or_404(token)
    line = _line_or_404(order, line_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _page_with_problem(order, _first_error(form), invalid_line=line)
    units, name = form.units.data, line.product.name
    try:
        check_cancellable(line, waiting=units)
        if not form.confirmed:
            return render_template(
                "tracking/confirm_cancel.html", order=order, line=line, units=units
            )
        cancel_units(line.id, waiting=units, order_id=order.id, by="customer")
    except ServiceError as error:
        return _page_with_problem(order, f"{name}: {error}", invalid_line=line)
    # The page says what was done from its address: reading a flash would write the cookie.
    return redirect(url_for(".order", token=token, cancelled=line.id, units=units), code=303)


@bp.post("/orders/<token>/lines/<int:line_id>/substitute")
def substitute(token: str, line_id: int):
    order = _order_or_404(token)
    line = _line_or_404(order, line_id)
    form = SubstituteForm()
    if not form.validate_on_submit():
        return _page_with_problem(order, "Choose one of the items offered instead.")
    name, units = line.product.name, form.units.data
    try:
        new_line = substitute_units(line.id, form.substitute_id.data, units, order_id=order.id)
    except ServiceError as error:
        return _page_with_problem(order, f"{name}: {error}")
    return redirect(url_for(".order", token=token, switched=new_line.id), code=303)


def _order_or_404(token: str) -> Order:
    found = queries.order_by_token(token) if TOKEN.fullmatch(token) else None
    if found is None:
        abort(404, "There is no order at this address. Check the tracking link you were given.")
    return found


def _line_or_404(order: Order, line_id: int) -> OrderLine:
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        abort(404, "That item is not part of this order.")
    return line


def _first_error(form) -> str:
    errors = [message for messages in form.errors.values() for message in messages]
    return errors[0] if errors else "Please try again."


def _page_with_problem(order: Order, problem: str, invalid_line: OrderLine | None = None):
    invalid_line_id = invalid_line.id if invalid_line else None
    page = _with_status(
        "tracking/order.html", order, problem=problem, invalid_line_id=invalid_line_id
    )
    return page, 400


def _with_status(template: str, order: Order, **extra) -> str:
    """The tracking page or its status fragment; the status is read after the order."""
    return render_template(template, order=order, status=order_status(order), **extra)
