"""Browser fixtures: the demo shop on a live server, driven through the system Chromium."""

import threading
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from storefront import create_app
from storefront.demo import seed_demo
from storefront.extensions import db
from storefront.notify.delivery import deliver_due
from tests.conftest import require, running_smtp_sink

CHROMIUM = Path("/usr/bin/chromium")
# The sandbox needs privileges containers rarely grant; the rest keeps Chromium off the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def mail_server():
    """The SMTP server the live shop delivers to: what its customers receive."""
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, mail_server):
    """The demo shop's app, with its server socket already bound: emails written while the
    demo loads link to the address it will be served at."""
    path = tmp_path_factory.mktemp("browser") / "shop.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mail_server.port,
        }
    )
    app.server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{app.server.server_port}"
    with app.app_context():
        upgrade(directory=str(app.extensions["migrate"].directory))
        seed_demo()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The demo shop on a fresh SQLite file, served on a free port; yields its base URL."""
    server = live_app.server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield live_app.config["PUBLIC_URL"]
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def mail_to(live_app, live_server, mail_server):
    """Run the outbox worker once, then return the emails a customer has received so far."""

    def received(address: str) -> list[EmailMessage]:
        with live_app.app_context():
            deliver_due()
            db.session.remove()
        return mail_server.to(address)

    return received


@pytest.fixture(scope="session")
def browser():
    require(
        CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        require(False, f"Playwright could not start {CHROMIUM}: {error}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page in its own browser context; `page.goto("/")` is relative to the shop."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server)
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def console_errors(page):
    """Errors the page reports: script errors, failed loads, Content-Security-Policy refusals."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to tests/browser/screenshots/<name>.png, images loaded."""

    def take(page, name: str) -> Path:
        # Lazy images below the fold would otherwise show as empty boxes.
        page.evaluate(
            "() => document.querySelectorAll('img[loading=lazy]')"
            ".forEach(img => { img.loading = 'eager'; })"
        )
        page.wait_for_function("() => [...document.images].every(img => img.complete)")
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
