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
