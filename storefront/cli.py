"""The `flask --app storefront …` commands for operators."""

import io
import signal
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from . import catalog_csv, demo
from .extensions import db
from .models import Order
from .notify.delivery import deliver_due, mail_directory
from .queries.catalog import product_id_for_sku
from .services import ServiceError, importing
from .services.receiving import receive_stock
from .services.shipments import products_to_refresh, refresh_all_promises
from .services.shipping import ship_order
from .services.staff_accounts import set_staff_password

SIMULATION_OUT = Path("bench") / "results" / "simulation"
# Files longer than this show a progress bar while they are read.
PROGRESS_FROM_LINES = 1_000


def init_app(app: Flask) -> None:
    for command in (
        init_db,
        create_staff,
        seed_demo,
        receive,
        refresh_promises,
        import_catalog,
        import_inbound,
        ship,
        simulate,
        outbox,
    ):
        app.cli.add_command(command)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (safe to repeat)."""
    upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    click.echo("Database schema is up to date.")


@click.command("create-staff")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_staff(email: str, password: str) -> None:
    """Create a staff account, or set a new password for an existing one."""
    try:
        created = set_staff_password(email, password)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{'Created' if created else 'Updated password for'} staff account {email}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalog has products.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo catalog, shipments, waiting orders and the demo staff account."""
    if not demo.catalog_is_empty():
        if if_empty:
            click.echo("The catalog has products already; demo data not loaded.")
            return
        raise click.ClickException("The catalog is not empty; demo data goes into an empty shop.")
    counts = demo.seed_demo()
    click.echo(
        f"Loaded {counts['products']} products, {counts['shipments']} inbound shipments and "
        f"{counts['orders']} waiting orders. Staff login: {demo.DEMO_STAFF_EMAIL} / "
        f"{demo.DEMO_STAFF_PASSWORD}"
    )


@click.command("receive")
@click.argument("sku")
@click.argument("quantity", type=click.IntRange(min=1))
def receive(sku: str, quantity: int) -> None:
    """Record QUANTITY units of SKU as received; waiting orders are filled first."""
    product_id = product_id_for_sku(sku)
    if product_id is None:
        raise click.ClickException(f"No product with sku {sku!r}.")
    try:
        result = receive_stock(product_id, quantity)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    for filled in result.filled:
        click.echo(f"Order {filled.order_number}: {filled.units} unit(s) reserved, ready to ship.")
    click.echo(
        f"Received {result.received} × {result.product_sku}: {len(result.filled)} order(s) "
        f"filled, {result.to_on_hand} to stock on hand, {result.dates_changed} date(s) moved."
    )


@click.command("ship")
@click.argument("order_number", type=click.IntRange(min=1))
@click.option("--carrier", default="", help="Who carries the parcel, e.g. UPS.")
@click.option("--tracking", default="", help="The carrier's tracking number.")
def ship(order_number: int, carrier: str, tracking: str) -> None:
    """Ship the ready units of ORDER_NUMBER as one parcel; waiting units keep waiting."""
    try:
        parcel = ship_order(
            Order.id_for_number(order_number), carrier=carrier, tracking_number=tracking
        )
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Order {order_number} shipped: {parcel.contents}.")


@click.command("refresh-promises")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000),
    help="Products per transaction (default: the REFRESH_BATCH_PRODUCTS setting).",
)
def refresh_promises(batch_size: int | None) -> None:
    """Re-date waiting orders against today; run daily (a shipment running late moves dates)."""
    ids = products_to_refresh()
    label = f"Re-dating {len(ids):,} product(s)"
    with click.progressbar(length=len(ids), label=label, file=sys.stderr) as progress:
        count = refresh_all_promises(ids, batch_size=batch_size, progress=progress.update)
    click.echo(f"Checked the promise dates of {count} product(s).")


