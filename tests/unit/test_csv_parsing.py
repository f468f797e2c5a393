"""Reading catalog and inbound CSV files: values, defaults, and errors with their line."""

import io
from datetime import date, timedelta

import pytest

from storefront.catalog_csv import (
    CsvError,
    decode_csv,
    parse_catalog,
    parse_inbound,
    slugify,
)


def lines(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


def catalog(*rows: str, header: str = "sku,name,price,stock") -> list:
    return parse_catalog(lines("\n".join([header, *rows]) + "\n"))


def catalog_error(*rows: str, header: str = "sku,name,price,stock") -> CsvError:
    with pytest.raises(CsvError) as caught:
        catalog(*rows, header=header)
    return caught.value


# A fixed "today" keeps the 2031 dates below within the three years a shipment may be due.
TODAY = date(2030, 6, 1)


def inbound(*rows: str, header: str = "sku,quantity,expected_on", today: date = TODAY) -> list:
    return parse_inbound(lines("\n".join([header, *rows]) + "\n"), today=today)


def inbound_error(
    *rows: str, header: str = "sku,quantity,expected_on", today: date = TODAY
) -> CsvError:
    with pytest.raises(CsvError) as caught:
        inbound(*rows, header=header, today=today)
    return caught.value


# Catalog: values ---------------------------------------------------------------------------


def test_reads_required_columns_with_line_numbers():
    rows = catalog("MUG-1,Blue mug,12.50,3", "TEA-1,Green tea,4,0")
    assert [(r.line, r.sku, r.name, r.price_cents, r.stock) for r in rows] == [
        (2, "MUG-1", "Blue mug", 1250, 3),
        (3, "TEA-1", "Green tea", 400, 0),
    ]


@pytest.mark.parametrize(
    ("price", "cents"),
    [("12.5", 1250), ("12.50", 1250), ("1299", 129900), ("0", 0), ("0.99", 99), (".5", 50)],
)
def test_price_in_currency_units_becomes_cents(price, cents):
    assert catalog(f"A,Thing,{price},1")[0].price_cents == cents


def test_strips_whitespace_around_values_and_column_names():
    row = catalog("  A-1 ,  Blue mug  , 12.50 , 3 ", header=" SKU , Name,price ,stock")[0]
    assert (row.sku, row.name, row.price_cents, row.stock) == ("A-1", "Blue mug", 1250, 3)


def test_columns_may_come_in_any_order():
    row = catalog("3,12.50,Blue mug,A-1", header="stock,price,name,sku")[0]
    assert (row.sku, row.name, row.price_cents, row.stock) == ("A-1", "Blue mug", 1250, 3)


def test_a_utf8_byte_order_mark_is_ignored():
    text = decode_csv("\ufeffsku,name,price,stock\nA,Crème brûlée set,5,1\n".encode())
    assert parse_catalog(lines(text))[0].name == "Crème brûlée set"


def test_a_byte_order_mark_left_in_the_text_is_ignored_too():
    assert parse_catalog(lines("\ufeffsku,name,price,stock\nA,Mug,5,1\n"))[0].sku == "A"


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers():
    text = "sku,name,price,stock\n\nA,Mug,5,1\n   \n,,,\nB,Cup,x,1\n"
    with pytest.raises(CsvError) as caught:
        parse_catalog(lines(text))
    assert caught.value.line == 6


def test_a_quoted_value_spanning_lines_keeps_later_line_numbers_physical():
    text = 'sku,name,price,stock,description\nA,Mug,5,1,"two\nlines"\nB,Cup,-1,1,\n'
    with pytest.raises(CsvError) as caught:
        parse_catalog(lines(text))
    assert caught.value.line == 4


def test_windows_line_endings_are_read():
    rows = parse_catalog(lines("sku,name,price,stock\r\nA,Mug,5,1\r\nB,Cup,6,2\r\n"))
    assert [(r.line, r.sku) for r in rows] == [(2, "A"), (3, "B")]


def test_optional_columns_are_read():
    header = (
        "sku,name,price,stock,category,description,backorders,backorder_limit,"
        "backorder_discount_pct,backorder_free_shipping,substitutes,low_stock_threshold"
    )
    row = catalog("A,Mug,5,0,Kitchen,A big mug,DENY,10,15,Yes, B ; C ;,2", header=header)[0]
    assert row.category == "Kitchen"
    assert row.description == "A big mug"
    assert row.allow_backorders is False
    assert (row.sets_backorder_limit, row.backorder_limit) == (True, 10)
    assert row.backorder_discount_pct == 15
    assert row.backorder_free_shipping is True
    assert row.substitutes == ("B", "C")
    assert row.low_stock_threshold == 2


def test_absent_or_empty_optional_values_mean_default_or_unchanged():
    absent = catalog("A,Mug,5,0")[0]
    empty = catalog(
        "A,Mug,5,0,,,,,",
        header="sku,name,price,stock,category,description,backorders,"
        "backorder_discount_pct,low_stock_threshold",
    )[0]
    for row in (absent, empty):
        assert row.category is None
        assert row.description is None
        assert row.allow_backorders is None
        assert row.backorder_discount_pct is None
        assert row.low_stock_threshold is None


def test_an_empty_backorder_limit_means_no_limit_but_an_absent_column_keeps_it():
    assert catalog("A,Mug,5,0")[0].sets_backorder_limit is False
    row = catalog("A,Mug,5,0,", header="sku,name,price,stock,backorder_limit")[0]
    assert (row.sets_backorder_limit, row.backorder_limit) == (True, None)


def test_an_empty_substitutes_cell_clears_them_but_an_absent_column_keeps_them():
    assert catalog("A,Mug,5,0")[0].substitutes is None
    assert catalog("A,Mug,5,0,", header="sku,name,price,stock,substitutes")[0].substitutes == ()


def test_header_only_gives_no_rows():
    assert catalog() == []


# Catalog: errors ---------------------------------------------------------------------------


def test_an_empty_file_is_an_error_on_line_1():
    with pytest.raises(CsvError) as caught:
        parse_catalog(lines(""))
    assert caught.value.line == 1
    assert "header" in str(caught.value)


def test_a_missing_required_column_is_named():
    error = catalog_error("A,Mug,5", header="sku,name,price")
    assert error.line == 1
    assert "stock" in str(error)


def test_unknown_columns_are_named():
    error = catalog_error("A,Mug,5,1,x,y", header="sku,name,price,stock,colour,weight")
    assert error.line == 1
    assert "colour, weight" in str(error)


def test_a_repeated_column_is_an_error():
    error = catalog_error("A,Mug,5,1,6", header="sku,name,price,stock,price")
    assert (error.line, "price" in str(error)) == (1, True)


def test_error_message_starts_with_the_line():
    error = catalog_error("A,Mug,5,1", "B,Cup,5,1", "C,Jug,12.5.0,1")
    assert error.line == 4
    assert str(error).startswith("line 4: price must be a number like 12.50")


@pytest.mark.parametrize("price", ["abc", "12,50", "$12", "1e3", "+5", "NaN", "12 50"])
def test_a_price_that_is_not_a_plain_number_is_rejected(price):
    error = catalog_error("A,Mug,5,1", f'B,Cup,"{price}",1')
    assert error.line == 3
    assert "price must be a number like 12.50" in str(error)


def test_a_negative_price_is_rejected():
    error = catalog_error("A,Mug,-1.00,1")
    assert (error.line, "negative" in str(error)) == (2, True)


def test_a_price_with_more_than_two_decimals_is_rejected():
    error = catalog_error("A,Mug,12.505,1")
    assert (error.line, "2 decimals" in str(error)) == (2, True)


def test_an_absurd_price_is_rejected():
    assert "at most" in str(catalog_error("A,Mug,99999999,1"))


@pytest.mark.parametrize("stock", ["-1", "2.5", "three", "1000001", ""])
def test_stock_must_be_a_whole_number_from_zero(stock):
    error = catalog_error(f"A,Mug,5,{stock}")
    assert error.line == 2
    assert "stock" in str(error)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("backorders", "maybe", "allow or deny"),
        ("backorder_free_shipping", "true", "yes or no"),
        ("backorder_discount_pct", "101", "from 0 to 100"),
        ("backorder_discount_pct", "12.5", "whole number"),
        ("backorder_limit", "-3", "whole number"),
        ("low_stock_threshold", "many", "whole number"),
    ],
)
def test_bad_optional_values_are_rejected_with_their_column(column, value, words):
    error = catalog_error(
        "A,Mug,5,1,", f"B,Cup,5,1,{value}", header=f"sku,name,price,stock,{column}"
    )
    assert error.line == 3
    assert column in str(error)
    assert words in str(error)


