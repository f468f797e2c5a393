"""The shop as production runs it: gunicorn processes on PostgreSQL and Redis, over HTTP."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from storefront import create_app
from storefront.extensions import db
from tests.conftest import empty_postgres, require

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET_KEY = "one-key-shared-by-every-host-of-the-test-shop"


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shared_services(postgres_ready, tmp_path_factory):
    """One PostgreSQL (migrated, emptied afterwards) and one emptied Redis, and the
    production environment every process of the shop gets."""
    require(redis_reachable(), f"Redis is not reachable at TEST_REDIS_URL={REDIS_URL!r}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "STOREFRONT_ENV": "production",
        "STOREFRONT_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": postgres_ready,
        "STOREFRONT_RATELIMIT_STORAGE_URI": REDIS_URL,
        "STOREFRONT_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    yield env
    empty_postgres(postgres_ready)


@pytest.fixture(scope="module")
def shop(shared_services):
    """The same database, in this process: to set up products and check what was written."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": shared_services["DATABASE_URL"],
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Server:
    """A gunicorn master and its workers, started from the shop's gunicorn.conf.py."""

    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = []
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-w", str(workers)],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        wait_until_answers(self.url + "/healthz", self.process)

    def stop(self) -> str:
        """Stop it; returns what it logged."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            _, errors = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, errors = self.process.communicate()
        return errors


def wait_until_answers(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited:\n{process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@contextmanager
def servers(env: dict, count: int, workers: int):
    started = []
    try:
        for _ in range(count):
            started.append(Server(env, workers))
        yield started
    finally:
        for server in started:
            server.log.append(server.stop())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A shopper's browser: one cookie jar (cookies ignore the port, as for one site
    behind a load balancer), redirects not followed, any status returned."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, url: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # Its forms are the shop's own pages' forms, and it says so as browsers do.
        headers = {"Sec-Fetch-Site": "same-origin"} if data is not None else {}
        try:
            with self.opener.open(urllib.request.Request(url, body, headers), timeout=30) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, url: str) -> tuple[int, dict, str]:
        return self.request(url)

    def post(self, url: str, data: dict) -> tuple[int, dict, str]:
        return self.request(url, data)

    def csrf_token(self, url: str) -> str:
        """The CSRF token in the page at `url` (tied to this browser's session)."""
        status, _, html = self.get(url)
        assert status == 200, html
        return hidden(html, "csrf_token")


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"(?: type="hidden")? value="([^"]*)"', html)
    if found is None:
        found = re.search(rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    assert found, f"no hidden field {name!r} in the page"
    return found.group(1)
