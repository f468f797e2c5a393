"""Every shop action logged with its result; only numbers and ids, never a person's details."""

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import inspect as orm_inspect

from ..logs import log_event
from ..models import Order, OrderLine
from .errors import ServiceError

log = logging.getLogger("storefront.action")

P = ParamSpec("P")
R = TypeVar("R")


def logged(
    action: str,
    arguments: tuple[str, ...] = (),
    result: Callable[[Any], dict[str, Any]] = lambda _: {},
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log `action` once per call: its `arguments` (by name) and what `result` picks from
    the return value, with `result=ok`, `refused` (a ServiceError: the reason's class) or
    `failed`. Name only arguments that hold ids and counts: never an email or a token.
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(service)

        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            fields = {name: bound.arguments[name] for name in arguments}
            started = time.perf_counter()
            try:
                answer = service(*args, **kwargs)
            except ServiceError as error:
                _log(action, fields, started, result="refused", reason=type(error).__name__)
                raise
            except Exception as error:
                _log(action, fields, started, logging.ERROR, "failed", type(error).__name__)
                raise
            _log(action, fields | result(answer), started)
            return answer

        return run

    return decorate


def _log(action, fields, started, level=logging.INFO, result="ok", reason=None) -> None:
    extra = {"reason": reason} if reason else {}
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    log_event(log, action, level, **fields, **extra, result=result, duration_ms=duration_ms)


def order_number(order: Order) -> dict[str, Any]:
    """The order's number, read from its identity (the session may have expired it)."""
    identity: tuple[Any, ...] | None = orm_inspect(order).identity
    return {"order": Order.number_for_id(identity[0])} if identity else {}


def switched_to(line: OrderLine) -> dict[str, Any]:
    identity: tuple[Any, ...] | None = orm_inspect(line).identity
    return {"new_line_id": identity[0]} if identity else {}
