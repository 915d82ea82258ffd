"""Who the caller is, and the two ways finding out can fail."""

from dataclasses import dataclass
from datetime import datetime

from application.errors import ApplicationError


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    """The caller, as vouched for by the identity provider; ``id`` is the token's subject."""

    id: str
    email: str | None = None
    name: str | None = None
    expires_at: datetime | None = None
    """When the credential stops vouching for this user (a JWT's ``exp``), if known."""


class AuthenticationError(ApplicationError):
    """The credential is missing or not acceptable.

    ``reason`` is a short machine-readable cause for logs and metrics (``expired``,
    ``bad_signature``, ``unknown_key``...). It is never shown to the client, who always gets
    the same generic answer so that probing teaches nothing.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthUnavailableError(ApplicationError):
    """No signing key can be had right now, so no credential can be judged either way."""
