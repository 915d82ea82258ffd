"""TcpProxy: a loopback TCP relay to a server that a test can cut (refuse or blackhole) and restore.

Stopping a shared database server would break every other test using it; putting this relay
between the app and the server fakes "the server went away" for one app only.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from enum import Enum
from typing import Any

_CHUNK = 64 * 1024


class ProxyMode(Enum):
    FORWARD = "forward"  # relay bytes both ways
    REFUSE = "refuse"  # nothing listens: new connections are refused, open ones are reset
    BLACKHOLE = "blackhole"  # connections are accepted, but no byte moves either way: hangs


class TcpProxy:
    """Listens on 127.0.0.1 and relays each connection to ``target``; runs in its own thread.

    - ``refuse()`` closes the listening socket (new connects get ECONNREFUSED) and resets
      every open connection, like a server that has stopped.
    - ``blackhole()`` keeps accepting but relays nothing, like a partition where packets are
      dropped: every read on either side waits forever.
    - ``restore()`` relays again; connections cut or blackholed before stay dead, as they
      would after the peer restarted.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[_Relay] = set()
        self.port = 0
        self.mode = ProxyMode.FORWARD
        self.accepted = 0

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def refuse(self) -> None:
        self._call(self._set_mode(ProxyMode.REFUSE))

    def blackhole(self) -> None:
        self._call(self._set_mode(ProxyMode.BLACKHOLE))

    def restore(self) -> None:
        self._call(self._set_mode(ProxyMode.FORWARD))

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        future: Future[None] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        future.result(timeout=10)

    async def _listen(self) -> None:
        # Re-listening after ``refuse`` takes the same port back, so the app's URL stays valid.
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _set_mode(self, mode: ProxyMode) -> None:
        previous, self.mode = self.mode, mode
        if mode is ProxyMode.REFUSE:
            await self._close_listener()
            self._drop_all(reset=True)
        elif mode is ProxyMode.BLACKHOLE:
            for relay in self._connections:
                relay.freeze()
        else:
            # Connections frozen or cut during the outage are dead to both ends.
            self._drop_all(reset=True)
            if previous is ProxyMode.REFUSE:
                await self._listen()

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _drop_all(self, reset: bool) -> None:
        for relay in list(self._connections):
            relay.close(reset=reset)
        self._connections.clear()

    async def _shutdown(self) -> None:
        await self._close_listener()
        self._drop_all(reset=False)

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        self.accepted += 1
        relay = _Relay(client)
        self._connections.add(relay)
        try:
            if self.mode is ProxyMode.BLACKHOLE:
                relay.freeze()
                await relay.closed.wait()
                return
            try:
                upstream_reader, upstream = await asyncio.open_connection(*self._target)
            except OSError:
                relay.close(reset=True)
                return
            relay.upstream = upstream
            await asyncio.gather(
                relay.pump(client_reader, upstream), relay.pump(upstream_reader, client)
            )
        finally:
            relay.close(reset=False)
            self._connections.discard(relay)


class _Relay:
    """One client connection and its upstream twin."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.closed = asyncio.Event()

    def freeze(self) -> None:
        self.flowing.clear()

    async def pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while not self.closed.is_set():
                data = await source.read(_CHUNK)
                if not data:
                    break
                # A frozen relay swallows what it read and waits forever, like dropped packets.
                await self.flowing.wait()
                if self.closed.is_set():
                    break
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.close(reset=False)

    def close(self, reset: bool) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        self.flowing.set()
        for writer in (self.client, self.upstream):
            if writer is None:
                continue
            if reset:
                _abort(writer)
            else:
                writer.close()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST (linger 0), the way a crashed peer's kernel answers."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
