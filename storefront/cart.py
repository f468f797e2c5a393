"""Blueprint for the cart and the checkout: what ships now, what waits, and placing the order."""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .cart_forms import QUANTITY_MESSAGE, AddToCartForm, CheckoutForm, UpdateLineForm
from .extensions import db
from .models import Order, Product
from .pricing import substitute_unit_price
from .queries import in_stock_substitutes
from .services.checkout import (
    DROP,
    MAX_CART_LINES,
    WAIT,
    CannotAdd,
    CartEntry,
    add_to_cart,
    changed_since,
    review_cart,
    with_entry,
)
from .services.orders import (
    MAX_LINE_QUANTITY,
    Contact,
    OrderRefused,
    StockChanged,
    order_for_checkout_key,
    place_order,
)

bp = Blueprint("cart", __name__)


# The cart lives in the signed session cookie as [[product_id, quantity, choice], ...].
def cart_entries() -> list[CartEntry]:
    entries = []
    for raw in session.get("cart", [])[:MAX_CART_LINES]:
        try:
            product_id, quantity, choice = int(raw[0]), int(raw[1]), str(raw[2])
        except (TypeError, ValueError, IndexError):
            continue
        if 1 <= quantity <= MAX_LINE_QUANTITY:
            entries.append(CartEntry(product_id, quantity, choice))
    return entries


def save_cart(entries: list[CartEntry]) -> None:
    session["cart"] = [[e.product_id, e.quantity, e.choice] for e in entries]


bp.add_app_template_global(substitute_unit_price)


@bp.app_context_processor
def cart_size():
    return {"cart_count": sum(raw[1] for raw in session.get("cart", []) if len(raw) == 3)}


@bp.post("/cart/add")
def add():
    form = AddToCartForm()
    product = db.session.get(Product, form.product_id.data) if form.product_id.data else None
    if product is None:
        abort(404, "There is no such product in the shop.")
    if not form.validate_on_submit():
        message = QUANTITY_MESSAGE if form.quantity.errors else "The form expired; try again."
        return _product_page(product, message)
    try:
        save_cart(add_to_cart(cart_entries(), product.id, form.quantity.data))
    except CannotAdd as refused:
        return _product_page(product, str(refused), suggestion=refused.room or None)
    flash(f"Added {form.quantity.data} × {product.name} to your cart.", "success")
    return redirect(url_for("cart.view"))


def _product_page(product, message, suggestion=None):
    substitutes = [] if product.on_hand > 0 else in_stock_substitutes(product)
    return render_template(
        "catalog/product.html",
        product=product,
        substitutes=substitutes,
        quantity=str(suggestion or 1),
        quantity_error=message,
        offer=None,
        suggestion=suggestion,
    ), 400


@bp.get("/cart")
def view():
    review = review_cart(cart_entries())
    return render_template("cart/cart.html", review=review, errors={})


@bp.post("/cart/update")
def update():
    form = UpdateLineForm()
    entries = cart_entries()
    product_id = form.product_id.data
    entry = next((e for e in entries if e.product_id == product_id), None)
    if entry is None:
        return _cart_answer({}, status=400, message="That product is not in your cart.")
    if not form.validate_on_submit():
        error = form.quantity.errors[0] if form.quantity.errors else "Please try again."
        return _cart_answer({product_id: error}, status=400)
    choice = request.form.get("choice", entry.choice)
    review = review_cart([CartEntry(product_id, max(form.quantity.data, 1), choice)])
    allowed = {WAIT, DROP} | {f"sub:{s.id}" for s in review.lines[0].substitutes}
    if choice not in allowed:
        return _cart_answer(
            {product_id: "That substitute is not available for this item."}, status=400
        )
    if form.quantity.data == 0:
        save_cart([e for e in entries if e.product_id != product_id])
        return _cart_answer({}, message="Removed from your cart.")
    save_cart(with_entry(entries, CartEntry(product_id, form.quantity.data, choice)))
    return _cart_answer({})


def _cart_answer(errors: dict, status: int = 200, message: str | None = None):
    """htmx gets the cart fragment to swap in place; a plain form post goes back to the cart."""
    kind = "success" if status == 200 else "error"
    if request.headers.get("HX-Request"):
        review = review_cart(cart_entries())
        fragment = render_template(
            "cart/_cart.html", review=review, errors=errors, message=message, message_kind=kind
        )
        return fragment, status
    if status != 200:
        review = review_cart(cart_entries())
        page = render_template(
            "cart/cart.html", review=review, errors=errors, message=message, message_kind=kind
        )
        return page, status
    if message:
        flash(message, "success")
    return redirect(url_for("cart.view"))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="checkout-snapshot")


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    form = CheckoutForm()
    key = form.checkout_key.data if request.method == "POST" else None
    placed = _placed_with(key)
    if placed is not None:  # a double click, a reload or a repeated post
        return placed
    entries = cart_entries()
    if not entries:
        flash("Your cart is empty.", "info")
        return redirect(url_for("cart.view"))
    if request.method == "GET":
        return _checkout_page(form, review_cart(entries))

    asked = {e.product_id: request.form.get(f"choice-{e.product_id}", e.choice) for e in entries}
    review = review_cart(
        [CartEntry(e.product_id, e.quantity, asked[e.product_id]) for e in entries]
    )
    bad_choices = {
        line.product.id: "That choice is not available for this item."
        for line in review.lines
        if line.choice != asked[line.product.id]
    }
    if "refresh" in request.form and not bad_choices:
        return _checkout_page(form, review, key=key)
    if bad_choices or not form.validate_on_submit():
        return _checkout_page(form, review, key=key, problems=bad_choices, status=400)
    try:
        seen = _serializer().loads(form.snapshot.data)
    except BadSignature:
        seen = {}
    changed = changed_since(review, seen)
    if changed:
        return _checkout_page(form, review, key=key, changed=changed, status=409)
    if not review.can_check_out:
        return _checkout_page(form, review, key=key, status=400)
    contact = Contact(
        email=form.email.data,
        name=form.name.data,
        address_line1=form.address_line1.data,
        address_line2=form.address_line2.data or "",
        city=form.city.data,
        postcode=form.postcode.data,
        country=form.country.data,
    )
    try:
        order = place_order(contact, review.items, checkout_key=key)
    except StockChanged as change:
        review = review_cart(cart_entries())
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
    save_cart([CartEntry(line.product.id, line.quantity, line.choice) for line in review.lines])
    # Each showing of the form gets a fresh one-time key and the snapshot of what it shows.
    form.checkout_key.data = secrets.token_urlsafe(24)
    form.snapshot.data = _serializer().dumps(review.snapshot())
    return render_template(
        "cart/checkout.html", form=form, review=review, changed=changed, problems=problems or {}
    ), status


@bp.get("/checkout/confirmation/<token>")
def confirmation(token: str):
    order = db.session.scalar(select(Order).where(Order.token == token))
    if order is None:
        abort(404, "There is no such order.")
    response = current_app.make_response(render_template("cart/confirmation.html", order=order))
    response.headers["Cache-Control"] = "no-store"
    return response
