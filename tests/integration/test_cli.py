"""Operator commands, run as `flask --app storefront …` would run them."""


def test_receive_command_says_which_orders_it_filled(runner, make_product):
    from storefront.services.orders import Contact, Item, place_order

    product = make_product(sku="LAMP-1", on_hand=0)
    orders = [
        place_order(
            Contact(f"r{n}@example.com", "R", "1 St", "T", "1", "US"), [Item(product.id, 2)]
        )
        for n in range(2)
    ]
    result = runner.invoke(args=["receive", "LAMP-1", "3"])
    assert result.exit_code == 0, result.output
    assert f"Order {orders[0].number}: 2 unit(s) reserved" in result.output
    assert f"Order {orders[1].number}: 1 unit(s) reserved" in result.output
    assert "Received 3 × LAMP-1: 2 order(s) filled, 0 to stock on hand" in result.output
    refused = runner.invoke(args=["receive", "NOPE", "1"])
    assert refused.exit_code != 0 and "No product with sku 'NOPE'" in refused.output


def _order(product, n: int = 1):
    from storefront.services.orders import Contact, Item, place_order

    contact = Contact(f"r{n}@example.com", "R", "1 St", "T", "1", "US")
    return place_order(contact, [Item(product.id, 1)])


def test_outbox_deliver_writes_eml_files_without_a_mail_server(app, runner, make_product, tmp_path):
    from email import policy
    from email.parser import BytesParser

    app.config["MAIL_FILE_DIR"] = str(tmp_path / "mail")
    order = _order(make_product(on_hand=2))

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert f"Sent 1 email(s) to {tmp_path / 'mail'}; 0 to retry later" in result.output
    [eml] = (tmp_path / "mail").glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert (message["To"], message["Subject"]) == (order.email, f"Order {order.number} is placed")
    again = runner.invoke(args=["outbox", "deliver"])
    assert "Sent 0 email(s)" in again.output and len(list((tmp_path / "mail").glob("*"))) == 1


def test_outbox_deliver_loop_keeps_sending_until_sigterm(app, database_url, make_product, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    mail = tmp_path / "mail"
    env = os.environ | {
        "STOREFRONT_SQLALCHEMY_DATABASE_URI": database_url,
        "STOREFRONT_MAIL_FILE_DIR": str(mail),
        "STOREFRONT_MAIL_POLL_SECONDS": "0.2",
        "STOREFRONT_SECRET_KEY": "test-secret",
    }
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "storefront", "outbox", "deliver", "--loop"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        product = make_product(on_hand=5)
        for n in range(2):  # written while the worker runs: it picks them up by itself
            _order(product, n)
        deadline = time.monotonic() + 30
        while len(list(mail.glob("*.eml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(list(mail.glob("*.eml"))) == 2
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "Outbox delivery stopped." in output
