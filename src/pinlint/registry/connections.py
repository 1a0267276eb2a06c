"""Keep-alive HTTP/1.1 connections for the registry client, on asyncio and h11 directly.

httpx's own transport puts every request through httpcore's connection pool, and
httpcore talks to the network through anyio.  Both cost more CPU than the requests
themselves on a run that resolves a thousand references (three thousand requests,
64 at a time), measured on the 2-core machine (bench/README.md):

- the pool scans all its connections for every waiting request each time a request
  starts or ends, and asks each idle one whether its socket became readable (a
  ``getpeername`` and a ``select`` through anyio's typed attributes);
- anyio wraps every read and write in a cancel scope, and httpcore takes an anyio lock
  (a cancel-shielded checkpoint) several times per request.

Requests per connection are sequential here anyway (the client limits how many run at
once per registry), so a pool only has to hand out an idle connection or make one:
:class:`ConnectionPool` keeps a stack of idle connections per origin.  A connection
speaks HTTP/1.1 through h11 (the protocol library httpcore itself uses: framing,
keep-alive, HEAD and 1xx answers), one request at a time, over :class:`AsyncioBackend`,
a small network layer on asyncio's transports and protocols (TCP, TLS).
CPU per request through the client (3,000 HEADs, 64 at a time, bench/README.md): 0.85 ms
with httpx's transport, 0.45 ms with httpcore's connections on this backend, 0.37 ms on
h11 directly, 0.26 ms once the transport stopped building httpx's request and response
objects (:class:`~pinlint.registry.transport.Answer`).

Registries are untrusted here as everywhere: a peer that sends faster than the client
reads is paused (at most :data:`READ_BUFFER` bytes wait per connection), response
headers are capped (:data:`MAX_HEADER_BYTES`), and every connect, TLS handshake, read
and write has its timeout.  Errors are this module's (:class:`ConnectFailed`,
:class:`ConnectionLost`, :class:`ReadTimeout` …; the transport turns them into registry
errors): a run that talks to plain-HTTP registries without a proxy never imports httpx
(~35 ms of CPU in each process).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

import h11

__all__ = [
    "MAX_HEADER_BYTES",
    "READ_BUFFER",
    "AsyncioBackend",
    "Body",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionLost",
    "ConnectionPool",
    "HTTPFailure",
    "ReadTimeout",
    "RequestRefused",
    "Timeouts",
    "UnsupportedScheme",
    "WriteTimeout",
]

# --- errors -------------------------------------------------------------------------------


class HTTPFailure(Exception):
    """A request that got no usable answer; the message says why (never a credential:
    it comes from the socket, TLS or h11, which see no header values)."""


class ConnectFailed(HTTPFailure):
    """No connection: refused, no such host, TLS failed (the cause tells which)."""


class ConnectTimeout(HTTPFailure):
    """No connection (or TLS handshake) within the connect timeout."""


class ReadTimeout(HTTPFailure):
    """Nothing received within the read timeout."""


class WriteTimeout(HTTPFailure):
    """The request could not be sent within the write timeout."""


class ConnectionLost(HTTPFailure):
    """The connection closed or broke, or the server broke HTTP/1.1, mid-request."""


class RequestRefused(HTTPFailure):
    """The request itself cannot be sent (h11 refuses it: a header value with a line
    break, say)."""


class UnsupportedScheme(HTTPFailure):
    """A URL that is neither http nor https."""


# Bytes received and not yet read that pause the socket (and resume it below half).
READ_BUFFER = 256 * 1024
# One read from the socket's buffer; the most a response's status line and headers may
# take (httpcore's figures).
READ_SIZE = 64 * 1024
MAX_HEADER_BYTES = 100 * 1024
KEEPALIVE_EXPIRY = 30.0


# --- network backend --------------------------------------------------------------------


class _Protocol(asyncio.Protocol):
    """Bytes received, waiting for a read; EOF and a lost connection; write pauses."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None
        self.reading_paused = False
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= READ_BUFFER and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake_reader()
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_reader(self) -> None:
        waiter, self._readable = self._readable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def readable(self) -> asyncio.Future[None]:
        self._readable = asyncio.get_running_loop().create_future()
        return self._readable

    def writable(self) -> asyncio.Future[None] | None:
        return self._writable


