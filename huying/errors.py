"""The errors of every domain, each with the HTTP status the API maps it to (the lowest
layer: the domains raise them, ``huying.http.errors`` words them for the API, the CLI and
the pages)."""

from __future__ import annotations

__all__ = ["CaseError", "Conflict", "IllegalTransition", "InvalidInput", "NotPermitted", "NotVisible", "Refused",
           "SettingError", "StaleVersion"]


class CaseError(Exception):
    http_status = 400


class InvalidInput(CaseError, ValueError):
    """Bad input: a field is missing, malformed or refers to nothing (HTTP 422)."""

    http_status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class SettingError(InvalidInput):
    """A bad edit of a city's settings (calendar, categories, SLA or routing rules):
    ``field`` as for :class:`InvalidInput` and ``reason``, a short key that the pages word
    in the person's language (``date``, ``duplicate``, ``depth`` ...)."""

    def __init__(self, message: str, field: str, reason: str | None = None) -> None:
        self.reason = reason or field
        super().__init__(message, field)


class NotPermitted(CaseError):
    """The actor may see the case but may not do this to it (HTTP 403)."""

    http_status = 403


class NotVisible(CaseError):
    """No such case, or not one the actor may see (HTTP 404: the two are not told apart)."""

    http_status = 404


class Conflict(CaseError):
    http_status = 409


class Refused(Conflict):
    """The case's state does not allow the action now: a guard of the workflow table says
    why (HTTP 409)."""


class StaleVersion(Conflict):
    """Someone else acted on the case first (optimistic concurrency)."""

    def __init__(self, code: str, expected: int | None, actual: int | None) -> None:
        self.code, self.expected, self.actual = code, expected, actual
        super().__init__(
            f"case {code} changed meanwhile (version {expected} expected, now {actual}): reload and try again"
        )


class IllegalTransition(Conflict):
    """The action is not allowed from this status for this role (HTTP 409, listing the
    actions that are)."""

    def __init__(self, status: str, action: str, role: str, allowed: list[str]) -> None:
        self.status, self.action, self.role, self.allowed = status, action, role, allowed
        Exception.__init__(
            self, f"{action!r} is not allowed for a {role} when the case is {str(status)!r}; "
            f"allowed: {', '.join(allowed) if allowed else 'nothing'}")
