"""Benchmark: the shop's pages served as production serves them, against a bare endpoint.

gunicorn runs with gunicorn.conf.py (the README's production settings) and serves both the
shop and a bare Flask "hello" (bench/wsgi.py). wrk loads one page at a time, in interleaved
rounds (baseline, catalog, product, ..., then again), so every page's ratio to the baseline
is taken from the same minute of the same machine. The table shows the median over rounds.

The shop holds 1,000 products and 10,000 orders, a third of them waiting for stock.
Runs on a temporary SQLite file and, when BENCH_DATABASE_URL or TEST_DATABASE_URL points at
PostgreSQL, there too (that database's public schema is replaced). Settings:
BENCH_SECONDS (per page per round, default 8), BENCH_ROUNDS (default 3), BENCH_REDIS_URL or
TEST_REDIS_URL (rate limits, required for the PostgreSQL run as production requires it),
BENCH_CONNECTIONS (wrk connections, default 16), BENCH_PAGES (only these pages, comma-separated).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import unescape as html_unescape
from http.cookiejar import CookieJar
from pathlib import Path
from statistics import median

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text, update

from bench import BASELINE_PATH
from storefront import create_app
from storefront.config import normalise_database_url
from storefront.extensions import db
from storefront.models import InboundShipment, Order, OrderLine, Product
from storefront.services.shipments import refresh_all_promises

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PRODUCTS = 1_000
ORDERS = 10_000
# The targets: each page's req/s as a share of the baseline's, in one run.
TARGETS = {"status": 0.60, "catalog": 0.25, "product": 0.25, "tracking": 0.15, "cart": 0.15}
PAGES = ("baseline", "catalog", "product", "cart", "tracking", "status", "checkout")

SUMMARY_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

# Each checkout post carries its own checkout key, so each one places a real order.
CHECKOUT_LUA = """
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("prefix", string.format("bench%d%dt%d", os.time(), math.random(100000), threads))
end
request = function()
  counter = counter + 1
  -- `prefix` is this thread's own, set by setup()
  local body = wrk.body .. "&checkout_key=" .. prefix .. "n" .. counter
  return wrk.format("POST", "/checkout", nil, body)
