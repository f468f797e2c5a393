"""Back-in-stock alerts: the sign-up on a sold-out product page and the unsubscribe link."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from ..extensions import csrf, limiter
from ..forms import check_shopper_post
from ..services.alerts import Signup, email_for_token, subscribe, unsubscribe
from . import bp
from .forms import AlertForm
from .views import product_or_404, product_page

SIGNUP_LIMITED = "Too many sign-ups from your connection. Please wait a minute and try again."


def _signup_limit() -> str:
    return current_app.config["ALERT_SIGNUP_RATE_LIMIT"]


@bp.post("/products/<slug>/alert")
@limiter.limit(_signup_limit, error_message=SIGNUP_LIMITED)
@csrf.exempt  # a first visit's form has no token: see forms.check_shopper_post
def alert_signup(slug: str):
    product = product_or_404(slug)
    form = AlertForm(meta={"csrf": False})
    try:
        check_shopper_post()
    except CSRFError as refused:
        abort(400, f"{refused.description} Go back, reload the page and send it again.")
    if not form.validate():
        return product_page(product, alert_form=form)
    outcome = subscribe(product.id, form.email.data)
    if outcome is Signup.AVAILABLE:
        flash(f"{product.name} can be ordered now: no need to wait for an email.", "success")
    else:
        flash(
            f"We will email {form.email.data.strip()} once, when {product.name} can be "
            "ordered again.",
            "success",
        )
    return redirect(url_for(".product", slug=product.slug), 303)


@bp.get("/alerts/unsubscribe/<token>")
def unsubscribe_page(token: str):
    return render_template("catalog/unsubscribe.html", email=_email_or_404(token), done=False)


# The signed link is the authority here: mail providers post RFC 8058 one-click
# unsubscribes ("List-Unsubscribe=One-Click") with no session and no CSRF token.
@bp.post("/alerts/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    email = _email_or_404(token)
    unsubscribe(email)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "Unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("catalog/unsubscribe.html", email=email, done=True)


def _email_or_404(token: str) -> str:
    email = email_for_token(token) if len(token) <= 600 else None
    if email is None:
        abort(404, "This unsubscribe link is not valid. Check that it is complete.")
    return email
