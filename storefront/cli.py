"""The `flask --app storefront …` commands for operators."""

from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from .extensions import db
from .models import StaffUser


def init_app(app: Flask) -> None:
    for command in (init_db, create_staff):
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