def test_a_duplicate_sku_is_reported_at_its_second_line():
    error = catalog_error("A,Mug,5,1", "B,Cup,5,1", "A,Mug again,5,1")
    assert error.line == 4
    assert "first on line 2" in str(error)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (",Mug,5,1", "sku is required"),
        ("A,,5,1", "name is required"),
        (f"{'S' * 65},Mug,5,1", "sku must be at most 64"),
        (f"A,{'n' * 201},5,1", "name must be at most 200"),
        ("A;B,Mug,5,1", "must not contain ';'"),
    ],
)
def test_sku_and_name_are_checked(row, words):
    error = catalog_error(row)
    assert (error.line, words in str(error)) == (2, True)


def test_a_row_with_a_wrong_number_of_values_is_rejected():
    error = catalog_error("A,Mug,5,1", "B,Cup,5")
    assert (error.line, "3 values" in str(error)) == (3, True)


def test_a_product_cannot_be_its_own_substitute():
    error = catalog_error("A,Mug,5,1,B;A", header="sku,name,price,stock,substitutes")
    assert (error.line, "own substitute" in str(error)) == (2, True)


def test_a_substitute_listed_twice_is_rejected():
    error = catalog_error("A,Mug,5,1,B;C;B", header="sku,name,price,stock,substitutes")
    assert (error.line, "listed twice" in str(error)) == (2, True)