async def _within(
    future: asyncio.Future[None], timeout: float | None, expired: type[Exception]
) -> None:
    """Wait for ``future``; ``expired`` once ``timeout`` seconds have passed."""
    if timeout is None:
        await future
        return
    expiry: list[bool] = []

    def expire() -> None:
        expiry.append(True)
        future.cancel()

    timer = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        await future
    except asyncio.CancelledError:
        if not expiry:
            raise  # the task itself was cancelled
        raise expired("timed out") from None
    finally:
        timer.cancel()


class _Stream:
    """A connection's bytes: reads and writes with timeouts, TLS on top."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            await _within(protocol.readable(), timeout, ReadTimeout)
        buffer = protocol.buffer
        if buffer:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
            if protocol.reading_paused and len(buffer) < READ_BUFFER // 2:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise ConnectionLost(str(protocol.error)) from protocol.error
        return b""  # the peer closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise ConnectionLost("the connection is closed")
        self._transport.write(buffer)
        waiter = self._protocol.writable()
        if waiter is not None:
            await _within(waiter, timeout, WriteTimeout)
            if self._protocol.error is not None or self._transport.is_closing():
                raise ConnectionLost("the connection was lost")

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        loop = asyncio.get_running_loop()
        try:
            transport = await asyncio.wait_for(
                loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                ),
                timeout,
            )
        except asyncio.TimeoutError:
            self._transport.abort()
            raise ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as e:  # ssl.SSLError is an OSError; both said
            self._transport.abort()
            raise ConnectFailed(str(e)) from e
        if transport is None:  # the connection closed during the handshake
            raise ConnectFailed("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._protocol.transport = transport
        return _Stream(transport, self._protocol)

    def has_input(self) -> bool:
        """Bytes or an EOF arrived that no read took yet."""
        return bool(self._protocol.buffer) or self._protocol.eof

    def abort(self) -> None:
        # At once, without TLS's close_notify exchange: asyncio would wait up to 30 s for
        # the peer's, and the run may end before (nothing is sent after a response).
        self._transport.abort()


def _is_address(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False


class AsyncioBackend:
    """Connections on asyncio's transports (TCP, then TLS on top when asked)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
    ) -> _Stream:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    # A name with IPv6 and IPv4 addresses: RFC 8305's race, as anyio
                    # runs it (a host whose IPv6 route is a black hole still connects
                    # over IPv4 within the timeout).  Not for an address: there is
                    # nothing to race, and on 3.11 the race can leave a socket open when
                    # it is cancelled.
                    happy_eyeballs_delay=None if _is_address(host) else 0.25,
                ),
                timeout,
            )
        except asyncio.TimeoutError:
            raise ConnectTimeout("connection timed out") from None
        except OSError as e:  # socket.gaierror too: the cause says which
            raise ConnectFailed(str(e)) from e
        assert isinstance(transport, asyncio.Transport)
        return _Stream(transport, protocol)


# --- connections ---------------------------------------------------------------------------


Origin = tuple[str, str, int]  # scheme, host (as for DNS and SNI), port
Header = tuple[bytes, bytes]


class Timeouts(NamedTuple):
    """Seconds (None: none) for a connect with its TLS handshake, each read, each write."""

    connect: float | None
    read: float | None
    write: float | None


