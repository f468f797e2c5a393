"""Storefront: a server-rendered shop that is honest about stock and backorders."""

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        # The instance folder (config.py, the SQLite file, the generated key) may live
        # outside the checkout, e.g. /etc/storefront or /var/lib/storefront.
        instance_path=os.environ.get("STOREFRONT_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from . import logs
    from .config import load_config, warn_if_limits_per_process

    load_config(app, test_config)
    logs.init_app(app)
    warn_if_limits_per_process(app)
    from .tracking import polls

    polls.init_app(app)  # inside ProxyFix: it sees the client's scheme
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind N proxies, the client (for rate limits) and https come from their headers.
        hops = app.config["TRUSTED_PROXIES"]
        # Flask's documented way to wrap the WSGI app; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    from . import boundary

    boundary.init_app(app)  # before the extensions, so its check runs first
    _init_extensions(app)

    from . import assets, cart, catalog, cli, health, page_cache, staff, tracking, web

    web.init_app(app)
    assets.init_app(app)
    page_cache.init_app(app)
    for blueprint in (catalog.bp, cart.bp, tracking.bp, staff.bp, health.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_login import current_user

    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .database import configure_engine
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Login's own context processor loads the user on every render, and its strong
    # session protection then rewrites a shopper's session on every page: a page load
    # overlapping "Add to cart" could send the older cart back. Templates get a lazy proxy.
    login_manager.init_app(app, add_context_processor=False)
    # Staff sign in without "remember me", so no remember cookie is ever set or cleared;
    # Flask-Login's hook that would look after it reads the session on every response,
    # which made every page, static file and poll say `Vary: Cookie`.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    app.context_processor(lambda: {"current_user": current_user})
