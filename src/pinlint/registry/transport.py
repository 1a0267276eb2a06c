"""Sending requests to registries: one httpx client, retries, redirects, error mapping.

- One ``httpx.AsyncClient`` per run, HTTP/1.1 with keep-alive: every request after the
  first to a host reuses a connection.  A per-host semaphore bounds concurrency.  The
  client is created on the first request: a run answered from the cache pays for no
  client, no TLS context and no connection, and never imports httpx.  Requests go
  straight to :class:`~pinlint.registry.connections.ConnectionPool` (httpcore's
  connections on asyncio), not through httpx's pool and anyio, unless the environment
  names a proxy, which httpx then routes.
- Errors: every httpx error and unexpected status becomes a
  :class:`~pinlint.registry.RegistryError` here (:meth:`Transport._send_once` and
  :func:`status_error`), nowhere else.  Messages are built from the host and fixed text
  only, so a credential can never leak through one.
- Retries: 429 (honouring ``Retry-After``, capped), 5xx and connection errors, with
  jittered exponential backoff, at most ``max_tries`` tries.
- Redirects are followed here, not by httpx, so that ``Authorization`` is attached only
  to requests for the origin it belongs to; a body (a refresh token POSTed to a token
  endpoint) is never sent to another origin either.
- Registries are untrusted: a body is read as a stream and abandoned past
  ``max_bytes`` (an endless answer would grow memory at the speed of the network), and
  a request, redirects and retries included, ends by ``REQUEST_DEADLINE``, however
  slowly the bytes drip.  ``Retry-After`` is honoured only as a finite number.

Every function takes the registry ``name`` as the user spells it: it keys the
semaphore and names the registry in error messages.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import os
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

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

__all__ = ["DNS_FAILED", "REFUSED", "Transport", "check_status", "status_error"]

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


def _connection_pool() -> httpx.AsyncBaseTransport:
    import httpx  # lazy: httpx (a run answered from the cache never sends a request)

    from pinlint.registry.connections import ConnectionPool

    return ConnectionPool(lambda: httpx.create_ssl_context(trust_env=True))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)


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


def _retry_after(response: httpx.Response, cap: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):  # "nan" and "inf" parse as floats
        return None
    return min(max(seconds, 0.0), cap)


class Transport:
    """Send requests with retries and redirects; the one owner of the httpx client.

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
        self._http: httpx.AsyncClient | None = None
        # The transport requests go to without the client's cookie jar, auth and hooks
        # (none of which a registry request uses: 0.1-0.2 ms of CPU each); None when
        # httpx routes them itself (a proxy from the environment).
        self._direct: httpx.AsyncBaseTransport | None = None
        self._closed = False

    def _client(self) -> httpx.AsyncClient:
        import httpx  # lazy: httpx

        if self._http is None:
            if self.offline or self._closed:
                raise RuntimeError("no request may be sent")  # guarded by the callers
            transport = self._transport
            if transport is None and not _proxy_from_env():
                transport = _connection_pool()
            self._direct = transport
            self._http = httpx.AsyncClient(
                transport=transport,
                follow_redirects=False,
                timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
                limits=httpx.Limits(max_connections=None, keepalive_expiry=30.0),
                headers={"User-Agent": "pinlint"},
            )
        return self._http

    async def aclose(self) -> None:
        self._closed = True
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
    ) -> httpx.Response:
        """Send with retries and redirects; returns the final response, any status.

        The body is read whole but at most ``max_bytes`` (InvalidResponse beyond), and
        the whole call ends by ``REQUEST_DEADLINE`` (RegistryTimeout).
        """
        try:
            return await asyncio.wait_for(
                self._send(name, method, url, headers, auth_header, data, max_bytes),
                REQUEST_DEADLINE,
            )
        except asyncio.TimeoutError:
            raise RegistryTimeout(
                name, f"no complete answer within {REQUEST_DEADLINE:g} s"
            ) from None

    async def _send(
        self,
        name: str,
        method: str,
        url: str,
        headers: dict[str, str],
        auth_header: str | None,
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> httpx.Response:
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
    ) -> httpx.Response:
        """Send one try, following redirects; ``Authorization`` and a body (which may
        carry a refresh token) stay on their origin."""
        import httpx  # lazy: httpx

        target = httpx.URL(url)
        auth_origin = _origin(target)
        for _ in range(MAX_REDIRECTS + 1):
            request_headers = dict(headers)
            if auth_header is not None and _origin(target) == auth_origin:
                request_headers["Authorization"] = auth_header
            response = await self._send_once(name, method, target, request_headers, data, max_bytes)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("Location")
            if not location:
                return response
            nxt = target.join(location)
            if nxt.scheme not in ("http", "https"):
                raise InvalidResponse(name, "redirect to a non-HTTP URL")
            if (
                nxt.scheme == "http"
                and target.scheme == "https"
                and not self._plain_http(nxt.netloc.decode("ascii"))
            ):
                raise InsecureRegistry(name, "redirect from HTTPS to plain HTTP refused")
            if response.status_code == 303:
                method, data = ("GET" if method != "HEAD" else "HEAD"), None
            elif data is not None and _origin(nxt) != auth_origin:
                # 307/308 repeat the body: a credential in it must not follow.
                raise InvalidResponse(name, "redirect of a credential to another host refused")
            target = nxt
        raise InvalidResponse(name, "too many redirects")

    async def _send_once(
        self,
        name: str,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        max_bytes: int,
    ) -> httpx.Response:
        """The one place where httpx errors become registry errors."""
        import httpx  # lazy: httpx

        http = self._client()
        async with self._semaphore(name):
            self.requests_sent += 1
            try:
                request = http.build_request(method, url, headers=headers, data=data)
                if self._direct is not None:
                    streamed = await self._direct.handle_async_request(request)
                    streamed.request = request
                else:
                    streamed = await http.send(request, stream=True)
                try:
                    body = await _read_capped(name, streamed, max_bytes)
                finally:
                    await streamed.aclose()
                # The body as read (decoded): the headers that described its encoding
                # on the wire no longer apply.
                kept = [
                    (k, v)
                    for k, v in streamed.headers.multi_items()
                    if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
                ]
                return httpx.Response(
                    streamed.status_code, headers=kept, content=body, request=request
                )
            except httpx.TimeoutException as e:
                if isinstance(e, httpx.ConnectTimeout | httpx.PoolTimeout):
                    raise _Retry(Unreachable(name, "connection timed out")) from None
                raise RegistryTimeout(name, "the registry did not answer in time") from None
            except httpx.ConnectError as e:
                if _is_dns_failure(e):
                    # Fail fast: another try resolves the same name the same way.
                    raise Unreachable(name, DNS_FAILED) from None
                if _is_tls_failure(e):
                    raise Unreachable(name, "TLS handshake failed") from None
                raise _Retry(Unreachable(name, REFUSED)) from None
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                raise _Retry(Unreachable(name, "connection lost")) from None
            except httpx.HTTPError:
                raise InvalidResponse(name, "HTTP error") from None


