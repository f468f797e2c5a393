"""The cart and the checkout: what ships now, what waits, and placing the order."""

import secrets

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from ..catalog.views import product_page
from ..engine.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES, QUANTITY_MESSAGE
from ..extensions import csrf, db, unlimited
from ..forms import check_shopper_post
from ..models import Product
from ..page_cache import versioned_page
from ..queries.orders import order_by_token, order_for_checkout_key
from ..services.cart import CannotAdd, CartEntry, add_to_cart, change_line, review_cart
from ..services.errors import InvalidRequest
from ..services.inventory import quote_product
from ..services.orders import OrderRefused, StockChanged, place_order
from . import bp
from .forms import AddToCartForm, CheckoutForm, UpdateLineForm, read_snapshot, sign_snapshot


# The cart lives in the signed session cookie as [[product_id, quantity, choice], ...].
def cart_entries() -> list[CartEntry]:
    entries = []
    for raw in session.get("cart", [])[:MAX_ORDER_LINES]:
        try:
            product_id, quantity, choice = int(raw[0]), int(raw[1]), str(raw[2])
        except (TypeError, ValueError, IndexError):
            continue
        if 1 <= quantity <= MAX_LINE_QUANTITY:
            entries.append(CartEntry(product_id, quantity, choice))
    return entries


def save_cart(entries: list[CartEntry]) -> None:
    session["cart"] = [[e.product_id, e.quantity, e.choice] for e in entries]


def cart_count() -> int:
    """Units in the cart, for the header: read from the cookie, no query."""
    return sum(entry.quantity for entry in cart_entries())


@bp.post("/cart/add")
@csrf.exempt  # a first visit's form has no token: see forms.check_shopper_post
def add():
    form = AddToCartForm(meta={"csrf": False})
    product = db.session.get(Product, form.product_id.data) if form.product_id.data else None
    if product is None:
        abort(404, "There is no such product in the shop.")
    try:
        check_shopper_post()
    except CSRFError as refused:
        again = f"{refused.description} Press “Add to cart” again to add it to your cart."
        return product_page(product, form_error=again, offer=quote_product(product, 1))
    if not form.validate():
        return product_page(product, QUANTITY_MESSAGE)
    try:
        save_cart(add_to_cart(cart_entries(), product.id, form.quantity.data))
    except CannotAdd as refused:
        return product_page(product, str(refused), suggestion=refused.room or None)
    # The cart page says what was added from its address: no flash, as reading a flash
    # would make the next GET write the session cookie.
    return redirect(url_for("cart.view", added=product.id, units=form.quantity.data))


@bp.get("/cart")
@unlimited
@versioned_page(lambda: cart_entries())
def view():
    review = review_cart(cart_entries())
    message = _notice(review)
    return render_template("cart/cart.html", review=review, errors={}, message=message)


def _notice(review) -> str | None:
    """What the last change did, as the redirect's query tells it (never more than is true)."""
    if request.args.get("removed") == "1":
        return "Removed from your cart."
    added, units = request.args.get("added", type=int), request.args.get("units", type=int)
    line = next((line for line in review.lines if line.product.id == added), None)
    if line is None or units is None or not 1 <= units <= line.quantity:
        return None
    return f"Added {units} × {line.product.name} to your cart."


@bp.post("/cart/update")
def update():
    form = UpdateLineForm()
    entries = cart_entries()
    entry = next((e for e in entries if e.product_id == form.product_id.data), None)
    if entry is None:
        return _cart_answer({}, status=400, message="That product is not in your cart.")
    if not form.validate_on_submit():
        error = form.quantity.errors[0] if form.quantity.errors else "Please try again."
        return _cart_answer({entry.product_id: error}, status=400)
    choice = request.form.get("choice", entry.choice)
    try:
        save_cart(change_line(entries, entry.product_id, form.quantity.data, choice))
    except InvalidRequest as error:
        return _cart_answer({entry.product_id: str(error)}, status=400)
    return _cart_answer({}, message=None if form.quantity.data else "Removed from your cart.")


