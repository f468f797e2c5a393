"""Static files under hashed names kept for a year, and pages gzipped for clients that take it."""

import gzip
import hashlib
import re
from pathlib import Path

import pytest

from storefront.demo import seed_demo
from tests.web.routes import status_url, waiting_order_token

STATIC = Path(__file__).resolve().parents[2] / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def shop(app):
    seed_demo()


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_static_files_by_their_contents_hash(client, shop):
    urls = static_urls(client.get("/").get_data(as_text=True))
    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", url) for url in urls} >= {
        "/static/css/shop.css",
        "/static/vendor/htmx-2.0.11/htmx.min.js",
        "/static/favicon.svg",
    }
    for url in urls:
        plain = re.sub(r"\.([0-9a-f]{12})\.", ".", url).removeprefix("/static/")
        digest = re.search(r"\.([0-9a-f]{12})\.", url).group(1)
        body = (STATIC / plain).read_bytes()
        assert hashlib.sha256(body).hexdigest()[:12] == digest
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_data() == body
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_wrong_hash_is_not_found_and_the_plain_name_is_revalidated(client, shop):
    assert client.get("/static/css/shop.0123456789ab.css").status_code == 404
    assert client.get("/static/css/no-such.css").status_code == 404
    assert client.get("/static/../storefront/config.py").status_code == 404
    plain = client.get("/static/css/shop.css")
    assert plain.status_code == 200
    assert plain.get_data() == (STATIC / "css/shop.css").read_bytes()
    assert "no-cache" in plain.headers["Cache-Control"]
    assert "immutable" not in plain.headers["Cache-Control"]


def test_static_files_are_gzipped_for_clients_that_take_it(client, shop):
    css = next(u for u in static_urls(client.get("/").get_data(as_text=True)) if "shop." in u)
    packed = client.get(css, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == (STATIC / "css/shop.css").read_bytes()
    assert "Content-Encoding" not in client.get(css).headers
    refused = client.get(css, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_pages_are_gzipped_for_clients_that_take_it(client, shop):
    for url in ("/", "/track", "/cart"):
        plain = client.get(url)
        packed = client.get(url, headers=GZIP)
        assert packed.status_code == plain.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert "Content-Encoding" not in plain.headers
        text = gzip.decompress(packed.get_data()).decode()
        assert text.startswith("<!doctype html>")
        assert len(packed.get_data()) < len(plain.get_data()) / 2


def test_a_gzipped_page_still_answers_its_etag(client, shop):
    packed = client.get("/", headers=GZIP)
    etag = packed.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304


def test_tiny_and_empty_answers_are_not_compressed(client, shop):
    html = client.get("/orders/" + waiting_order_token()).get_data(as_text=True)
    status = status_url(html)
    poll = client.get(status, headers=GZIP)
    assert poll.status_code == 204
    assert "Content-Encoding" not in poll.headers
    assert "Content-Encoding" not in client.get("/healthz", headers=GZIP).headers


def test_only_answers_that_read_the_session_vary_on_cookie(client, shop):
    html = client.get("/orders/" + waiting_order_token()).get_data(as_text=True)
    status = status_url(html)
    css = next(u for u in static_urls(html) if "shop." in u)
    for url in (status, css, "/healthz", "/products/kit-grinder/image.svg"):
        response = client.get(url)
        assert response.status_code < 300, url
        assert "Cookie" not in response.vary, url
    # The header's cart count comes from the session: a shared cache must keep them apart.
    for url in ("/", "/cart", "/products/kit-grinder"):
        assert "Cookie" in client.get(url).vary, url
