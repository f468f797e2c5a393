"""Errors a use case reports to its caller, each with a message fit for a person."""


class ServiceError(Exception):
    """Nothing was changed; str(error) says why."""


class NotFound(ServiceError):
    pass


class InvalidRequest(ServiceError):
    pass
