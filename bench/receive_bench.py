"""Benchmark: receiving stock for thousands of waiting lines and re-dating the rest.

Runs on a temporary SQLite file and, when TEST_DATABASE_URL (or BENCH_DATABASE_URL) points
at PostgreSQL, there too. Prints wall times and the 10,000 : 1,000 ratio, which shows
whether the work grows linearly with the queue (about 10) or worse.
"""

import gc
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, text

from storefront import create_app
from storefront.config import normalise_database_url
from storefront.extensions import db
from storefront.models import Order, OrderLine, Product
from storefront.services.receiving import receive_stock
from storefront.services.shipments import edit_shipment, schedule_shipment

SIZES = (1_000, 10_000)
# The target: receiving stock for 10,000 waiting lines in under half a second.
TARGET_SECONDS = 0.5
RESULTS = Path(__file__).resolve().parent / "results"


def build_queue(lines: int) -> tuple[int, int]:
    """A product with `lines` waiting lines of 2 units and shipments covering part of them."""
    product = Product(sku=f"BENCH-{lines}", slug=f"bench-{lines}", name="Bench", price_cents=100)
    db.session.add(product)
    db.session.flush()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    order_rows = [
        {
            "id": n + 1,
            "token": f"t{lines}-{n}",
            "email": "b@example.com",
            "name": "B",
            "address_line1": "1",
            "city": "C",
            "postcode": "1",
            "country": "US",
            "created_at": start + timedelta(seconds=n),
        }
        for n in range(lines)
    ]
    db.session.execute(insert(Order), order_rows)
    db.session.execute(
        insert(OrderLine),
        [
            {
                "order_id": row["id"],
                "product_id": product.id,
                "quantity": 2,
                "unit_price_cents": 100,
                "waiting": 2,
                "backordered_units": 2,
                "placed_at": row["created_at"],
            }
            for row in order_rows
        ],
    )
    product.waiting_units = 2 * lines
    db.session.commit()
    shipment = schedule_shipment(product.id, lines, date.today() + timedelta(days=30))
    schedule_shipment(product.id, lines, date.today() + timedelta(days=60))
    return product.id, shipment.id


def run(url: str) -> dict[int, tuple[float, float]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    timings = {}
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(app.extensions["migrate"].directory))
        for lines in SIZES:
            with db.engine.begin() as conn:
                for table in (
                    "outbox_messages",
                    "stock_alerts",
                    "order_events",
                    "order_lines",
                    "orders",
                    "inbound_shipments",
                    "substitutes",
                    "products",
                ):
                    conn.execute(text(f"DELETE FROM {table}"))
            product_id, shipment_id = build_queue(lines)
            # As in a gunicorn worker (gunicorn.conf.py's pre_fork): what was built before
            # the request is frozen, out of the garbage collector's way.
            gc.freeze()
            began = time.perf_counter()
            # Half the queue is filled; every line still waiting gets a new date.
            result = receive_stock(product_id, lines)
            received = time.perf_counter() - began
            assert len(result.filled) == lines // 2
            began = time.perf_counter()
            edit_shipment(shipment_id, lines, date.today() + timedelta(days=10))
            redated = time.perf_counter() - began
            timings[lines] = (received, redated)
        db.engine.dispose()
    return timings


def report(name: str, timings: dict[int, tuple[float, float]]) -> None:
    small, large = (timings[size] for size in SIZES)
    print(f"\n{name}")
    for size in SIZES:
        receive, redate = timings[size]
        print(
            f"  {size:>6} waiting lines: receive {receive * 1000:8.1f} ms, "
            f"re-date after a shipment moves {redate * 1000:8.1f} ms"
        )
    print(
        f"  ratio 10,000 : 1,000 lines: receive {large[0] / small[0]:.1f}x, "
        f"re-date {large[1] / small[1]:.1f}x (10x = linear)"
    )
    verdict = "met" if large[0] < TARGET_SECONDS else "MISSED"
    print(f"  target: 10,000 lines received in < {TARGET_SECONDS} s: {verdict}")


def main() -> int:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = run(f"sqlite:///{folder}/bench.sqlite3")
    report("SQLite", results["sqlite"])
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if postgres:
        results["postgresql"] = run(normalise_database_url(postgres))
        report("PostgreSQL", results["postgresql"])
    else:
        print("\nPostgreSQL: skipped (set TEST_DATABASE_URL to include it)")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"receive-{stamp}.json"
    figures = {
        database: {
            str(size): {"receive_s": receive, "redate_s": redate}
            for size, (receive, redate) in timings.items()
        }
        for database, timings in results.items()
    }
    path.write_text(json.dumps(figures, indent=2))
    print(f"\nwritten: bench/results/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