class _Connection:
    """One HTTP/1.1 connection (h11): one request at a time, kept alive when both sides
    allow it (neither says ``Connection: close``) and the whole response was read."""

    def __init__(self, stream: _Stream) -> None:
        self.stream = stream
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
        self.expires_at = 0.0

    def is_reusable(self, now: float) -> bool:
        """Idle on both sides, not past its keep-alive expiry, and nothing received
        since its last response (bytes or an EOF now mean the server closed it or broke
        the protocol)."""
        return (
            self.h11.our_state is h11.IDLE
            and self.h11.their_state is h11.IDLE
            and now < self.expires_at
            and not self.stream.has_input()
        )

    async def request(
        self, method: str, target: str, headers: list[Header], body: bytes, timeouts: Timeouts
    ) -> h11.Response:
        """Send the request whole, then wait for the response's head (1xx skipped)."""
        h = self.h11
        try:
            data = h.send(h11.Request(method=method, target=target, headers=headers))
            if body:
                data += h.send(h11.Data(data=body))
            data += h.send(h11.EndOfMessage())
        except h11.LocalProtocolError as e:
            raise RequestRefused(str(e)) from e
        await self.stream.write(data, timeouts.write)
        while True:
            event = await self._next_event(timeouts.read)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise ConnectionLost("unexpected event before the response")

    async def _next_event(self, timeout: float | None) -> h11.Event | type[h11.PAUSED]:
        h = self.h11
        while True:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError as e:
                raise ConnectionLost(str(e)) from e
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            data = await self.stream.read(READ_SIZE, timeout)
            if not data and h.their_state is h11.SEND_RESPONSE:
                raise ConnectionLost("Server disconnected without sending a response.")
            h.receive_data(data)

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        """The response's body, chunk by chunk, to its end."""
        while True:
            event = await self._next_event(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:  # ConnectionClosed (h11 raises first when the framing says more follows)
                raise ConnectionLost("the response ended early")

    def finish(self, now: float) -> None:
        """After a response: ready for the next request when both sides are done."""
        h = self.h11
        if h.our_state is h11.DONE and h.their_state is h11.DONE:
            h.start_next_cycle()
            self.expires_at = now + KEEPALIVE_EXPIRY

    def close(self) -> None:
        self.stream.abort()


class Body:
    """A response's body.  Closing it, or a failed read, hands its connection back to
    the pool, which keeps it only when the whole body was read."""

    def __init__(
        self, connection: _Connection, timeout: float | None, release: Callable[[], None]
    ) -> None:
        self._connection = connection
        self._timeout = timeout
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._connection.body(self._timeout):
                yield chunk
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()


class ConnectionPool:
    """Idle connections per origin, last used first; a new one when none is idle.

    How many requests run at once is the client's business (its per-registry
    semaphore); this pool never waits.  HTTPS connections share one TLS context, made by
    ``ssl_context()`` on the first HTTPS request (loading the CA bundle costs ~20 ms: a
    run against a local registry never loads it).
    """

    def __init__(self, ssl_context: Callable[[], ssl.SSLContext]) -> None:
        self._make_ssl_context = ssl_context
        self._ssl_context: ssl.SSLContext | None = None
        self._backend = AsyncioBackend()
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._closed = False

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            context = self._make_ssl_context()
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def _checkout(self, origin: Origin, timeout: float | None) -> _Connection:
        idle = self._idle.get(origin)
        if idle:
            now = time.monotonic()
            while idle:
                connection = idle.pop()
                if connection.is_reusable(now):
                    return connection
                self._drop(connection)
        scheme, host, port = origin
        stream = await self._backend.connect_tcp(host, port, timeout=timeout)
        if scheme == "https":
            stream = await stream.start_tls(self._tls(), server_hostname=host, timeout=timeout)
        connection = _Connection(stream)
        self._open.add(connection)
        return connection

    def _checkin(self, origin: Origin, connection: _Connection) -> None:
        connection.finish(time.monotonic())
        if not self._closed and connection.h11.our_state is h11.IDLE:
            self._idle.setdefault(origin, []).append(connection)
        else:
            self._drop(connection)

    def _drop(self, connection: _Connection) -> None:
        self._open.discard(connection)
        connection.close()

    async def request(
        self,
        method: str,
        origin: Origin,
        target: str,
        headers: list[Header],
        body: bytes,
        timeouts: Timeouts,
    ) -> tuple[h11.Response, Body]:
        """Send a request on an idle connection to ``origin`` or a new one; the answer's
        head and its body, which the caller must read to its end or close.

        ``headers`` are sent as given (``Host`` among them); ``target`` is the request
        target (path and query, percent-encoded)."""
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        if origin[0] not in _SCHEMES:
            raise UnsupportedScheme(f"no connections for {origin[0]!r} URLs")
        connection = await self._checkout(origin, timeouts.connect)
        try:
            response = await connection.request(method, target, headers, body, timeouts)
        except BaseException:
            self._drop(connection)
            raise
        return response, Body(connection, timeouts.read, lambda: self._checkin(origin, connection))

    async def aclose(self) -> None:
        self._closed = True
        connections, self._open = self._open, set()
        self._idle.clear()
        for connection in connections:
            connection.close()


_SCHEMES = frozenset({"http", "https"})