def _cart_answer(errors: dict, status: int = 200, message: str | None = None):
    """htmx gets the cart fragment to swap in place; a plain form post goes back to the cart."""
    htmx = bool(request.headers.get("HX-Request"))
    if status == 200 and not htmx:
        return redirect(url_for("cart.view", removed=1) if message else url_for("cart.view"))
    page = render_template(
        "cart/_cart.html" if htmx else "cart/cart.html",
        review=review_cart(cart_entries()),
        errors=errors,
        message=message,
        message_kind="success" if status == 200 else "error",
        header_count=htmx,  # the header's cart count, swapped out of band
    )
    return page, status


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    form = CheckoutForm()
    key = form.checkout_key.data if request.method == "POST" else None
    placed = _placed_with(key)
    if placed is not None:  # a double click, a reload or a repeated post
        return placed
    entries = cart_entries()
    if not entries:
        return redirect(url_for("cart.view"))  # which says the cart is empty
    if request.method == "GET":
        return _checkout_page(form, review_cart(entries))
    chosen = [
        CartEntry(e.product_id, e.quantity, request.form.get(f"choice-{e.product_id}", e.choice))
        for e in entries
    ]
    return _place(form, chosen, key)


def _place(form: CheckoutForm, chosen: list[CartEntry], key: str):
    review = review_cart(chosen)
    bad_choices = review.refused_choices(chosen)
    if "refresh" in request.form and not bad_choices:
        return _checkout_page(form, review, key=key)
    if bad_choices or not form.validate_on_submit() or not review.can_check_out:
        return _checkout_page(form, review, key=key, problems=bad_choices, status=400)
    shown = read_snapshot(form.snapshot.data)
    try:
        order = place_order(
            form.contact(), review.items(shown), key, shown_total_cents=review.shown_total(shown)
        )
    except StockChanged as change:
        review = review_cart(chosen)
        return _checkout_page(
            form,
            review,
            key=key,
            changed=set(change.problems),
            problems=change.problems,
            status=409,
        )
    except OrderRefused as refused:
        return _checkout_page(form, review, key=key, problems=refused.problems, status=400)
    except InvalidRequest as refused:
        return _checkout_page(form, review, key=key, problems={0: str(refused)}, status=400)
    session.pop("cart", None)
    return redirect(url_for("cart.confirmation", token=order.token), 303)


def _placed_with(key: str | None):
    order = order_for_checkout_key(key) if key else None
    if order is None:
        return None
    session.pop("cart", None)
    return redirect(url_for("cart.confirmation", token=order.token), 303)


def _checkout_page(form, review, *, key=None, changed=frozenset(), problems=None, status=200):
    # A concurrent click with the same key may have placed the order while this request
    # found the stock changed (by that very order): show the order, not a failure.
    placed = _placed_with(key)
    if placed is not None:
        return placed
    if request.method == "POST":  # remember the choices posted; a GET writes no cookie
        save_cart([CartEntry(line.product.id, line.quantity, line.choice) for line in review.lines])
    # Each showing of the form gets a fresh one-time key and the snapshot of what it shows.
    form.checkout_key.data = secrets.token_urlsafe(24)
    form.snapshot.data = sign_snapshot(review.shown())
    if request.headers.get("HX-Request"):  # a choice changed: the summary and the lines' states
        template, extra = "cart/_checkout_summary.html", {"oob_lines": True}
    else:
        template, extra = "cart/checkout.html", {}
    page = render_template(
        template, form=form, review=review, changed=changed, problems=problems or {}, **extra
    )
    return page, status


@bp.get("/checkout/confirmation/<token>")
def confirmation(token: str):
    order = order_by_token(token)
    if order is None:
        abort(404, "There is no such order.")
    response = current_app.make_response(render_template("cart/confirmation.html", order=order))
    response.headers["Cache-Control"] = "no-store"
    return response
