"""The `flask --app storefront …` commands for operators."""

import io
import sys
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade

from . import catalog_csv, demo
from .queries.catalog import product_id_for_sku
from .services import ServiceError, importing
from .services.receiving import receive_stock
from .services.shipments import products_to_refresh, refresh_all_promises
from .services.staff_accounts import set_staff_password

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
