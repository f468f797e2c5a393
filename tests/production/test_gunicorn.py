"""gunicorn with the shop's gunicorn.conf.py: what it says, and refuses, when it starts."""

import subprocess

from tests.production.conftest import BIN, ROOT, Server


def test_workers_counting_rate_limits_in_memory_are_announced_at_start(tmp_path):
    env = {
        "PATH": str(BIN),
        "STOREFRONT_INSTANCE_PATH": str(tmp_path),
        "STOREFRONT_SECRET_KEY": "x" * 32,
    }
    server = Server(env, workers=2)
    log = server.stop()
    assert "RATELIMIT_STORAGE_URI is memory://" in log
    assert "N workers allow N times the limit" in log


def test_production_settings_that_only_work_in_one_process_stop_the_server(tmp_path):
    env = {
        "PATH": str(BIN),
        "STOREFRONT_INSTANCE_PATH": str(tmp_path),
        "STOREFRONT_ENV": "production",
    }
    started = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", "127.0.0.1:0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "Refusing to start with STOREFRONT_ENV=production:" in started.stderr
    for named in ("SECRET_KEY is not set", "RATELIMIT_STORAGE_URI is memory://", "SQLite"):
        assert named in started.stderr
