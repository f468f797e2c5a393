"""The demo catalog: every stock state the shop knows, with real orders waiting in queues."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from .catalog_csv import CatalogRow
from .extensions import db
from .models import Product
from .services import importing, orders, shipments
from .services.staff_accounts import set_staff_password

DEMO_STAFF_EMAIL = "staff@example.com"
DEMO_STAFF_PASSWORD = "demo-staff-password"

# sku, name, category, price in cents, on hand, extra product fields
PRODUCTS: list[tuple[str, str, str, int, int, dict[str, Any]]] = [
    ("KIT-KETTLE", "Copper Kettle", "Kitchen", 5900, 40, {}),
    ("KIT-PRESS", "French Press", "Kitchen", 3400, 3, {}),
    ("KIT-GRINDER", "Burr Coffee Grinder", "Kitchen", 12900, 0, {"backorder_discount_pct": 10}),
    ("KIT-SCALE", "Pour-over Scale", "Kitchen", 4500, 25, {}),
    ("KIT-KNIFE", "Chef's Knife", "Kitchen", 8900, 0, {"allow_backorders": False}),
    ("KIT-BOARD", "Walnut Cutting Board", "Kitchen", 6200, 12, {}),
    ("GAR-SHEARS", "Pruning Shears", "Garden", 2800, 60, {}),
    ("GAR-HOSE", "Expandable Garden Hose", "Garden", 3900, 2, {}),
    ("GAR-BARROW", "Steel Wheelbarrow", "Garden", 14900, 0, {"backorder_free_shipping": True}),
    ("GAR-GLOVES", "Leather Garden Gloves", "Garden", 1900, 80, {}),
    ("GAR-PLANTER", "Cedar Raised Planter", "Garden", 18900, 0, {"backorder_limit": 4}),
    ("GAR-SEEDS", "Heirloom Seed Box", "Garden", 2400, 15, {}),
    (
        "WRK-DRILL",
        "Cordless Drill",
        "Workshop",
        11900,
        0,
        {"backorder_discount_pct": 15, "backorder_free_shipping": True},
    ),
    ("WRK-DRIVER", "Impact Driver", "Workshop", 10900, 9, {}),
    ("WRK-SAW", "Japanese Pull Saw", "Workshop", 4200, 4, {}),
    ("WRK-CLAMPS", "Bar Clamp Set", "Workshop", 5600, 0, {"backorder_limit": 10}),
    ("WRK-BENCH", "Folding Workbench", "Workshop", 16900, 0, {"allow_backorders": False}),
    ("WRK-LEVEL", "Spirit Level", "Workshop", 2200, 30, {}),
    ("OUT-TENT", "Two-Person Tent", "Outdoors", 24900, 0, {"backorder_discount_pct": 5}),
    ("OUT-STOVE", "Camping Stove", "Outdoors", 7900, 18, {}),
    ("OUT-LAMP", "Rechargeable Lantern", "Outdoors", 3900, 1, {}),
    ("OUT-BAG", "Down Sleeping Bag", "Outdoors", 19900, 0, {}),
    ("OUT-BOTTLE", "Insulated Bottle", "Outdoors", 2900, 100, {}),
    ("OUT-CHAIR", "Camp Chair", "Outdoors", 4900, 7, {}),
]

SUBSTITUTES = {
    "KIT-GRINDER": ["KIT-SCALE", "KIT-PRESS"],
    "KIT-KNIFE": ["KIT-BOARD"],
    "GAR-BARROW": ["GAR-SHEARS"],
    "GAR-PLANTER": ["GAR-SEEDS"],
    "WRK-DRILL": ["WRK-DRIVER"],
    "WRK-CLAMPS": ["WRK-SAW"],
    "WRK-BENCH": ["WRK-LEVEL"],
    "OUT-TENT": ["OUT-CHAIR", "OUT-STOVE"],
    "OUT-BAG": ["OUT-LAMP"],
}

# sku, units, days from today: scheduled supply that dates the queues.
SHIPMENTS = [
    ("KIT-GRINDER", 6, 9, "PO-2041"),
    ("KIT-GRINDER", 10, 23, "PO-2057"),
    ("GAR-BARROW", 3, 12, "PO-2043"),
    ("WRK-DRILL", 5, 6, "PO-2039"),
    ("WRK-CLAMPS", 4, 15, "PO-2050"),
    ("OUT-TENT", 2, 20, "PO-2052"),
]

# sku, units: demo customers already waiting (the tent's queue outgrows its shipment).
WAITING_ORDERS = [
    ("KIT-GRINDER", 2),
    ("KIT-GRINDER", 3),
    ("GAR-BARROW", 1),
    ("GAR-PLANTER", 4),
    ("WRK-DRILL", 2),
    ("WRK-CLAMPS", 3),
    ("OUT-TENT", 1),
    ("OUT-TENT", 2),
]

DESCRIPTION = (
    "A sturdy, well-made {name} from our {category} range. Every unit is checked before it "
    "ships. If it is out of stock, we tell you before you order whether a scheduled shipment "
    "covers it and by which date it ships, or that the date is still to be confirmed."
)


def catalog_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Product))


def seed_demo(today: date | None = None) -> dict[str, int]:
    """Load the demo shop through the same services staff and shoppers use."""
    today = today or date.today()
    importing.import_catalog(
        [
            CatalogRow(
                line=n,
                sku=sku,
                name=name,
                price_cents=price,
                stock=on_hand,
                category=category,
                description=DESCRIPTION.format(name=name.lower(), category=category),
                substitutes=tuple(SUBSTITUTES.get(sku, ())),
                sets_backorder_limit="backorder_limit" in extra,
                slug=sku.lower(),
                **extra,
            )
            for n, (sku, name, category, price, on_hand, extra) in enumerate(PRODUCTS, start=2)
        ]
    )
    set_staff_password(DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD)
    id_of = dict(db.session.execute(select(Product.sku, Product.id)).all())
    shipments.schedule_shipments(
        [
            (id_of[sku], units, today + timedelta(days=days), reference)
            for sku, units, days, reference in SHIPMENTS
        ]
    )
    for n, (sku, units) in enumerate(WAITING_ORDERS, start=1):
        contact = orders.Contact(
            email=f"customer{n}@example.com",
            name=f"Demo Customer {n}",
            address_line1=f"{n} Market Street",
            city="Springfield",
            postcode="12345",
            country="US",
        )
        orders.place_order(contact, [orders.Item(id_of[sku], units)])
    return {"products": len(PRODUCTS), "shipments": len(SHIPMENTS), "orders": len(WAITING_ORDERS)}