def test_an_unclosed_quote_is_reported():
    with pytest.raises(CsvError) as caught:
        parse_catalog(lines('sku,name,price,stock\nA,"Mug,5,1\n'))
    assert caught.value.line == 2


def test_text_that_is_not_utf8_is_reported_with_its_line():
    with pytest.raises(CsvError) as caught:
        decode_csv("sku,name,price,stock\nA,Crème,5,1\n".encode("latin-1"))
    assert caught.value.line == 2
    assert "UTF-8" in str(caught.value)


# Inbound -----------------------------------------------------------------------------------


def test_reads_inbound_rows():
    rows = inbound("A,10,2031-05-04", " B , 3 , 2031-06-01 ")
    assert [(r.line, r.sku, r.quantity, r.expected_on, r.reference) for r in rows] == [
        (2, "A", 10, date(2031, 5, 4), ""),
        (3, "B", 3, date(2031, 6, 1), ""),
    ]


def test_inbound_reference_is_optional():
    header = "reference,sku,quantity,expected_on"
    assert inbound("PO-7,A,10,2031-05-04", header=header)[0].reference == "PO-7"


@pytest.mark.parametrize("quantity", ["0", "-2", "1000001", "1.5", "ten"])
def test_inbound_quantity_is_a_whole_number_from_one(quantity):
    error = inbound_error("A,1,2031-05-04", f"A,{quantity},2031-05-04")
    assert error.line == 3
    assert "quantity must be a whole number from 1 to 1,000,000" in str(error)


@pytest.mark.parametrize("day", ["2031-02-30", "04/05/2031", "20310504", "2031-5-4", "soon"])
def test_inbound_expected_on_is_an_iso_date(day):
    error = inbound_error(f"A,1,{day}")
    assert error.line == 2
    assert "expected_on must be a date like" in str(error)


def test_inbound_dates_from_today_to_three_years_on_are_accepted():
    rows = inbound("A,1,2030-06-01", "A,1,2033-06-01")
    assert [row.expected_on for row in rows] == [date(2030, 6, 1), date(2033, 6, 1)]


@pytest.mark.parametrize("day", ["2030-05-31", "2033-06-02", "9999-12-31"])
def test_inbound_expected_on_is_from_today_to_three_years_on(day):
    error = inbound_error("A,1,2031-05-04", f"A,1,{day}")
    assert str(error) == (
        f"line 3: expected_on must be from today (2030-06-01) to 2033-06-01, not '{day}'"
    )


def test_three_years_from_29_february_ends_on_28_february():
    leap_day = date(2028, 2, 29)
    assert inbound("A,1,2031-02-28", today=leap_day)[0].expected_on == date(2031, 2, 28)
    assert inbound_error("A,1,2031-03-01", today=leap_day).line == 2


def test_inbound_dates_are_checked_against_the_real_today_by_default():
    today = date.today()
    text = f"sku,quantity,expected_on\nA,1,{today}\nA,1,{today - timedelta(days=1)}\n"
    with pytest.raises(CsvError) as caught:
        parse_inbound(lines(text))
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("row", "column"),
    [(",1,2031-05-04", "sku"), ("A,,2031-05-04", "quantity"), ("A,1,", "expected_on")],
)
def test_inbound_values_are_required(row, column):
    error = inbound_error(row)
    assert str(error) == f"line 2: {column} is required"


def test_inbound_header_is_checked():
    error = inbound_error("A,1,2031-05-04", header="sku,qty,expected_on")
    assert error.line == 1
    assert "quantity" in str(error) and "qty" in str(error)


def test_inbound_reference_has_a_maximum_length():
    error = inbound_error(
        f"A,1,2031-05-04,{'r' * 121}", header="sku,quantity,expected_on,reference"
    )
    assert (error.line, "reference must be at most 120" in str(error)) == (2, True)


# Slugs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Blue Mug", "blue-mug"),
        ("  Crème Brûlée — Set #2 ", "creme-brulee-set-2"),
        ("UPPER_and_lower", "upper-and-lower"),
        ("日本茶", ""),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug
