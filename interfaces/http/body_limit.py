"""BodyLimitMiddleware: refuses oversized request bodies with a JSON 413, chunked ones included."""

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A refused body is still read (and dropped) up to this many times the limit, for at most
# this long: closing a socket with unread bytes makes the kernel reset the connection, and
# over real TCP the client then sees a connection error instead of the 413.
DRAIN_FACTOR = 4
DRAIN_SECONDS = 5.0


class _BodyTooLargeError(Exception):
    pass


class BodyLimitMiddleware:
    """Pure ASGI, outermost: counts the bytes actually received, not only ``Content-Length``.

    Starlette's own limit answers in plain text; every error here is ``{"detail": ...}``.
    Once the limit is crossed the app's own answer (whatever it made of the broken body) is
    dropped and replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared > self.max_body_bytes:
            if declared <= self.max_body_bytes * DRAIN_FACTOR:
                await self._drain(receive, already_read=0)
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        started = False
        complete = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded, complete
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body_bytes:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            if not complete:
                await self._drain(receive, already_read=received)
            await self._refuse(send)

    async def _drain(self, receive: Receive, already_read: int) -> None:
        """Read the rest of the body, dropping it, within the drain budget of bytes and time."""
        budget = self.max_body_bytes * DRAIN_FACTOR - already_read
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                while budget >= 0:
                    message = await receive()
                    if message["type"] != "http.request":
                        return
                    budget -= len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return
        except TimeoutError:
            return

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"Request body over {self.max_body_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
