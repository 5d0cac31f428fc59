"""Use-case operations: plain functions taking a session; they flush, never commit."""


class DomainError(Exception):
    """A rule refused the request; the message is fit to show the user."""


class AccessDenied(DomainError):
    pass


class NotFound(DomainError):
    pass
