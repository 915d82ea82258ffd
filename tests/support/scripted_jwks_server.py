"""A loopback JWKS that can also answer with exact bytes and headers, or drip its body slowly."""

import http.server
import time

from tests.support.jwks_server import JwksServer


class ScriptedJwksServer(JwksServer):
    """A JwksServer whose ``scripted`` answer (status, body, headers), when set, wins.

    ``drip_seconds`` sends that body one byte at a time with this pause, for endpoints that
    never stop sending. Headers given override the computed ``Content-Length`` (a lying one).
    """

    def __init__(self) -> None:
        super().__init__()
        self.scripted: tuple[int, bytes, dict[str, str]] | None = None
        self.drip_seconds = 0.0

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        if self.scripted is None:
            super()._answer(handler)
            return
        status, body, headers = self.scripted
        chunk = 1 if self.drip_seconds else max(len(body), 1)
        try:
            handler.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                handler.send_header(name, value)
            handler.end_headers()
            for offset in range(0, len(body), chunk):
                handler.wfile.write(body[offset : offset + chunk])
                handler.wfile.flush()
                time.sleep(self.drip_seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass
