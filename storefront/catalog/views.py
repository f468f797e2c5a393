"""Browsing: the catalog grid, the product page and its placeholder picture."""

import re

from flask import abort, current_app, render_template, request

from ..engine.limits import MAX_LINE_QUANTITY, QUANTITY_MESSAGE
from ..extensions import unlimited
from ..page_cache import versioned_page
from ..queries import catalog as queries
from ..services.inventory import quote_product
from ..services.suppliers import promise_buffers
from . import bp
from .forms import AlertForm

MAX_SEARCH_LENGTH = 100
_QUANTITY = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²".isdigit() is true
# Far past any real catalog. A page past the last one is shown empty, but a huge number
# would overflow the database's offset, so beyond this there is no such page.
MAX_PAGE = 10_000


@bp.get("/")
@unlimited
@versioned_page()
def index():
    criteria = queries.CatalogFilter(
        category=request.args.get("category", "").strip()[:80],
        available_now=request.args.get("available") == "1",
        search=request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH],
        page=request.args.get("page", 1, type=int),
    )
    if not 1 <= criteria.page <= MAX_PAGE:
        abort(404, "There is no such page of the catalog.")
    page = queries.catalog_page(criteria, current_app.config["CATALOG_PAGE_SIZE"])
    return render_template(
        "catalog/index.html", page=page, criteria=criteria, categories=queries.categories()
    )


@bp.get("/products/<slug>")
@unlimited
@versioned_page()
def product(slug: str):
    item = product_or_404(slug)
    quantity = request.args.get("quantity", "1")
    if not (_QUANTITY.fullmatch(quantity) and 1 <= int(quantity) <= MAX_LINE_QUANTITY):
        return product_page(item, QUANTITY_MESSAGE)
    offer = quote_product(item, int(quantity))
    if request.headers.get("HX-Request"):  # the quantity field asks for its delivery line
        return render_template("catalog/_delivery.html", offer=offer, product=item)
    return product_page(item, quantity=quantity, offer=offer)


def product_page(
    product,
    message=None,
    *,
    quantity="1",
    offer=None,
    suggestion=None,
    alert_form=None,
    form_error=None,
):
    """The product page, with a quantity problem, a refused "Add to cart" (`form_error`) or
    a refused alert sign-up (answered 400), or the quote for a quantity."""
    if message and request.headers.get("HX-Request"):
        return render_template("catalog/_delivery.html", quantity_error=message), 400
    substitutes = (
        [] if product.on_hand > 0 else queries.in_stock_substitutes([product.id])[product.id]
    )
    page = render_template(
        "catalog/product.html",
        product=product,
        substitutes=substitutes,
        quantity=str(suggestion or 1) if message else quantity,
        quantity_error=message,
        offer=offer,
        suggestion=suggestion,
        buffer_days=promise_buffers([product]).get(product.id, 0),
        alert_form=alert_form or AlertForm(formdata=None, meta={"csrf": False}),
        form_error=form_error,
    )
    refused = message or form_error or (alert_form and alert_form.errors)
    return page, 400 if refused else 200


@bp.get("/products/<slug>/image.svg")
def product_image(slug: str):
    item = product_or_404(slug)
    body = render_template("catalog/placeholder.svg", product=item)
    response = current_app.response_class(body, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def product_or_404(slug: str):
    item = queries.product_by_slug(slug)
    if item is None:
        abort(404, "There is no such product in the shop.")
    return item
