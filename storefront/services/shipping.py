"""Shipping: the units reserved for an order leave the warehouse."""

from collections import defaultdict

from ..database import retry_on_conflict, write_transaction
from ..models import EventKind, Order
from .errors import InvalidRequest, NotFound
from .inventory import lock_products, lock_waiting_orders
from .timeline import Timeline


@retry_on_conflict
def ship_order(order_id: int) -> Order:
    """Ship every reserved unit of the order."""
    with write_transaction() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound("No such order.")
        lock_products(session, {line.product_id for line in order.lines})
        lock_waiting_orders(session, [], also=[order.id])
        for line in order.lines:
            session.refresh(line)
        shipped = defaultdict(int)
        timeline = Timeline()
        for line in order.lines:
            if line.allocated:
                shipped[line.product.name] += line.allocated
                line.shipped += line.allocated
                line.allocated = 0
        if not shipped:
            raise InvalidRequest("Nothing in this order is ready to ship.")
        listed = ", ".join(f"{units} × {name}" for name, units in shipped.items())
        timeline.add(order.id, EventKind.SHIPPED, f"Shipped: {listed}.")
        session.flush()
        timeline.write(session)
        return order
