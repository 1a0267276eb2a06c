"""Keep-alive HTTP/1.1 connections for the registry client, on asyncio directly.

httpx's own transport puts every request through httpcore's connection pool, and
httpcore talks to the network through anyio.  Both cost more CPU than the requests
themselves on a run that resolves a thousand references (three thousand requests,
64 at a time), measured on the 2-core machine (bench/README.md):

- the pool scans all its connections for every waiting request each time a request
  starts or ends, and asks each idle one whether its socket became readable (a
  ``getpeername`` and a ``select`` through anyio's typed attributes);
- anyio wraps every read and write in a cancel scope.

Requests per connection are sequential here anyway (the client limits how many run at
once per registry), so a pool only has to hand out an idle connection or make one:
:class:`ConnectionPool` keeps a stack of idle connections per origin.  The connections
are httpcore's own (``httpcore.AsyncHTTPConnection``: h11, keep-alive, TLS), given
:class:`AsyncioBackend`, a network backend (httpcore's documented extension point) on
asyncio's transports and protocols.  Together: 0.85 -> 0.47 ms of CPU per request
through the client (bench/README.md).

Registries are untrusted here as everywhere: a peer that sends faster than the client
reads is paused (at most :data:`READ_BUFFER` bytes wait per connection), and every
connect, TLS handshake, read and write has its timeout.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, NoReturn

import httpcore
import httpx

__all__ = ["READ_BUFFER", "AsyncioBackend", "ConnectionPool"]

# Bytes received and not yet read that pause the socket (and resume it below half).
READ_BUFFER = 256 * 1024
KEEPALIVE_EXPIRY = 30.0

# httpcore's errors as httpx's (what httpx's own transport raises); most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _reraise(exc: BaseException) -> NoReturn:
    """Raise ``exc`` again, as the httpx error an httpcore one maps to (``from`` it)."""
    for core, mapped in _ERRORS:
        if isinstance(exc, core):
            raise mapped(str(exc)) from exc
    raise exc


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


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            await _within(protocol.readable(), timeout, httpcore.ReadTimeout)
        buffer = protocol.buffer
        if buffer:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
            if protocol.reading_paused and len(buffer) < READ_BUFFER // 2:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error)) from protocol.error
        return b""  # the peer closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        waiter = self._protocol.writable()
        if waiter is not None:
            await _within(waiter, timeout, httpcore.WriteTimeout)
            if self._protocol.error is not None or self._transport.is_closing():
                raise httpcore.WriteError("the connection was lost")

    async def aclose(self) -> None:
        # At once, without TLS's close_notify exchange: asyncio would wait up to 30 s for
        # the peer's, and the run may end before (nothing is sent after a response).
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
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
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as e:  # ssl.SSLError is an OSError; both said
            self._transport.abort()
            raise httpcore.ConnectError(str(e)) from e
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._protocol.transport = transport
        return _Stream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Idle and readable means the server closed it (or broke the protocol).
            return bool(self._protocol.buffer) or self._protocol.eof
        name = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }.get(info)
        return None if name is None else self._transport.get_extra_info(name)


def _is_address(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio's transports (TCP, TLS)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
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
            raise httpcore.ConnectTimeout("connection timed out") from None
        except OSError as e:  # socket.gaierror too: the cause says which
            raise httpcore.ConnectError(str(e)) from e
        assert isinstance(transport, asyncio.Transport)
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return _Stream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- pool ------------------------------------------------------------------------------------


Origin = tuple[bytes, bytes, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Body(httpx.AsyncByteStream):
    """A response body; closing it hands its connection back to the pool."""

    def __init__(self, response: httpcore.Response, release: Callable[[], Awaitable[None]]) -> None:
        self._response = response
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stream = self._response.stream
        assert isinstance(stream, AsyncIterable)
        try:
            async for chunk in stream:
                yield chunk
        except Exception as e:
            _reraise(e)

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            await self._release()


class ConnectionPool(httpx.AsyncBaseTransport):
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
        self._idle: dict[Origin, list[httpcore.AsyncHTTPConnection]] = {}
        self._open: set[httpcore.AsyncHTTPConnection] = set()
        self._closed = False

    async def _checkout(self, origin: Origin) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.is_available() and not connection.has_expired():
                return connection
            await self._drop(connection)
        ssl_context = None
        if origin[0] == b"https":
            if self._ssl_context is None:
                self._ssl_context = self._make_ssl_context()
            ssl_context = self._ssl_context
        connection = httpcore.AsyncHTTPConnection(
            httpcore.Origin(*origin),
            ssl_context=ssl_context,
            keepalive_expiry=KEEPALIVE_EXPIRY,
            network_backend=self._backend,
        )
        self._open.add(connection)
        return connection

    async def _checkin(self, origin: Origin, connection: httpcore.AsyncHTTPConnection) -> None:
        if not self._closed and connection.is_available():
            self._idle.setdefault(origin, []).append(connection)
        else:
            await self._drop(connection)

    async def _drop(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open.discard(connection)
        await connection.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme)
        if port is None:
            raise httpx.UnsupportedProtocol(f"no connections for {url.scheme!r} URLs")
        origin: Origin = (url.raw_scheme, url.raw_host, port)
        connection = await self._checkout(origin)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await connection.handle_async_request(core_request)
        except BaseException as e:
            await self._drop(connection)
            _reraise(e)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, lambda: self._checkin(origin, connection)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        connections, self._open = self._open, set()
        self._idle.clear()
        for connection in connections:
            await connection.aclose()
