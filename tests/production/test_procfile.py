"""The Procfile runs with `honcho start`: the web server answers /readyz, the daily job runs."""

import json
import os
import signal
import subprocess
import time
import urllib.request

from tests.production.conftest import BIN, ROOT, free_port, wait_until_answers


def test_honcho_starts_the_procfile_and_the_shop_is_ready(shared_services, shop):
    # The mail worker's command arrives with email delivery; until then it is left out.
    processes = ["web", "clock"] + (["worker"] if "outbox" in shop.cli.commands else [])
    port = free_port()
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start", "--no-colour", "-p", str(port), *processes],
        cwd=ROOT,
        env={**shared_services, "WEB_CONCURRENCY": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/readyz", honcho, seconds=45)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert json.load(response) == {"status": "ok", "database": "ok", "redis": "ok"}
        time.sleep(3)  # the clock's first refresh-promises is quick; give it a moment
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        output, _ = honcho.communicate(timeout=30)
    assert "Checked the promise dates of" in output, output
    assert '"path": "/readyz", "status": 200' not in output  # health checks log quietly
    for name in processes:
        assert f"{name}.1" in output, output
    assert "Traceback" not in output, output
