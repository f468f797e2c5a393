"""Configuration: where settings come from and how the secret key is kept."""

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

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


# ---------- Production refuses what only works in one process ----------

POSTGRES = "postgresql+psycopg://shop@db.internal:5432/shop"


@pytest.fixture
def production(monkeypatch, tmp_path):
    """A complete production environment; each test takes one setting away."""
    monkeypatch.setenv("STOREFRONT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("STOREFRONT_ENV", "production")
    monkeypatch.setenv("STOREFRONT_SECRET_KEY", "a-long-random-value-shared-by-every-host")
    monkeypatch.setenv("STOREFRONT_RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    return monkeypatch


def test_production_starts_with_shared_key_redis_and_postgresql(production, tmp_path):
    from storefront import create_app

    app = create_app()
    assert app.config["ENV"] == "production"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == POSTGRES
    assert app.instance_path == str(tmp_path / "instance")
    assert not (tmp_path / "instance").exists()  # no key was generated


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("STOREFRONT_SECRET_KEY", None, "SECRET_KEY is not set"),
        ("STOREFRONT_RATELIMIT_STORAGE_URI", None, "RATELIMIT_STORAGE_URI is memory://"),
        ("STOREFRONT_RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI is memory://"),
        ("DATABASE_URL", None, "the database is SQLite"),
        ("DATABASE_URL", "sqlite:////var/lib/shop.sqlite3", "the database is SQLite"),
    ],
)
def test_production_refuses_each_single_process_setting(production, variable, value, named):
    from storefront import create_app
    from storefront.config import UnsafeConfiguration

    if value is None:
        production.delenv(variable)
    else:
        production.setenv(variable, value)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app()
    message = str(refused.value)
    assert message.startswith("Refusing to start with STOREFRONT_ENV=production:")
    assert named in message
    assert message.count("\n- ") == 1  # only the setting that is wrong is named


def test_development_allows_what_make_run_uses(monkeypatch, tmp_path):
    from storefront import create_app

    monkeypatch.setenv("STOREFRONT_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/storefront.sqlite3"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


def test_a_server_with_per_process_rate_limits_says_so_at_start(monkeypatch, tmp_path, capsys):
    from storefront import create_app

    monkeypatch.setenv("STOREFRONT_INSTANCE_PATH", str(tmp_path))
    create_app()
    warning = capsys.readouterr().err
    assert '"level": "warning"' in warning
    assert "N workers allow N times the limit" in warning

    monkeypatch.setenv("STOREFRONT_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    create_app()
    assert "N workers" not in capsys.readouterr().err
