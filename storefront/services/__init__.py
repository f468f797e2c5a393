"""Use cases: each is one function running in one transaction."""

from .errors import InvalidRequest, NotFound, ServiceError

__all__ = ["InvalidRequest", "NotFound", "ServiceError"]
