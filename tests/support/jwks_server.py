"""A real JWKS endpoint on loopback whose behaviour tests can switch, counting every request."""

import http.server
import json
import threading
import time
from typing import Any


class JwksServer:
    """Serves ``document`` at ``/jwks``; ``mode`` turns it into the faults tests need.

    Modes: ``ok``, ``error`` (500), ``html``, ``hang`` (sleeps ``hang_seconds``), ``redirect``,
    ``huge`` (a 10 MB body). ``stop()`` closes the port (connection refused) and ``start()``
    opens the same port again.
    """

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.mode = "ok"
        self.hang_seconds = 10.0
        self.requests = 0
        self.port = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks"

    def publish(self, *jwks: dict[str, Any]) -> None:
        self.document = {"keys": list(jwks)}

    def start(self) -> "JwksServer":
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                owner._answer(self)

            def log_message(self, *_: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        # shutdown() waits for the serve loop to poll; the default 0.5 s would cost every test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        mode = self.mode
        if mode == "hang":
            time.sleep(self.hang_seconds)
        if mode == "error":
            self._send(handler, 500, b"oops", "text/plain")
        elif mode == "html":
            self._send(handler, 200, b"<html><body>Sign in</body></html>", "text/html")
        elif mode == "redirect":
            handler.send_response(302)
            handler.send_header("Location", "http://127.0.0.1:9/elsewhere")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif mode == "huge":
            body = json.dumps({"keys": [], "pad": "x" * 10_000_000}).encode()
            self._send(handler, 200, body, "application/json")
        else:
            self._send(handler, 200, json.dumps(self.document).encode(), "application/json")

    @staticmethod
    def _send(
        handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
