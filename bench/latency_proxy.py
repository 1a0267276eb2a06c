"""A TCP proxy on loopback that adds a fixed delay to every chunk, in each direction.

With the default 25 ms each way, every request/response exchange costs one 50 ms round
trip more than on loopback, as a registry on another continent would.  Chunks are
queued with the time they may leave and sent in order, so a slow direction does not
stall the other one and a burst is delayed, not serialised.  Everything is bounded:
queued chunks per direction (back-pressure on the reader), connections, the connect
timeout, an idle timeout, and the standalone run's duration.

What it does not model: TCP and TLS handshakes (a new connection costs no extra round
trip here, so a client that opens many connections is favoured), bandwidth, loss.

In a benchmark::

    with LatencyProxy("127.0.0.1", registry_port, delay=0.025) as proxy:
        ...  # talk to proxy.host ("127.0.0.1:PORT")

Standalone::

    python bench/latency_proxy.py 127.0.0.1:5000 [--delay 0.025] [--port 0] [--seconds 600]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import ipaddress
import sys
import threading
from collections.abc import Sequence

CHUNK = 64 * 1024
MAX_QUEUED_CHUNKS = 64  # per direction of a connection
MAX_CONNECTIONS = 256
CONNECT_TIMEOUT = 5.0
IDLE_TIMEOUT = 120.0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LatencyProxy:
    """Listens on ``listen_host:port`` (0: a free port), forwards to ``target``."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        delay: float = 0.025,
        listen_host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not (_loopback(target_host) and _loopback(listen_host)):
            raise ValueError("the proxy only listens on and connects to loopback addresses")
        if not 0 <= delay <= 10:
            raise ValueError("delay must be between 0 and 10 seconds")
        self.target = (target_host, target_port)
        self.delay = delay
        self.listen_host = listen_host
        self.port = port
        self.connections = 0  # accepted so far
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    @property
    def host(self) -> str:
        """``host:port`` to put in image references."""
        return f"{self.listen_host}:{self.port}"

    # -- lifecycle in a background thread ---------------------------------------------

    def start(self) -> LatencyProxy:
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self._listen())
            except BaseException as e:  # reported to start()'s caller
                errors.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=serve, name="latency-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("latency proxy did not start")
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the proxy --------------------------------------------------------------------
    #
    # On asyncio's protocols and timers: a chunk that arrives is queued with the time it
    # may leave, and one timer per direction writes what is due.  (The first version read
    # through streams with ``wait_for`` per chunk and a task per direction: ~0.25 ms of
    # CPU per request, taken from the cores pinlint is measured on.)

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Client(self), self.listen_host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in list(self._links):
            link.abort()

    def _admit(self, link: _Link) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        self._links.add(link)
        self.connections += 1
        return True

    def _release(self, link: _Link) -> None:
        if link in self._links:
            self._links.discard(link)
            self._slots.release()


