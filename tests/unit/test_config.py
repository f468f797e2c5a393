"""Configuration: where settings come from and how the secret key is kept."""

import stat
from concurrent.futures import ThreadPoolExecutor

from storefront.config import instance_secret_key, normalise_database_url


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_workers_starting_together_share_one_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: instance_secret_key(tmp_path), range(16)))
    assert len(keys) == 1


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_environment_overrides_code_defaults(monkeypatch, tmp_path):
    from storefront import create_app

    monkeypatch.setenv("STOREFRONT_SECRET_KEY", "from-env")
    monkeypatch.setenv("STOREFRONT_HANDLING_DAYS", "5")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    app = create_app()
    assert app.config["HANDLING_DAYS"] == 5
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")


def test_behind_a_trusted_proxy_the_client_address_comes_from_it(tmp_path):
    from flask import request

    from storefront import create_app

    def client_address(proxies: int) -> str:
        app = create_app(
            {
                "SECRET_KEY": "x",
                "TRUSTED_PROXIES": proxies,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3",
            }
        )
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
        return (
            app.test_client()
            .get(
                "/whoami",
                headers={"X-Forwarded-For": "203.0.113.7"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
            .get_data(as_text=True)
        )

    assert client_address(0) == "10.0.0.2"
    assert client_address(1) == "203.0.113.7"
