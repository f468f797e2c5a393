"""What the staff product pages read: one product with its substitutes, and a product finder."""

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Product, Substitute

# A finder shows a handful of matches; the staff member types more to narrow them down.
FINDER_LIMIT = 10
MAX_FIND_LENGTH = 100


def product_for_settings(sku: str) -> Product | None:
    """The product and its ranked substitutes, or None (also for text no sku can be)."""
    if not sku or len(sku) > MAX_FIND_LENGTH or not sku.isprintable():
        return None
    return db.session.scalar(
        select(Product)
        .options(selectinload(Product.substitute_links).joinedload(Substitute.substitute))
        .where(Product.sku == sku)
    )


def find_products(text: str, limit: int = FINDER_LIMIT) -> list[Product]:
    """Products whose sku or name contains `text` (any case): exact sku first, then by name."""
    text = text.strip()[:MAX_FIND_LENGTH]
    if not text or not text.isprintable():
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    query = (
        select(Product)
        .where(
            or_(
                Product.sku.ilike(pattern, escape="\\"),
                Product.name.ilike(pattern, escape="\\"),
            )
        )
        .order_by((Product.sku != text), Product.name, Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