class _Delay:
    """One direction: chunks wait ``delay`` seconds, then leave in order.  Past
    ``MAX_QUEUED_CHUNKS`` waiting (or while the far side cannot take more) the near
    side stops reading."""

    def __init__(self, link: _Link, delay: float) -> None:
        self.link = link
        self.delay = delay
        self.source: asyncio.Transport | None = None
        self.sink: asyncio.Transport | None = None
        self.queue: collections.deque[tuple[float, bytes]] = collections.deque()  # b"": EOF
        self.timer: asyncio.TimerHandle | None = None
        self.sink_paused = False
        self.source_paused = False
        self.eof_queued = False
        self.ended = False

    def push(self, data: bytes) -> None:
        if self.eof_queued:
            return  # nothing follows an end of stream
        self.eof_queued = not data
        loop = asyncio.get_running_loop()
        self.queue.append((loop.time() + self.delay, data))
        if self.timer is None:
            self.timer = loop.call_at(self.queue[0][0], self.flush)
        self._pace()

    def flush(self) -> None:
        self.timer = None
        if self.sink is None:
            return  # not connected yet: flushed on connection
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.queue and self.queue[0][0] <= now and not self.sink_paused:
            _, data = self.queue.popleft()
            if data:
                self.sink.write(data)
            else:
                self.ended = True
                if self.sink.can_write_eof():
                    self.sink.write_eof()
                self.link.ended()
                return
        if self.queue and not self.sink_paused:
            self.timer = loop.call_at(self.queue[0][0], self.flush)
        self._pace()

    def _pace(self) -> None:
        if self.source is None:
            return
        full = len(self.queue) >= MAX_QUEUED_CHUNKS or self.sink_paused
        if full and not self.source_paused:
            self.source.pause_reading()
            self.source_paused = True
        elif not full and self.source_paused:
            self.source.resume_reading()
            self.source_paused = False

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class _Link:
    """A client connection and its connection to the target."""

    def __init__(self, proxy: LatencyProxy) -> None:
        self.proxy = proxy
        self.up = _Delay(self, proxy.delay)  # client -> target
        self.down = _Delay(self, proxy.delay)  # target -> client
        self.client: asyncio.Transport | None = None
        self.target: asyncio.Transport | None = None
        self.idle: asyncio.TimerHandle | None = None
        self.last = 0.0  # when a chunk last arrived
        self.done = False

    def touch(self) -> None:
        loop = asyncio.get_running_loop()
        self.last = loop.time()
        if self.idle is None:
            self.idle = loop.call_at(self.last + IDLE_TIMEOUT, self._check_idle)

    def _check_idle(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self.last >= IDLE_TIMEOUT:
            self.abort()
        else:
            self.idle = loop.call_at(self.last + IDLE_TIMEOUT, self._check_idle)

    def ended(self) -> None:
        if self.up.ended and self.down.ended:
            self.close()

    def close(self) -> None:
        if self.done:
            return
        self.done = True
        for delay in (self.up, self.down):
            delay.close()
        for transport in (self.client, self.target):
            if transport is not None:
                transport.close()
        if self.idle is not None:
            self.idle.cancel()
        self.proxy._release(self)

    def abort(self) -> None:
        for transport in (self.client, self.target):
            if transport is not None:
                transport.abort()
        self.close()


class _Side(asyncio.Protocol):
    """One end of a link: what it receives goes into ``inbound`` (toward the other end);
    ``outbound`` writes to it."""

    def __init__(self, link: _Link, inbound: _Delay, outbound: _Delay) -> None:
        self.link = link
        self.inbound = inbound
        self.outbound = outbound

    def data_received(self, data: bytes) -> None:
        self.link.touch()
        self.inbound.push(data)

    def eof_received(self) -> bool:
        self.inbound.push(b"")
        return True  # keep the other direction open

    def pause_writing(self) -> None:
        self.outbound.sink_paused = True
        self.outbound._pace()

    def resume_writing(self) -> None:
        self.outbound.sink_paused = False
        self.outbound.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.link.abort()
        else:
            self.inbound.push(b"")


class _Client(_Side):
    def __init__(self, proxy: LatencyProxy) -> None:
        link = _Link(proxy)
        super().__init__(link, link.up, link.down)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        link = self.link
        link.client = link.up.source = link.down.sink = transport
        if not link.proxy._admit(link):
            transport.abort()
            link.done = True
            return
        link.touch()
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        link = self.link
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: _Target(link), *link.proxy.target),
                CONNECT_TIMEOUT,
            )
        except (OSError, asyncio.TimeoutError):
            link.abort()
            return
        if link.done:
            transport.abort()


class _Target(_Side):
    def __init__(self, link: _Link) -> None:
        super().__init__(link, link.down, link.up)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        link = self.link
        link.target = link.down.source = link.up.sink = transport
        link.down._pace()
        link.up.flush()  # what the client sent while this connected


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="HOST:PORT to forward to (loopback)")
    parser.add_argument("--delay", type=float, default=0.025, help="seconds, each direction")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    try:
        proxy = LatencyProxy(host or "127.0.0.1", int(port), delay=args.delay, port=args.port)
    except ValueError as e:
        parser.error(str(e))
    with proxy:
        print(f"{proxy.host} -> {host}:{port}, +{args.delay * 1000:.0f} ms each way", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait(min(args.seconds, 24 * 3600))
    return 0


if __name__ == "__main__":
    sys.exit(main())
