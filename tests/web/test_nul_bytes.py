"""A NUL character anywhere in a request is refused at the door, alike on SQLite and PostgreSQL.

PostgreSQL cannot store or compare text holding a NUL; before the check at the boundary,
`/?q=%00` and a checkout name with one answered 500 there. Every route is walked from
the URL map: its text parts, its query string and every field of its form.
"""

import pytest

from storefront.catalog_csv import CsvError, parse_catalog, parse_inbound
from tests.conftest import days
from tests.web.routes import (
    database_digest,
    demo_shop,
    fill_cart,
    form_for,
    path_for,
    shop_rules,
    sign_in_staff,
    string_parts,
)

NUL = "\x00"
QUERY_NAMES = ["q", "category", "page", "available", "quantity", "v", "next", "value"]


@pytest.fixture
def shop(app, client):
    shop = demo_shop()
    sign_in_staff(client)
    fill_cart(client, shop)
    return shop


def refused(response) -> bool:
    return response.status_code in (400, 404)


def test_a_nul_in_any_part_of_a_path_is_refused(app, client, shop):
    before = database_digest()
    checked = []
    for rule in shop_rules(app, "GET") + shop_rules(app, "POST"):
        for part in string_parts(rule):
            path = path_for(app, rule, shop, **{part: f"a{NUL}b"})
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(path, method=method, data=form_for(shop, rule.endpoint))
            assert refused(response), (path, response.status_code)
            checked.append(path)
    assert "/products/a%00b" in checked and "/checkout/confirmation/a%00b" in checked
    assert database_digest() == before


def test_a_nul_in_any_query_parameter_of_any_page_is_refused(app, client, shop):
    before = database_digest()
    for rule in shop_rules(app, "GET"):
        path = path_for(app, rule, shop)
        for name in QUERY_NAMES:
            response = client.get(path, query_string={name: f"x{NUL}"})
            assert response.status_code == 400, (path, name, response.status_code)
            assert "NUL character" in response.get_data(as_text=True)
    assert database_digest() == before


def test_a_nul_in_any_field_of_any_form_is_refused_and_changes_nothing(app, client, shop):
    before = database_digest()
    rules = [r for r in shop_rules(app, "POST") if r.endpoint != "staff.logout"]
    logout = [r for r in shop_rules(app, "POST") if r.endpoint == "staff.logout"]
    for rule in rules + logout:  # signing out last, so the staff forms are reached signed in
        path = path_for(app, rule, shop)
        form = form_for(shop, rule.endpoint)
        for name in [*form, "extra"]:
            response = client.post(path, data={**form, name: f"{form.get(name, '')}{NUL}"})
            assert response.status_code == 400, (path, name, response.status_code)
        response = client.post(path, data={**form, f"na{NUL}me": "1"})
        assert response.status_code == 400, (path, "a NUL in a field's name")
    assert database_digest() == before
    assert client.get("/staff/restock").status_code == 200  # the NUL sign-out did not happen


def test_a_nul_in_a_catalog_file_is_a_line_error():
    lines = ["sku,name,price,stock\n", "MUG-1,Blue mug,12.50,4\n", "MUG-2,Green\x00mug,11,0\n"]
    with pytest.raises(CsvError) as error:
        parse_catalog(lines)
    assert error.value.line == 3
    assert "NUL character" in str(error.value)


def test_a_nul_in_an_inbound_file_is_a_line_error():
    with pytest.raises(CsvError) as error:
        parse_inbound(["sku,quantity,expected_on,reference\n", f"MUG-1,4,{days(9)},PO\x00\n"])
    assert str(error.value).startswith("line 2: contains a NUL character")


def test_the_import_command_reports_the_line_and_imports_nothing(runner, tmp_path):
    csv = tmp_path / "catalog.csv"
    csv.write_bytes(b"sku,name,price,stock\nMUG-1,Blue\x00mug,12.50,4\n")
    result = runner.invoke(args=["import-catalog", str(csv)])
    assert result.exit_code == 1
    assert "line 2: contains a NUL character" in result.output
    assert "Nothing was imported." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
