"""Sending requests to registries: connections, retries, redirects, error mapping.

- Requests go to :class:`~pinlint.registry.connections.ConnectionPool` (HTTP/1.1 with
  keep-alive on h11 and asyncio: every request after the first to a host reuses a
  connection), unless a test gives a transport or the environment names a proxy: then
  through one ``httpx.AsyncClient``, which routes them.  A per-host semaphore bounds
  concurrency.  Nothing is set up before the first request: a run answered from the
  cache pays for no client, no TLS context and no connection.  httpx is imported only
  for HTTPS (its TLS context), a proxy, a test's transport, a redirect, or a URL the
  short way of :func:`_target` does not take: a run against plain-HTTP registries (a
  local one, a mirror in the same network) never imports it.
- What callers get is an :class:`Answer`: status, :class:`Headers`, the body read
  whole.  Neither httpx's ``Request`` nor its ``Response`` is built on the pool's way
  (about a third of the CPU of a request, bench/README.md); the headers sent are the
  ones httpx's client would send, and a URL is sent as httpx would send it
  (:func:`_target`: the short way only for text httpx would not rewrite).
- Errors: every transport error (the pool's; httpx's become the pool's kinds) and
  unexpected status becomes a :class:`~pinlint.registry.RegistryError` here
  (:meth:`Transport._send_once` and :func:`status_error`), nowhere else.  Messages
  are built from the host and fixed text only, so a credential can never leak through
  one.
- Retries: 429 (honouring ``Retry-After``, capped), 5xx and connection errors, with
  jittered exponential backoff, at most ``max_tries`` tries.
- Redirects are followed here, so that ``Authorization`` is attached only to requests
  for the origin it belongs to; a body (a refresh token POSTed to a token endpoint) is
  never sent to another origin either.
- Registries are untrusted: a body is read as a stream and abandoned past
  ``max_bytes``, counted after decoding, and gzip and deflate are inflated no further
  than that (a compression bomb costs what the cap allows); a request, redirects and
  retries included, ends by ``REQUEST_DEADLINE``, however slowly the bytes drip.
  ``Retry-After`` is honoured only as a finite number.

Every function takes the registry ``name`` as the user spells it: it keys the
semaphore and names the registry in error messages.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import socket
import ssl
import string
import sys
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from pinlint.registry import (
    Forbidden,
    InsecureRegistry,
    InvalidResponse,
    NotFound,
    RateLimited,
    RegistryError,
    RegistryTimeout,
    ServerError,
    Unauthorized,
    Unreachable,
)
from pinlint.registry.types import Repository

if TYPE_CHECKING:
    import httpx

    from pinlint.registry.connections import Body, ConnectionPool, Timeouts

__all__ = [
    "DNS_FAILED",
    "REFUSED",
    "Answer",
    "Headers",
    "Transport",
    "check_status",
    "status_error",
]

MAX_REDIRECTS = 5
# The most a response body may hold unless the caller says otherwise (tag pages), and
# the longest one request may take, retries and redirects included.
MAX_BODY_BYTES = 4 * 1024 * 1024
REQUEST_DEADLINE = 30.0
RETRY_STATUSES = frozenset({500, 502, 503, 504})

# Reasons of Unreachable that the ping reads to decide whether another scheme may work.
DNS_FAILED = "cannot resolve the host name"
REFUSED = "cannot connect"


class _Retry(Exception):
    """Internal: a failed try that may be repeated."""

    def __init__(self, error: RegistryError) -> None:
        super().__init__(str(error))
        self.error = error


def _proxy_from_env() -> bool:
    """Whether the environment names an HTTP proxy (httpx then uses its own pool)."""
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    return any(os.environ.get(n) or os.environ.get(n.lower()) for n in names)


def _connection_pool() -> ConnectionPool:
    from pinlint.registry.connections import ConnectionPool

    return ConnectionPool(_tls_context)


def _tls_context() -> ssl.SSLContext:
    # httpx's: the CA bundle it ships (certifi), or SSL_CERT_FILE / SSL_CERT_DIR.  Only
    # for HTTPS: a run against plain-HTTP registries never imports httpx.
    import httpx  # lazy: httpx

    return httpx.create_ssl_context(trust_env=True)


# --- answers and URLs -------------------------------------------------------------------


class Headers:
    """An answer's headers.  Names ignore case; :meth:`get` joins a repeated header's
    values with ", " (as httpx does), :meth:`get_list` gives each."""

    __slots__ = ("_values",)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            values.setdefault(name.lower(), []).append(value)
        self._values = values

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name.lower())
        return default if values is None else ", ".join(values)

    def get_list(self, name: str) -> list[str]:
        return list(self._values.get(name.lower(), ()))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values


class Answer:
    """A registry's answer, read whole: the body decoded (gzip, deflate) and capped.

    ``method`` and ``url`` are the request's that got it (after redirects)."""

    __slots__ = ("content", "headers", "method", "status_code", "url")

    def __init__(
        self, status_code: int, headers: Headers, content: bytes, method: str, url: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.url = url

    def json(self) -> Any:
        return json.loads(self.content)


class _Target(NamedTuple):
    """Where a request goes: ``origin`` (scheme, host as for DNS and SNI, port), the
    ``Host`` header, the request target (path and query) and the whole URL."""

    origin: tuple[str, str, int]
    host_header: str
    target: str
    url: str


# Characters httpx leaves as they are in a path and a query: a URL made of these (and
# without dot segments or percent signs) is sent as written.  Any other URL goes
# through httpx's parser, which encodes and normalises it.
_KEPT = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?")
_HOST_CHARS = frozenset(string.ascii_lowercase + string.digits + ".-")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# "scheme://netloc" as written -> (origin, Host header).
_ORIGINS: dict[str, tuple[tuple[str, str, int], str]] = {}
_MAX_ORIGINS = 256  # a run talks to a few hosts; redirects from hostile ones add more


def _target(url: str) -> _Target:
    """``url`` split for sending: the same request httpx's parser would make of it
    (tests/registry/test_transport.py checks this against httpx).  Registry URLs take
    the short way, without importing httpx: a lower-case host name or IPv4 address, a
    plain port, a path of kept characters."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    if sep and slash:
        prefix = url[: len(scheme) + 3 + len(netloc)]
        known = _ORIGINS.get(prefix)
        if known is None:
            known = _quick_origin(scheme, netloc)
            if known is not None:
                _remember(prefix, known)
        path = "/" + tail
        if known is not None and "/." not in path and _KEPT.issuperset(path):
            return _Target(known[0], known[1], path, url)
    return _parse(url)


def _quick_origin(scheme: str, netloc: str) -> tuple[tuple[str, str, int], str] | None:
    """(origin, Host header) for ``host[:port]`` as httpx makes them, when the host is
    lower-case letters, digits, dots and dashes and the port plain digits; else None
    (httpx's parser then decides: upper case, IDNA, IPv6, user info, odd ports)."""
    default = _DEFAULT_PORTS.get(scheme)
    host, colon, port_text = netloc.partition(":")
    if default is None or not host or not _HOST_CHARS.issuperset(host):
        return None
    port = default
    if colon:
        if not (port_text.isascii() and port_text.isdigit()) or port_text[0] == "0":
            return None
        port = int(port_text)
        if port > 65535 or port == default:
            return None  # httpx drops a default port from the URL: its parser decides
    parts = host.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        # httpx checks what looks like an IPv4 address (and refuses 1.2.3.999, 01.2.3.4).
        import ipaddress

        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None
    host_header = host if port == default else f"{host}:{port}"
    return (scheme, host, port), host_header


def _remember(prefix: str, known: tuple[tuple[str, str, int], str]) -> None:
    if len(_ORIGINS) >= _MAX_ORIGINS:
        _ORIGINS.clear()
    _ORIGINS[prefix] = known


def _parse(url: str) -> _Target:
    import httpx  # lazy: httpx

    parsed = httpx.URL(url)
    scheme = parsed.scheme
    origin = (scheme, parsed.raw_host.decode("ascii"), parsed.port or _DEFAULT_PORTS.get(scheme, 0))
    host_header = parsed.netloc.decode("ascii")
    if scheme in _DEFAULT_PORTS:
        # Keyed by the normalised form: a URL written so is parsed the same way again.
        _remember(f"{scheme}://{host_header}", (origin, host_header))
    return _Target(origin, host_header, parsed.raw_path.decode("ascii"), str(parsed))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from, each once (chains can loop)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _is_dns_failure(exc: BaseException) -> bool:
    if any(isinstance(cur, socket.gaierror) for cur in _causes(exc)):
        return True
    text = str(exc)
    # httpcore's anyio backend re-raises without chaining in some versions.
    return (
        "Name or service not known" in text
        or "nodename nor servname" in text
        or ("Temporary failure in name resolution" in text)
    )


def _is_tls_failure(exc: BaseException) -> bool:
    return any(isinstance(cur, ssl.SSLError) for cur in _causes(exc))


def _retry_after(response: Answer, cap: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # lazy: ~4 ms to import, for the rare Retry-After that is a date

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):  # "nan" and "inf" parse as floats
        return None
    return min(max(seconds, 0.0), cap)


class Transport:
    """Send requests with retries and redirects; the one owner of the connections.

    ``plain_http(netloc)`` says whether a redirect may lead there over plain HTTP (the
    policy of :mod:`pinlint.registry.hosts`).  ``transport`` is for tests
    (``httpx.MockTransport``); with ``offline=True`` no request may be sent (callers
    stop before, with ``NotInCache``).
    """

    def __init__(
        self,
        *,
        plain_http: Callable[[str], bool],
        concurrency: int,
        timeout: float,
        max_tries: int,
        retry_after_cap: float,
        backoff: float,
        offline: bool,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._plain_http = plain_http
        self.concurrency = concurrency
        self.max_tries = max_tries
        self.retry_after_cap = retry_after_cap
        self.backoff = backoff
        self.offline = offline
        self.requests_sent = 0
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._timeout = timeout
        self._transport = transport
        self._started = False
        self._closed = False
        # Requests go to the pool (registry/connections.py) unless a test gives a
        # transport or the environment names a proxy: then through an httpx client.
        self._pool: ConnectionPool | None = None
        self._timeouts: Timeouts | None = None
        self._http: httpx.AsyncClient | None = None

    def _start(self) -> None:
        if self.offline or self._closed:
            raise RuntimeError("no request may be sent")  # guarded by the callers
        self._started = True
        if self._transport is None and not _proxy_from_env():
            from pinlint.registry.connections import Timeouts

            self._pool = _connection_pool()
            self._timeouts = Timeouts(
                connect=min(self._timeout, 5.0), read=self._timeout, write=self._timeout
            )
            return
        import httpx  # lazy: httpx

        self._http = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
            limits=httpx.Limits(max_connections=None, keepalive_expiry=30.0),
            headers={"User-Agent": USER_AGENT},
        )

    async def aclose(self) -> None:
        self._closed = True
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _semaphore(self, name: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(name)
        if sem is None:
            sem = self._semaphores[name] = asyncio.Semaphore(self.concurrency)
        return sem

    async def send(
        self,
        name: str,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        auth_header: str | None = None,
        data: Mapping[str, str] | None = None,
        max_bytes: int = MAX_BODY_BYTES,
    ) -> Answer:
        """Send with retries and redirects; returns the final answer, any status.

        The body is read whole but at most ``max_bytes`` (InvalidResponse beyond), and
        the whole call ends by ``REQUEST_DEADLINE`` (RegistryTimeout).
        """
        sending = self._send(name, method, url, headers, auth_header, data, max_bytes)
        if sys.version_info >= (3, 11):
            # A deadline on this task, where wait_for runs the request in a task of its
            # own: ~10% of the CPU of a request through the pool (bench/README.md).
            deadline = asyncio.timeout(REQUEST_DEADLINE)
            try:
                async with deadline:
                    return await sending
            except TimeoutError:
                if not deadline.expired():
                    raise
        else:
            try:
                return await asyncio.wait_for(sending, REQUEST_DEADLINE)
            except asyncio.TimeoutError:
                pass
        raise RegistryTimeout(name, f"no complete answer within {REQUEST_DEADLINE:g} s")

    async def _send(
        self,
        name: str,
        method: str,
        url: str,
        headers: dict[str, str],
        auth_header: str | None,
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> Answer:
        error: RegistryError | None = None
        for attempt in range(1, self.max_tries + 1):
            delay: float | None = None
            try:
                response = await self._follow(
                    name, method, url, headers, auth_header, data, max_bytes
                )
            except _Retry as r:
                error = r.error
            else:
                if response.status_code == 429:
                    error = RateLimited(name)
                    delay = _retry_after(response, self.retry_after_cap)
                elif response.status_code in RETRY_STATUSES:
                    error = ServerError(name, response.status_code)
                else:
                    return response
            if attempt < self.max_tries:
                await asyncio.sleep(delay if delay is not None else self._backoff(attempt))
        assert error is not None
        raise error

    def _backoff(self, attempt: int) -> float:
        # Full jitter (AWS architecture blog): spreads retries of concurrent requests.
        return float(random.uniform(0, self.backoff * (2 ** (attempt - 1))))

    async def _follow(
        self,
        name: str,
        method: str,
        url: str,
        headers: dict[str, str],
        auth_header: str | None,
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> Answer:
        """Send one try, following redirects; ``Authorization`` and a body (which may
        carry a refresh token) stay on their origin."""
        target = _target(url)
        auth_origin = target.origin
        for _ in range(MAX_REDIRECTS + 1):
            request_headers = dict(headers)
            if auth_header is not None and target.origin == auth_origin:
                request_headers["Authorization"] = auth_header
            response = await self._send_once(name, method, target, request_headers, data, max_bytes)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("Location")
            if not location:
                return response
            import httpx  # lazy: httpx

            nxt = httpx.URL(target.url).join(location)
            if nxt.scheme not in ("http", "https"):
                raise InvalidResponse(name, "redirect to a non-HTTP URL")
            if (
                nxt.scheme == "http"
                and target.origin[0] == "https"
                and not self._plain_http(nxt.netloc.decode("ascii"))
            ):
                raise InsecureRegistry(name, "redirect from HTTPS to plain HTTP refused")
            following = _target(str(nxt))
            if response.status_code == 303:
                method, data = ("GET" if method != "HEAD" else "HEAD"), None
            elif data is not None and following.origin != auth_origin:
                # 307/308 repeat the body: a credential in it must not follow.
                raise InvalidResponse(name, "redirect of a credential to another host refused")
            target = following
        raise InvalidResponse(name, "too many redirects")

    async def _send_once(
        self,
        name: str,
        method: str,
        target: _Target,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> Answer:
        """The one place where transport errors become registry errors."""
        if not self._started:
            self._start()
        async with self._semaphore(name):
            self.requests_sent += 1
            from pinlint.registry import connections as c

            try:
                if self._pool is None:
                    return await self._through_httpx(name, method, target, headers, data, max_bytes)
                return await self._exchange(name, method, target, headers, data, max_bytes)
            except c.ConnectTimeout:
                raise _Retry(Unreachable(name, "connection timed out")) from None
            except (c.ReadTimeout, c.WriteTimeout):
                raise RegistryTimeout(name, "the registry did not answer in time") from None
            except c.ConnectFailed as e:
                if _is_dns_failure(e):
                    # Fail fast: another try resolves the same name the same way.
                    raise Unreachable(name, DNS_FAILED) from None
                if _is_tls_failure(e):
                    raise Unreachable(name, "TLS handshake failed") from None
                raise _Retry(Unreachable(name, REFUSED)) from None
            except c.ConnectionLost:
                raise _Retry(Unreachable(name, "connection lost")) from None
            except c.HTTPFailure:
                raise InvalidResponse(name, "HTTP error") from None

    async def _exchange(
        self,
        name: str,
        method: str,
        target: _Target,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> Answer:
        """One request through the pool: the headers httpx's client would send."""
        assert self._pool is not None
        assert self._timeouts is not None
        merged = dict(_DEFAULT_HEADERS)
        for key, value in headers.items():
            merged[key.lower()] = (key, value)
        body = b""
        if data is not None:
            body = urllib.parse.urlencode(data).encode("ascii")
            merged["content-type"] = ("Content-Type", "application/x-www-form-urlencoded")
            merged["content-length"] = ("Content-Length", str(len(body)))
        # Values are ASCII, as httpx requires (UnicodeEncodeError otherwise); h11 refuses
        # control characters (a CR-LF from a hostile token endpoint cannot add a header).
        raw = [(b"Host", target.host_header.encode("ascii"))]
        raw += [(k.encode("ascii"), v.encode("ascii")) for k, v in merged.values()]
        head, stream = await self._pool.request(
            method, target.origin, target.target, raw, body, self._timeouts
        )
        try:
            pairs = [(k.decode("latin-1"), _text(v)) for k, v in head.headers]
            content = await _read_body(name, pairs, stream, max_bytes)
        finally:
            stream.close()
        return Answer(
            head.status_code, Headers(_without_framing(pairs)), content, method, target.url
        )

    async def _through_httpx(
        self,
        name: str,
        method: str,
        target: _Target,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> Answer:
        """One request through httpx's client (a test's transport, or a proxy)."""
        import httpx  # lazy: httpx

        assert self._http is not None
        try:
            request = self._http.build_request(method, target.url, headers=headers, data=data)
            if self._transport is not None:
                # A test's transport, without the client's cookie jar, auth and hooks.
                streamed = await self._transport.handle_async_request(request)
                streamed.request = request
            else:
                streamed = await self._http.send(request, stream=True)
            try:
                body = await _read_capped(name, streamed, max_bytes)
            finally:
                await streamed.aclose()
        except httpx.HTTPError as e:
            raise _as_failure(e) from e  # the pool's kinds: one mapping, in _send_once
        pairs = _without_framing(streamed.headers.multi_items())
        return Answer(streamed.status_code, Headers(pairs), body, method, target.url)


def _as_failure(error: httpx.HTTPError) -> Exception:
    """The pool's error for one of httpx's (the cause chain stays: DNS and TLS failures
    are told apart by it)."""
    import httpx  # lazy: httpx

    from pinlint.registry import connections as c

    kind: type[c.HTTPFailure] = c.HTTPFailure
    if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        kind = c.ConnectTimeout
    elif isinstance(error, httpx.TimeoutException):
        kind = c.ReadTimeout
    elif isinstance(error, httpx.ConnectError):
        kind = c.ConnectFailed
    elif isinstance(error, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        kind = c.ConnectionLost
    return kind(str(error))


USER_AGENT = "pinlint"
# What httpx's client sends unless told otherwise (br and zstd only with their
# libraries installed: never asked for here), with pinlint's User-Agent.
_DEFAULT_HEADERS = {
    "accept": ("Accept", "*/*"),
    "accept-encoding": ("Accept-Encoding", "gzip, deflate"),
    "connection": ("Connection", "keep-alive"),
    "user-agent": ("User-Agent", USER_AGENT),
}
# Headers that described the body on the wire: an answer's body is decoded.
_FRAMING = ("content-encoding", "content-length", "transfer-encoding")


def _without_framing(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k.lower() not in _FRAMING]


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _too_large(name: str, max_bytes: int) -> InvalidResponse:
    return InvalidResponse(name, f"answer larger than {max_bytes // 1024 // 1024} MiB")


async def _read_body(
    name: str, headers: list[tuple[str, str]], body: Body, max_bytes: int
) -> bytes:
    """The body, decoded, or InvalidResponse once it passes ``max_bytes`` (counted after
    decoding: a compression bomb stops at the cap)."""
    declared = ""
    encoding = ""
    for key, value in headers:
        lowered = key.lower()
        if lowered == "content-length":
            declared = value.strip()
        elif lowered == "content-encoding":
            encoding = value.strip().lower()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(name, max_bytes)
    encoded = encoding not in ("", "identity")
    inflate: _Inflate | None = None  # made with the first byte: a HEAD has none to decode
    chunks: list[bytes] = []
    size = 0
    async for chunk in body:
        if encoded and chunk:
            if inflate is None:
                inflate = _Inflate(name, encoding)
            chunk = inflate.feed(chunk, max_bytes - size + 1)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(name, max_bytes)
        chunks.append(chunk)
    if inflate is not None:
        rest = inflate.end()
        size += len(rest)
        if size > max_bytes:
            raise _too_large(name, max_bytes)
        chunks.append(rest)
    return b"".join(chunks)


class _Inflate:
    """gzip and deflate (zlib or raw, as httpx reads it), never more than asked for."""

    def __init__(self, name: str, encoding: str) -> None:
        self._name = name
        if encoding in ("gzip", "x-gzip"):
            self._wbits = zlib.MAX_WBITS | 16
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
        else:
            raise InvalidResponse(name, "answer in an unsupported content encoding")
        self._raw_fallback = encoding == "deflate"
        self._decoder = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Up to ``limit`` bytes decoded from ``data`` (past the limit the caller stops)."""
        try:
            out = self._decoder.decompress(data, limit)
        except zlib.error:
            if self._started or not self._raw_fallback:
                raise InvalidResponse(self._name, "compressed answer not readable") from None
            self._raw_fallback = False
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data, limit)
        self._started = True
        return out

    def end(self) -> bytes:
        try:
            return self._decoder.flush()
        except zlib.error:
            raise InvalidResponse(self._name, "compressed answer not readable") from None


async def _read_capped(name: str, response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, or InvalidResponse once it passes ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(name, max_bytes)
    chunks: list[bytes] = []
    size = 0
    # aiter_bytes decodes gzip and brotli: the cap counts what a bomb inflates to.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(name, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


# --- statuses ------------------------------------------------------------------------------


def check_status(name: str, response: Answer, repo: Repository, reference: str | None) -> None:
    """Raise the registry error for a response that is not a success."""
    if 200 <= response.status_code < 300:
        return
    raise status_error(name, response, repo, reference)


def status_error(
    name: str,
    response: Answer,
    repo: Repository | None,
    reference: str | None,
) -> RegistryError:
    """The one mapping from an HTTP status to a registry error."""
    status = response.status_code
    if status == 404 and repo is not None:
        codes = _error_codes(response)
        if "NAME_UNKNOWN" in codes or reference is None:
            return NotFound(name, f"repository {repo.path} not found", what="repository")
        if ":" in reference:
            return NotFound(name, f"digest {reference} not found in {repo.path}", what="digest")
        return NotFound(name, f"tag {reference} not found in {repo.path}", what="tag")
    if status == 401:
        return Unauthorized(name)
    if status == 403:
        return Forbidden(name)
    if status == 429:
        return RateLimited(name)
    return ServerError(name, status)


def _error_codes(response: Answer) -> set[str]:
    if response.method == "HEAD":
        return set()
    try:
        data = response.json()
        return {str(e.get("code")) for e in data.get("errors") or [] if isinstance(e, dict)}
    except (ValueError, AttributeError, TypeError):
        return set()


def media_type(response: Answer) -> str | None:
    """The media type of a response's ``Content-Type``, without parameters."""
    value = response.headers.get("Content-Type")
    if not value:
        return None
    return value.partition(";")[0].strip() or None