end
"""


@dataclass
class Shop:
    """What the benchmark asks for: a waiting product, a waiting order, a cart."""

    product_slug: str
    token: str
    cart_product_ids: tuple[int, int]


# --- the data -------------------------------------------------------------------------


def load_shop(url: str) -> Shop:
    """1,000 products (a third out of stock, with shipments coming) and 10,000 orders: a
    third waiting in those products' queues, the rest shipped. Dates come from the shop's
    own engine (refresh-promises), as after any change."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(app.extensions["migrate"].directory))
        categories = ("Kitchen", "Garden", "Workshop", "Outdoors")
        db.session.execute(
            insert(Product),
            [
                {
                    "sku": f"B-{n:04d}",
                    "slug": f"bench-product-{n:04d}",
                    "name": f"Bench Product {n}",
                    "description": "A product for the benchmark. " * 8,
                    "category": categories[n % 4],
                    "price_cents": 500 + 37 * n,
                    # Every third product is out of stock; the others have plenty.
                    "on_hand": 0 if n % 3 == 0 else 1_000_000,
                    "backorder_discount_pct": 10 if n % 6 == 0 else 0,
                }
                for n in range(PRODUCTS)
            ],
        )
        products = db.session.execute(select(Product.id, Product.on_hand).order_by(Product.id))
        out_of_stock, in_stock = [], []
        for product_id, on_hand in products:
            (in_stock if on_hand else out_of_stock).append(product_id)
        today = date.today()
        db.session.execute(
            insert(InboundShipment),
            [
                {"product_id": pid, "quantity": 10, "expected_on": today + timedelta(days=d)}
                for pid in out_of_stock
                for d in (12, 30)
            ],
        )
        start = datetime.now(UTC) - timedelta(days=20)
        orders = [
            {
                "id": n + 1,
                "token": f"bench{n:027d}",
                "email": f"buyer{n % 500}@example.com",
                "name": "Bench Buyer",
                "address_line1": "1 Bench Road",
                "city": "Benchville",
                "postcode": "12345",
                "country": "US",
                "subtotal_cents": 1000,
                "total_cents": 1000,
                "created_at": start + timedelta(seconds=n * 60),
            }
            for n in range(ORDERS)
        ]
        db.session.execute(insert(Order), orders)
        if url.startswith("postgresql"):  # ids given above: move the sequence past them
            db.session.execute(
                text("SELECT setval(pg_get_serial_sequence('orders', 'id'), :last)"),
                {"last": ORDERS},
            )
        lines = []
        for n, order in enumerate(orders):
            waiting = n % 3 == 0
            pool = out_of_stock if waiting else in_stock
            line = {
                "order_id": order["id"],
                "product_id": pool[n % len(pool)],
                "quantity": 1,
                "unit_price_cents": 1000,
                "placed_at": order["created_at"],
                "waiting": 1 if waiting else 0,
                "backordered_units": 1 if waiting else 0,
                "shipped": 0 if waiting else 1,
            }
            lines.append(line)
        db.session.execute(insert(OrderLine), lines)
        waiting_units = (
            select(func.coalesce(func.sum(OrderLine.waiting), 0))
            .where(OrderLine.product_id == Product.id)
            .scalar_subquery()
        )
        db.session.execute(update(Product).values(waiting_units=waiting_units))
        db.session.commit()
        refresh_all_promises(batch_size=50)
        slug = db.session.scalar(
            select(Product.slug).where(Product.id == out_of_stock[len(out_of_stock) // 2])
        )
        token = orders[3 * (ORDERS // 6)]["token"]  # a waiting order, mid-queue
        shop = Shop(slug, token, (in_stock[0], in_stock[1]))
        db.engine.dispose()
    return shop


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with gunicorn.conf.py, serving bench/wsgi.py; stopped with its workers."""

    def __init__(self, database_url: str, redis_url: str | None, folder: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STOREFRONT_SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "STOREFRONT_PUBLIC_URL": self.base,
            "STOREFRONT_MAIL_FILE_DIR": folder,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "STOREFRONT_LOG_LEVEL": "WARNING",
        }
        if database_url.startswith("postgresql") and redis_url:
            env["STOREFRONT_ENV"] = "production"
            env["STOREFRONT_RATELIMIT_STORAGE_URI"] = redis_url
        self.production = env.get("STOREFRONT_ENV") == "production"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.command = [gunicorn, "-c", "gunicorn.conf.py", "bench.wsgi:app"]
        self.log = open(Path(folder) / "gunicorn.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (Path(folder) / "gunicorn.log").read_text()[-3000:]
                    raise SystemExit(f"gunicorn did not start:\n{log}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- a shopper's cookie and forms -----------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def shopper_session(server: Server, shop: Shop) -> tuple[str, str]:
    """A real cart of two lines, made through the pages: its Cookie header, and the body of
    a checkout post for it (without the checkout key, which each post adds)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for product_id in shop.cart_product_ids:
        slug = f"bench-product-{product_id - 1:04d}"  # ids follow the inserted order
        opener.open(f"{server.base}/products/{slug}").read()
        # A first visit's form has no token; a browser says the post came from the shop.
        body = urllib.parse.urlencode({"product_id": product_id, "quantity": 1}).encode()
        add = urllib.request.Request(
            f"{server.base}/cart/add", body, headers={"Sec-Fetch-Site": "same-origin"}
        )
        opener.open(add).read()
    html = opener.open(f"{server.base}/checkout").read().decode()
    snapshot = re.search(r'name="snapshot" type="hidden" value="([^"]*)"', html).group(1)
    form = {
        "csrf_token": _csrf(html),
        "name": "Bench Buyer",
        "email": "checkout@example.com",
        "address_line1": "1 Bench Road",
        "city": "Benchville",
        "postcode": "12345",
        "country": "US",
        "snapshot": html_unescape(snapshot),
    }
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, urllib.parse.urlencode(form)


def status_url(server: Server, token: str) -> str:
    html = urllib.request.urlopen(f"{server.base}/orders/{token}").read().decode()
    url = re.search(r'hx-get="([^"]+/status\?v=\d+)"', html).group(1)
    return html_unescape(url)


@dataclass
class Target:
    path: str
    expect: int
    headers: tuple[str, ...] = ()
    script: str = SUMMARY_LUA
    body: str | None = None


def targets(server: Server, shop: Shop) -> dict[str, Target]:
    cookie, checkout_body = shopper_session(server, shop)
    accept = "Accept-Encoding: gzip"  # as every browser sends
    return {
        "baseline": Target(BASELINE_PATH + "/", 200, (accept,)),
        "catalog": Target("/", 200, (accept,)),
        "product": Target(f"/products/{shop.product_slug}", 200, (accept,)),
        "cart": Target("/cart", 200, (accept, f"Cookie: {cookie}")),
        "tracking": Target(f"/orders/{shop.token}", 200, (accept,)),
        "status": Target(status_url(server, shop.token), 204, (accept,)),
        "checkout": Target(
            "/checkout",
            303,
            (accept, f"Cookie: {cookie}", "Content-Type: application/x-www-form-urlencoded"),
            CHECKOUT_LUA + SUMMARY_LUA,
            checkout_body,
        ),
    }


def check(server: Server, name: str, target: Target) -> None:
    """One plain request first: a page that answers wrongly is an error, not a figure."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = dict(h.split(": ", 1) for h in target.headers)
    data = None
    if target.body is not None:
        data = (target.body + f"&checkout_key=benchcheck{time.time_ns()}").encode()
    request = urllib.request.Request(server.base + target.path, data=data, headers=headers)
    try:
        status = urllib.request.build_opener(NoRedirect).open(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != target.expect:
        raise SystemExit(f"{name}: {target.path} answered {status}, expected {target.expect}")


# --- wrk ------------------------------------------------------------------------------


def wrk(server: Server, target: Target, seconds: int, folder: str) -> dict:
    script = Path(folder) / f"wrk-{abs(hash(target.script))}.lua"
    body_line = f"wrk.body = {json.dumps(target.body)}\n" if target.body is not None else ""
    script.write_text(body_line + target.script)
    connections = os.environ.get("BENCH_CONNECTIONS", "16")
    # A slow answer (a checkout waiting for SQLite's write lock) is timed, not counted as an
    # error: wrk's own limit is 2 s.
    command = [
        *("wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"),
        *("-s", str(script)),
    ]
    for header in target.headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, server.base + target.path], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"WRK-JSON (\{.*\})", output)
    if not found:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    summary = json.loads(found.group(1))
    seconds_run = summary["duration_us"] / 1e6
    return {
        "requests": summary["requests"],
        "rps": summary["requests"] / seconds_run,
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "bad_status": summary["bad_status"],
        "socket_errors": summary["socket_errors"],
    }


def summarise(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Median over rounds of each page's figures, and of its ratio to the same round's
    baseline."""
    table = {}
    for page in rounds[0]:
        runs = [r[page] for r in rounds]
        table[page] = {
            "rps": median(run["rps"] for run in runs),
            "p50_ms": median(run["p50_ms"] for run in runs),
            "p99_ms": median(run["p99_ms"] for run in runs),
            "ratio": median(r[page]["rps"] / r["baseline"]["rps"] for r in rounds),
            "bad_status": sum(run["bad_status"] for run in runs),
            "socket_errors": sum(run["socket_errors"] for run in runs),
        }
    return table


def format_table(name: str, table: dict[str, dict]) -> str:
    lines = [
        f"\n{name}",
        f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}  target",
    ]
    for page, row in table.items():
        goal = TARGETS.get(page)
        verdict = (
            "" if goal is None else f"≥ {goal:.0%} {'met' if row['ratio'] >= goal else 'MISSED'}"
        )
        errors = row["bad_status"] + row["socket_errors"]
        warning = f"  ({errors} wrong answers or socket errors)" if errors else ""
        lines.append(
            f"  {page:<10} {row['rps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['ratio']:6.1%}  {verdict}{warning}"
        )
    return "\n".join(lines)


def run(name: str, database_url: str, redis_url: str | None, folder: str) -> dict:
    began = time.perf_counter()
    shop = load_shop(database_url)
    loaded = time.perf_counter() - began
    print(f"\n{name}: {PRODUCTS} products, {ORDERS} orders loaded in {loaded:.1f} s")
    server = Server(database_url, redis_url, folder)
    try:
        print(
            "  "
            + " ".join(server.command)
            + (" (STOREFRONT_ENV=production)" if server.production else "")
        )
        pages = targets(server, shop)
        if only := os.environ.get("BENCH_PAGES"):  # e.g. "status,tracking" while profiling
            pages = {page: t for page, t in pages.items() if page == "baseline" or page in only}
        for page, target in pages.items():
            check(server, page, target)
        seconds = int(os.environ.get("BENCH_SECONDS", "8"))
        rounds = []
        for number in range(int(os.environ.get("BENCH_ROUNDS", "3"))):
            rounds.append(
                {page: wrk(server, target, seconds, folder) for page, target in pages.items()}
            )
            print(f"  round {number + 1} done")
    finally:
        server.stop()
    table = summarise(rounds)
    print(format_table(name, table))
    return {"database": name, "rounds": rounds, "table": table}


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install -y wrk` (Debian's package).")
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        runs.append(("sqlite", run("SQLite", f"sqlite:///{folder}/bench.sqlite3", None, folder)))
        if postgres:
            runs.append(
                (
                    "postgresql",
                    run("PostgreSQL", normalise_database_url(postgres), redis_url, folder),
                )
            )
        else:
            print("\nPostgreSQL: skipped (set TEST_DATABASE_URL to include it)")
    for database, result in runs:
        path = RESULTS / f"serve-{database}-{stamp}.json"
        path.write_text(json.dumps(result, indent=2))
        print(f"\nwritten: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
