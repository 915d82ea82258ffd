"""CSRF guard: writes authenticated by the session cookie must come from an allowed origin."""

from collections.abc import Collection
from urllib.parse import urlsplit

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossSiteRequestError(Exception):
    """A state-changing request carried the session cookie from an origin that is not allowed."""


def ensure_allowed_origin(request: Request, allowed_origins: Collection[str]) -> None:
    """Refuse a cookie-authenticated write unless its ``Origin`` (else ``Referer``) is allowed.

    Browsers attach cookies to requests any web site makes, so a cookie alone does not show
    the user meant the request; the origin the browser stamps on it does. A write with neither
    header is refused too: every browser sends ``Origin`` on cross-origin and POST requests,
    and non-browser clients should send the token as ``Authorization: Bearer`` instead, which
    no other site can attach and which is therefore exempt. Reads change nothing and are let
    through (CORS keeps their answers from other sites).
    """
    if request.method in SAFE_METHODS:
        return
    origin = request_origin(request)
    allowed = {_normalized(item) for item in allowed_origins}
    if origin is None or origin not in allowed:
        raise CrossSiteRequestError(origin or "none")


def request_origin(request: Request) -> str | None:
    """The origin the browser says the request comes from; None when unknown or ambiguous."""
    origins = request.headers.getlist("origin")
    if len(origins) > 1:
        return None
    if origins:
        return _normalized(origins[0])
    referers = request.headers.getlist("referer")
    if len(referers) != 1:
        return None
    try:
        parts = urlsplit(referers[0].strip())
        port = parts.port
    except ValueError:  # an unparsable URL or port
        return None
    if not parts.scheme or not parts.hostname:
        return None
    suffix = "" if port is None or _DEFAULT_PORTS.get(parts.scheme.lower()) == port else f":{port}"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return _normalized(f"{parts.scheme}://{host}{suffix}")


def _normalized(origin: str) -> str:
    return origin.strip().rstrip("/").lower()
