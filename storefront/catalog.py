"""Blueprint for browsing: the catalog grid and the product page."""

import re

from flask import Blueprint, abort, current_app, render_template, request

from . import queries
from .availability import availability_of
from .services.orders import MAX_LINE_QUANTITY

bp = Blueprint("catalog", __name__)

MAX_SEARCH_LENGTH = 100
_QUANTITY = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²".isdigit() is true
# Far past any real catalog. A page past the last one is shown empty, but a huge number
# would overflow the database's offset, so beyond this there is no such page.
MAX_PAGE = 10_000


@bp.app_template_global()
def availability(product):
    return availability_of(product)


@bp.get("/")
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
def product(slug: str):
    item = queries.product_by_slug(slug)
    if item is None:
        abort(404, "There is no such product in the shop.")
    quantity = request.args.get("quantity", "1")
    offer, quantity_error = None, None
    if _QUANTITY.fullmatch(quantity) and 1 <= int(quantity) <= MAX_LINE_QUANTITY:
        offer = queries.quote_for(item, int(quantity))
    else:
        quantity_error = f"Enter a whole number from 1 to {MAX_LINE_QUANTITY}."
    status = 400 if quantity_error else 200
    if request.headers.get("HX-Request"):  # the quantity field asks for its delivery line
        return render_template(
            "catalog/_delivery.html", offer=offer, quantity_error=quantity_error
        ), status
    substitutes = [] if item.on_hand > 0 else queries.in_stock_substitutes(item)
    return render_template(
        "catalog/product.html",
        product=item,
        substitutes=substitutes,
        quantity=quantity if offer else "1",
        quantity_error=quantity_error,
        offer=offer,
    ), status


@bp.get("/products/<slug>/image.svg")
def product_image(slug: str):
    item = queries.product_by_slug(slug)
    if item is None:
        abort(404)
    body = render_template("catalog/placeholder.svg", product=item, hue=hue_bucket(item.sku) * 30)
    response = current_app.response_class(body, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.app_template_global()
def hue_bucket(sku: str) -> int:
    """One of 12 hues for a product's placeholder picture, stable for its sku."""
    return sum(sku.encode()) * 7 % 12


@bp.app_template_global()
def initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()