@click.command("simulate")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650))
@click.option("--products", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--reliability",
    default=0.8,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of shipments on time (suppliers spread around it).",
)
@click.option(
    "--out",
    default=str(SIMULATION_OUT),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
def simulate(days: int, products: int, seed: int, reliability: float, out: Path) -> None:
    """Trade a simulated period on a throwaway database; measure how often dates hold."""
    from .simulation import SimulationConfig, report, run_simulation

    config = SimulationConfig(days=days, products=products, seed=seed, reliability=reliability)
    started = time.perf_counter()
    with click.progressbar(length=days, label="Trading", file=sys.stderr) as bar:
        result = run_simulation(config, progress=bar.update)
    elapsed = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulation.json").write_text(report.as_json(result))
    (out / "simulation.svg").write_text(report.chart(result))
    click.echo(report.table(result.policies))
    click.echo(
        f"{result.counts.get('orders', 0)} orders, {len(result.records)} backordered lines, "
        f"in {elapsed:.1f} s. Wrote {out / 'simulation.json'} and {out / 'simulation.svg'}."
    )


@click.command("import-catalog")
@click.argument(
    "csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_catalog(csv_file: Path) -> None:
    """Create or update products from a catalog CSV file: every row, or none if one is bad."""
    try:
        rows = _read_csv(csv_file, catalog_csv.parse_catalog)
        summary = importing.import_catalog(rows)
    except ServiceError as error:
        _nothing_imported(error)
    click.echo(
        f"Imported {summary.products} products "
        f"({summary.created} created, {summary.updated} updated)."
    )


@click.command("import-inbound")
@click.argument(
    "csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_inbound(csv_file: Path) -> None:
    """Schedule the expected shipments in a CSV file: every row, or none if one is bad."""
    try:
        rows = _read_csv(csv_file, catalog_csv.parse_inbound)
        scheduled = importing.import_inbound(rows)
    except ServiceError as error:
        _nothing_imported(error)
    click.echo(f"Scheduled {scheduled} shipments.")


def _read_csv(csv_file: Path, parse):
    text = catalog_csv.decode_csv(csv_file.read_bytes())
    lines = io.StringIO(text, newline="").readlines()
    if len(lines) <= PROGRESS_FROM_LINES:
        return parse(lines)
    with click.progressbar(lines, label=f"Reading {csv_file.name}", file=sys.stderr) as progress:
        return parse(progress)


def _nothing_imported(error: ServiceError):
    click.echo(f"{error}\nNothing was imported.", err=True)
    raise SystemExit(1)


@click.group("outbox")
def outbox() -> None:
    """The emails waiting to go out."""


@outbox.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, for a service manager.")
def deliver(loop: bool) -> None:
    """Send the emails that are due (over SMTP, or into instance/mail without MAIL_SERVER)."""
    where = current_app.config["MAIL_SERVER"] or mail_directory()
    if not loop:
        report = deliver_due()
        click.echo(
            f"Sent {report.sent} email(s) to {where}; {report.retrying} to retry later, "
            f"{report.failed} failed for good."
        )
        return
    _deliver_until_stopped(where, current_app.config["MAIL_POLL_SECONDS"])


def _deliver_until_stopped(where, poll_seconds: float) -> None:
    """Deliver, then wait while nothing is due; SIGTERM or Ctrl-C stop after the message
    being sent (a message claimed but not sent is retried once its lease runs out)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"Delivering the outbox to {where} (Ctrl-C or SIGTERM stops).")
    try:
        while not stopping:
            try:
                tried = deliver_due().tried
            except Exception:  # a database outage must not end the worker
                current_app.logger.exception("Outbox delivery failed; trying again shortly.")
                db.session.rollback()
                tried = 0
            finally:
                db.session.remove()
            if not tried:
                _sleep_unless(stopping, poll_seconds)
    except KeyboardInterrupt:
        pass
    click.echo("Outbox delivery stopped.")


def _sleep_unless(stopping: list, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not stopping and time.monotonic() < end:
        time.sleep(min(0.2, seconds))
