"""The `flask --app storefront …` commands for operators."""

from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from . import demo
from .extensions import db
from .models import StaffUser
from .services import ServiceError
from .services.stock import product_id_for_sku, receive_stock


def init_app(app: Flask) -> None:
    for command in (init_db, create_staff, seed_demo, receive):
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
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("give the staff member's email address", param_hint="EMAIL")
    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="--password")
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    created = user is None
    if created:
        user = StaffUser(email=email)
        db.session.add(user)
    user.set_password(password)
    db.session.commit()
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
    try:
        result = receive_stock(product_id_for_sku(sku), quantity)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    for filled in result.filled:
        click.echo(f"Order {filled.order_number}: {filled.units} unit(s) reserved, ready to ship.")
    click.echo(
        f"Received {result.received} × {result.product_sku}: {len(result.filled)} order(s) "
        f"filled, {result.to_on_hand} to stock on hand, {result.dates_changed} date(s) moved."
    )
