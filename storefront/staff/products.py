"""Staff product pages: find a product, and change its settings."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..queries.products import find_products, product_for_settings
from ..services import NotFound
from ..services.products import SettingsRefused, update_product_settings
from . import bp
from .forms import ProductSettingsForm


@bp.get("/products")
@login_required
def find_product():
    """Products whose sku or name contains `q`; htmx asks for the matches alone."""
    text = request.args.get("q", "")
    matches = find_products(text)
    template = "staff/_product_matches.html" if request.headers.get("HX-Request") else None
    return render_template(template or "staff/products.html", q=text, matches=matches)


@bp.route("/products/<path:sku>", methods=["GET", "POST"])
@login_required
def product_settings(sku: str):
    product = product_for_settings(sku)
    if product is None:
        abort(404, "There is no product with that sku.")
    if request.method == "GET":
        return _settings_page(product, ProductSettingsForm.for_product(product))
    form = ProductSettingsForm()
    if form.validate_on_submit():
        try:
            saved = update_product_settings(product.sku, form.settings())
        except SettingsRefused as refused:
            form.show_problems(refused.problems)
        except NotFound as gone:
            abort(404, str(gone))
        else:
            changed = form.changed_labels(saved.changed)
            flash(f"Saved {saved.name}: {', '.join(changed)}." if changed else "Nothing changed.")
            for note in saved.notes:
                flash(note, "warning")
            return redirect(url_for("staff.product_settings", sku=saved.sku), 303)
    return _settings_page(product_for_settings(sku), form, status=400)


def _settings_page(product, form, status=200):
    text = request.args.get("q", "")
    page = render_template(
        "staff/product.html", product=product, form=form, q=text, matches=find_products(text)
    )
    return page, status