async def _read_capped(name: str, response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, or InvalidResponse once it passes ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InvalidResponse(name, f"answer larger than {max_bytes // 1024 // 1024} MiB")
    chunks: list[bytes] = []
    size = 0
    # aiter_bytes decodes gzip and brotli: the cap counts what a bomb inflates to.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InvalidResponse(name, f"answer larger than {max_bytes // 1024 // 1024} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


# --- statuses ------------------------------------------------------------------------------


def check_status(
    name: str, response: httpx.Response, repo: Repository, reference: str | None
) -> None:
    """Raise the registry error for a response that is not a success."""
    if 200 <= response.status_code < 300:
        return
    raise status_error(name, response, repo, reference)


def status_error(
    name: str,
    response: httpx.Response,
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


def _error_codes(response: httpx.Response) -> set[str]:
    if response.request.method == "HEAD":
        return set()
    try:
        data = response.json()
        return {str(e.get("code")) for e in data.get("errors") or [] if isinstance(e, dict)}
    except (ValueError, AttributeError, TypeError):
        return set()


def media_type(response: httpx.Response) -> str | None:
    """The media type of a response's ``Content-Type``, without parameters."""
    value = response.headers.get("Content-Type")
    if not value:
        return None
    return value.partition(";")[0].strip() or None
