"""An asynchronous client for the registry API (distribution spec), on one httpx client.

What it does, and why it is shaped this way:

- One ``httpx.AsyncClient`` per run, HTTP/1.1 with keep-alive: every request after the
  first to a host reuses a connection.  A per-host semaphore bounds concurrency.
- The first request to a host is ``GET /v2/`` (what docker calls the ping): it decides
  the scheme (plain HTTP only for loopback hosts and ``insecure-registries``) and tells
  which authentication the host wants, so that every later request carries its token
  from the start instead of paying a 401 round trip per repository.
- Bearer tokens are fetched once per (realm, service, scope) and reused until they
  expire; concurrent requests for the same scope wait for one token request.
- Identical requests in one run are made once (an in-flight table), and answers go
  through :class:`~pinlint.registry.cache.Cache`, so a warm cache sends nothing.
- Errors: every httpx error and unexpected status becomes a
  :class:`~pinlint.registry.RegistryError` in :meth:`RegistryClient._send_once` and
  :meth:`RegistryClient._check_status`, nowhere else.  Messages are built from the host
  and fixed text only, so a credential can never leak through one.
- Retries: 429 (honouring ``Retry-After``, capped), 5xx and connection errors, with
  jittered exponential backoff, at most ``max_tries`` tries.  A host that cannot be
  resolved or reached is remembered, and later requests to it fail at once.
- Redirects are followed here, not by httpx, so that ``Authorization`` is attached only
  to requests for the host it belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import hashlib
import ipaddress
import json
import os
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pinlint.registry import (
    DigestMismatch,
    Forbidden,
    InsecureRegistry,
    InvalidResponse,
    NotFound,
    NotInCache,
    RateLimited,
    RegistryError,
    RegistryTimeout,
    ServerError,
    Unauthorized,
    Unreachable,
)
from pinlint.registry.auth import (
    Challenge,
    Credential,
    CredentialError,
    CredentialStore,
    TokenCache,
    basic_header,
    parse_challenges,
)
from pinlint.registry.cache import Cache

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ACCEPT",
    "INDEX_MEDIA_TYPES",
    "ManifestInfo",
    "PlatformManifest",
    "RegistryClient",
    "Repository",
    "TagListing",
]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_MEDIA_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
# All four, always: without the index types a registry answers a multi-arch tag with
# one platform's manifest (or 404), and the digest pinned would not be the tag's.
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "https://registry-1.docker.io"
HUB_TAGS_API = "https://hub.docker.com"
HUB_PAGE_SIZE = 100
HUB_MAX_PAGES = 30  # 3,000 tags, newest first; older tags are not siblings of today's
TAG_LIST_MAX_PAGES = 100
MAX_REDIRECTS = 5
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the distribution spec's limit for manifests
RETRY_STATUSES = frozenset({500, 502, 503, 504})

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True)
class Repository:
    """A repository in a registry: ``domain`` as the reference names the registry."""

    domain: str  # "docker.io", "ghcr.io", "127.0.0.1:5000"
    path: str  # "library/nginx"

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.path}"


@dataclasses.dataclass(frozen=True)
class ManifestInfo:
    digest: str
    media_type: str | None

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_MEDIA_TYPES


@dataclasses.dataclass(frozen=True)
class PlatformManifest:
    """One entry of an index: the manifest of one platform."""

    digest: str
    media_type: str | None
    platform: str  # "linux/amd64", "linux/arm64/v8"; "unknown/unknown" for attestations


@dataclasses.dataclass(frozen=True)
class TagListing:
    tags: tuple[str, ...]
    # tag -> digest where the listing itself says (Docker Hub's tags API); a tag missing
    # here needs a HEAD.
    digests: Mapping[str, str] = dataclasses.field(default_factory=dict)


class _Retry(Exception):
    """Internal: a failed try that may be repeated."""

    def __init__(self, error: RegistryError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclasses.dataclass
class _Host:
    """What this run learnt about one registry host."""

    name: str  # the registry as the user names it, for messages
    base: str | None = None  # "https://registry-1.docker.io", decided by the ping
    challenges: list[Challenge] = dataclasses.field(default_factory=list)
    failure: RegistryError | None = None  # set once the host proved unreachable
    ready: bool = False


POOL_SIZE = 8  # connections per pool, see _PooledTransport


def _proxy_from_env() -> bool:
    """Whether the environment names an HTTP proxy (httpx then uses its own pool)."""
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    return any(os.environ.get(n) or os.environ.get(n.lower()) for n in names)


def _pooled_transport(shards: int) -> httpx.AsyncBaseTransport:
    # httpx is imported here, not at module level: a run answered from the cache never
    # needs it (importing it costs ~60 ms).
    import httpx

    class _PooledTransport(httpx.AsyncBaseTransport):
        """Several small connection pools behind one client, used in turn.

        httpcore's pool scans every connection for every queued request each time a request
        starts or ends, so its CPU cost grows with the square of the connections: 300
        requests at 64 at once cost 2.2 s of CPU in one pool and 0.6 s in eight pools of
        eight (measured on the 2-core machine).  Each pool keeps its connections alive.

        The pools for HTTPS share one TLS context, built on the first HTTPS request
        (loading the CA bundle costs ~20 ms): a run against a local registry never
        loads it.
        """

        def __init__(self, shards: int) -> None:
            self._shards = max(1, shards)
            self._pools: dict[bool, list[httpx.AsyncHTTPTransport]] = {}
            self._turn = 0

        def _pool(self, https: bool) -> httpx.AsyncHTTPTransport:
            pools = self._pools.get(https)
            if pools is None:
                # One context for all pools of a scheme.  Plain HTTP pools never use
                # theirs, so they get a bare one (httpx would build one per pool).
                verify = (
                    httpx.create_ssl_context(trust_env=True)
                    if https
                    else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                )
                pools = self._pools[https] = [
                    httpx.AsyncHTTPTransport(
                        verify=verify,
                        trust_env=True,
                        limits=httpx.Limits(max_connections=None, keepalive_expiry=30.0),
                    )
                    for _ in range(self._shards)
                ]
            self._turn = (self._turn + 1) % self._shards
            return pools[self._turn]

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await self._pool(request.url.scheme == "https").handle_async_request(request)

        async def aclose(self) -> None:
            for pools in self._pools.values():
                for pool in pools:
                    await pool.aclose()

    return _PooledTransport(shards)


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` and ``::1``, with or without a port."""
    name = _strip_port(host)
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def plain_http_allowed(host: str, insecure: Sequence[str]) -> bool:
    """Plain HTTP only for loopback hosts and ``insecure-registries`` entries.

    An entry is a host, a ``host:port``, or a CIDR range (as docker's daemon.json).
    """
    if is_loopback(host):
        return True
    bare = _strip_port(host)
    for entry in insecure:
        entry = entry.strip().lower()
        entry = entry.removeprefix("http://").removeprefix("https://").rstrip("/")
        if entry in (host.lower(), bare.lower()):
            return True
        if "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
                if ipaddress.ip_address(bare) in network:
                    return True
            except ValueError:
                continue
    return False


def _netloc(url: str) -> str:
    import httpx

    return httpx.URL(url).netloc.decode("ascii")


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
    return min(max(seconds, 0.0), cap)


def _next_link(response: httpx.Response) -> httpx.URL | None:
    """The ``rel="next"`` target of a ``Link`` header, relative to the request URL."""
    for value in response.headers.get_list("Link"):
        for part in _split_links(value):
            url_part, _, params = part.partition(">")
            url = url_part.strip().lstrip("<")
            rels = [p.strip() for p in params.split(";") if p.strip()]
            for rel in rels:
                name, _, val = rel.partition("=")
                if name.strip().lower() == "rel" and "next" in val.strip().strip('"').split():
                    return response.request.url.join(url)
    return None


def _split_links(value: str) -> list[str]:
    # Commas separate links, but may also appear inside <...>: split outside brackets.
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return [p for p in parts if p.strip()]


def compute_digest(body: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, body).hexdigest()}"


def _media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("Content-Type")
    if not value:
        return None
    return value.partition(";")[0].strip() or None


class RegistryClient:
    """Ask registries about manifests and tags.  Use as ``async with``.

    ``transport`` is for tests (``httpx.MockTransport``); ``offline=True`` never opens a
    socket and answers from ``cache`` only.
    """

    def __init__(
        self,
        *,
        cache: Cache | None = None,
        credentials: CredentialStore | None = None,
        mirrors: Mapping[str, str] | None = None,
        insecure: Sequence[str] = (),
        concurrency: int = 8,
        timeout: float = 10.0,
        max_tries: int = 3,
        retry_after_cap: float = 10.0,
        backoff: float = 0.25,
        offline: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        hub_tags_api: str | None = HUB_TAGS_API,
    ) -> None:
        self.cache = cache if cache is not None else Cache(None)
        self.credentials = credentials if credentials is not None else CredentialStore()
        self.mirrors = dict(mirrors or {})
        self.insecure = tuple(insecure)
        self.concurrency = max(1, concurrency)
        self.max_tries = max(1, max_tries)
        self.retry_after_cap = retry_after_cap
        self.backoff = backoff
        self.offline = offline
        self.hub_tags_api = hub_tags_api
        self.requests_sent = 0
        self._tokens = TokenCache()
        self._hosts: dict[str, _Host] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._token_locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._credential_found: dict[tuple[str, str], Credential | None] = {}
        self._inflight: dict[tuple[str, ...], asyncio.Task[Any]] = {}
        self._timeout = timeout
        self._transport = transport
        # Created on the first request: a run answered from the cache pays for no
        # client, no TLS context and no connection.
        self._http: httpx.AsyncClient | None = None
        self._closed = False

    def _client(self) -> httpx.AsyncClient:
        import httpx

        if self._http is None:
            if self.offline or self._closed:
                raise RuntimeError("no request may be sent")  # guarded by _host()
            transport = self._transport
            if transport is None and not _proxy_from_env():
                transport = _pooled_transport(-(-self.concurrency // POOL_SIZE))
            self._http = httpx.AsyncClient(
                transport=transport,
                follow_redirects=False,
                timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
                limits=httpx.Limits(max_connections=None, keepalive_expiry=30.0),
                headers={"User-Agent": "pinlint"},
            )
        return self._http

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._inflight.values():
            if not task.done():
                task.cancel()
        for task in self._inflight.values():
            if task.done() and not task.cancelled():
                task.exception()  # mark as retrieved: nobody may be left awaiting it
        self._closed = True
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- public operations ---------------------------------------------------------------

    async def manifest_info(self, repo: Repository, reference: str) -> ManifestInfo:
        """The digest and media type of ``repo:reference`` (a tag or a digest).

        ``HEAD`` with all four manifest types; a ``GET`` (verified) when the registry
        does not send ``Docker-Content-Digest``.  Tags are cached for the TTL, digests
        for good.
        """
        is_digest = ":" in reference
        if is_digest:
            fact = self.cache.digest_fact(repo.key, reference)
            if fact is not None and fact.get("exists"):
                mt = fact.get("media_type")
                return ManifestInfo(reference, mt if isinstance(mt, str) else None)
        else:
            cached = self.cache.tag_digest(repo.key, reference)
            if cached is not None:
                return ManifestInfo(*cached)
        return await self._once(("head", repo.key, reference), self._head, repo, reference)

    async def manifest(self, repo: Repository, reference: str) -> tuple[ManifestInfo, bytes]:
        """``GET`` a manifest; its bytes are checked against the digest claimed for them."""
        return await self._once(("get", repo.key, reference), self._get_manifest, repo, reference)

    async def platforms(self, repo: Repository, digest: str) -> tuple[PlatformManifest, ...]:
        """The platform manifests an index lists (empty for a single manifest)."""
        fact = self.cache.digest_fact(repo.key, digest)
        if fact is not None and isinstance(fact.get("platforms"), list):
            return tuple(
                PlatformManifest(p[0], p[1], p[2])
                for p in fact["platforms"]
                if isinstance(p, list) and len(p) == 3
            )
        info, body = await self.manifest(repo, digest)
        entries: list[PlatformManifest] = []
        if info.is_index:
            try:
                data = json.loads(body)
                for m in data.get("manifests") or []:
                    plat = m.get("platform") or {}
                    name = "/".join(
                        x
                        for x in (
                            plat.get("os", "unknown"),
                            plat.get("architecture", "unknown"),
                            plat.get("variant"),
                        )
                        if x
                    )
                    entries.append(PlatformManifest(m["digest"], m.get("mediaType"), name))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise InvalidResponse(repo.domain, "unreadable image index") from None
        self.cache.put_digest_fact(
            repo.key,
            digest,
            exists=True,
            media_type=info.media_type,
            platforms=[[e.digest, e.media_type, e.platform] for e in entries],
        )
        return tuple(entries)

    async def tags(self, repo: Repository) -> TagListing:
        """Every tag of ``repo``; on Docker Hub with each tag's digest (the Hub tags API)."""
        cached = self.cache.tag_list(repo.key)
        if cached is not None:
            return TagListing(tuple(cached[0]), cached[1])
        return await self._once(("tags", repo.key), self._list_tags, repo)

    # --- operations, uncached --------------------------------------------------------------

    async def _once(self, key: tuple[str, ...], fn: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Run ``fn(*args)`` once per run for ``key``; later callers share the answer."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(fn(*args))
            self._inflight[key] = task
        result: _T = await asyncio.shield(task)
        return result

    def _manifest_url(self, host: _Host, repo: Repository, reference: str) -> str:
        assert host.base is not None
        return f"{host.base}/v2/{repo.path}/manifests/{quote(reference, safe=':')}"

    async def _head(self, repo: Repository, reference: str) -> ManifestInfo:
        host = await self._host(repo.domain)
        response = await self._request(
            host, "HEAD", self._manifest_url(host, repo, reference), repo, {"Accept": ACCEPT}
        )
        self._check_status(host, response, repo, reference)
        digest = response.headers.get("Docker-Content-Digest")
        if not digest:
            # Some registries (and some proxies) drop the header: hash the bytes.
            info, _ = await self.manifest(repo, reference)
            return info
        info = ManifestInfo(digest.strip(), _media_type(response))
        if ":" in reference and info.digest != reference:
            raise DigestMismatch(host.name, f"asked for {reference}, got {info.digest}")
        self._remember(repo, reference, info)
        return info

    async def _get_manifest(self, repo: Repository, reference: str) -> tuple[ManifestInfo, bytes]:
        host = await self._host(repo.domain)
        response = await self._request(
            host, "GET", self._manifest_url(host, repo, reference), repo, {"Accept": ACCEPT}
        )
        self._check_status(host, response, repo, reference)
        body = response.content
        if len(body) > MAX_MANIFEST_BYTES:
            raise InvalidResponse(host.name, "manifest larger than 4 MiB")
        claimed = response.headers.get("Docker-Content-Digest", "").strip() or None
        expected = reference if ":" in reference else claimed
        algorithm = (expected or "sha256:").partition(":")[0]
        if algorithm not in ("sha256", "sha384", "sha512"):
            raise InvalidResponse(host.name, f"unsupported digest algorithm {algorithm}")
        actual = compute_digest(body, algorithm)
        for wanted in (expected, claimed):
            if wanted is not None and wanted != actual:
                raise DigestMismatch(
                    host.name, f"manifest bytes hash to {actual}, the registry says {wanted}"
                )
        info = ManifestInfo(actual, _media_type(response) or _body_media_type(body))
        self._remember(repo, reference, info)
        return info, body

    def _remember(self, repo: Repository, reference: str, info: ManifestInfo) -> None:
        if ":" not in reference:
            self.cache.put_tag_digest(repo.key, reference, info.digest, info.media_type)
        fact = self.cache.digest_fact(repo.key, info.digest) or {}
        if not fact.get("exists") or (info.media_type and not fact.get("media_type")):
            self.cache.put_digest_fact(
                repo.key, info.digest, exists=True, media_type=info.media_type
            )

    async def _list_tags(self, repo: Repository) -> TagListing:
        listing: TagListing | None = None
        if repo.domain == DOCKER_HUB and DOCKER_HUB not in self.mirrors and self.hub_tags_api:
            with contextlib.suppress(RegistryError):
                # The Hub API gives digests too, saving a HEAD per candidate; when it
                # fails (rate limit, private repository) the registry API still works.
                listing = await self._hub_tags(repo)
        if listing is None:
            listing = await self._registry_tags(repo)
        self.cache.put_tag_list(repo.key, list(listing.tags), dict(listing.digests))
        return listing

    async def _registry_tags(self, repo: Repository) -> TagListing:
        import httpx

        host = await self._host(repo.domain)
        assert host.base is not None
        url: httpx.URL | None = httpx.URL(f"{host.base}/v2/{repo.path}/tags/list")
        tags: list[str] = []
        seen: set[str] = set()
        for _ in range(TAG_LIST_MAX_PAGES):
            if url is None:
                break
            response = await self._request(host, "GET", str(url), repo, {})
            self._check_status(host, response, repo, None)
            try:
                data = response.json()
                page = data.get("tags") or []
                if not isinstance(page, list):
                    raise TypeError
            except (ValueError, TypeError, AttributeError):
                raise InvalidResponse(host.name, "unreadable tag list") from None
            for tag in page:
                if isinstance(tag, str) and tag not in seen:
                    seen.add(tag)
                    tags.append(tag)
            url = _next_link(response)
        return TagListing(tuple(tags))

    async def _hub_tags(self, repo: Repository) -> TagListing:
        assert self.hub_tags_api is not None
        namespace, _, name = repo.path.partition("/")
        base = f"{self.hub_tags_api}/v2/repositories/{namespace}/{name}/tags"
        host = self._hosts.get("hub") or _Host("hub.docker.com", base=self.hub_tags_api)
        host.ready = True
        self._hosts["hub"] = host

        async def page(n: int) -> dict[str, Any]:
            url = f"{base}?page_size={HUB_PAGE_SIZE}&page={n}&ordering=last_updated"
            response = await self._request(host, "GET", url, None, {})
            self._check_status(host, response, repo, None)
            try:
                data = response.json()
                if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                    raise TypeError
            except (ValueError, TypeError):
                raise InvalidResponse(host.name, "unreadable tags page") from None
            return data

        first = await page(1)
        count = first.get("count")
        pages = [first]
        if isinstance(count, int) and count > HUB_PAGE_SIZE:
            last = min(-(-count // HUB_PAGE_SIZE), HUB_MAX_PAGES)
            # The count is known after the first page, so the rest go in parallel.
            pages += await asyncio.gather(*(page(n) for n in range(2, last + 1)))
        tags: list[str] = []
        seen: set[str] = set()
        digests: dict[str, str] = {}
        for data in pages:
            for item in data["results"]:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    continue
                tag = item["name"]
                if tag in seen:
                    continue  # pages fetched in parallel may overlap when tags move
                seen.add(tag)
                tags.append(tag)
                digest = item.get("digest")
                if isinstance(digest, str) and digest.startswith("sha256:"):
                    digests[tag] = digest
        return TagListing(tuple(tags), digests)

    # --- hosts, auth and transport ---------------------------------------------------------

    def _semaphore(self, name: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(name)
        if sem is None:
            sem = self._semaphores[name] = asyncio.Semaphore(self.concurrency)
        return sem

    def _candidate_bases(self, domain: str) -> list[str]:
        """Base URLs to try, in order; the ping picks the first that answers."""
        import httpx

        mirror = self.mirrors.get(domain)
        if mirror:
            url = httpx.URL(mirror if "://" in mirror else f"https://{mirror}")
            netloc = url.netloc.decode("ascii")
            if url.scheme == "http" and not plain_http_allowed(netloc, self.insecure):
                raise InsecureRegistry(
                    domain, f"mirror {netloc} uses plain HTTP; list it in insecure-registries"
                )
            base = str(url).rstrip("/")
            base = base.removesuffix("/v2")
            return [base]
        api = DOCKER_HUB_API.removeprefix("https://") if domain == DOCKER_HUB else domain
        if is_loopback(domain):
            # Local registries are nearly always plain HTTP: try that first, one round
            # trip instead of a failed TLS handshake on every run.
            return [f"http://{api}", f"https://{api}"]
        if plain_http_allowed(domain, self.insecure):
            return [f"https://{api}", f"http://{api}"]
        return [f"https://{api}"]

    async def _host(self, domain: str) -> _Host:
        """The host state for ``domain``, pinging it first if this is the first request."""
        if self.offline:
            raise NotInCache(domain)
        host = self._hosts.get(domain)
        if host is not None and host.ready:
            if host.failure is not None:
                raise host.failure
            return host
        lock = self._host_locks.setdefault(domain, asyncio.Lock())
        async with lock:
            host = self._hosts.get(domain)
            if host is None:
                host = self._hosts[domain] = _Host(domain)
            if not host.ready:
                try:
                    await self._ping(host, self._candidate_bases(domain))
                except RegistryError as e:
                    host.failure = e
                finally:
                    host.ready = True
        if host.failure is not None:
            raise host.failure
        return host

    async def _ping(self, host: _Host, bases: list[str]) -> None:
        last: RegistryError | None = None
        for base in bases:
            host.base = base
            host.failure = None
            try:
                response = await self._send(host, "GET", f"{base}/v2/", None, {})
            except Unreachable as e:
                last = e
                if e.reason == _DNS_FAILED:
                    break  # the other scheme resolves the same name: fail fast
                if e.reason == _REFUSED and _explicit_port(base) is not None:
                    break  # the same port refuses whatever scheme we speak
                continue
            if response.status_code == 400 and base.startswith("http://"):
                # A TLS port answering plain HTTP ("Client sent an HTTP request to an
                # HTTPS server"): try the next scheme.
                last = InvalidResponse(host.name, "plain HTTP refused")
                continue
            if response.status_code == 401:
                host.challenges = parse_challenges(response.headers.get_list("WWW-Authenticate"))
                return
            if response.status_code < 300 or response.status_code == 404:
                # 404: not every registry (or mirror) answers the ping; the API may
                # still work, and each request will say so if not.
                return
            last = self._status_error(host, response, None, None)
            break
        assert last is not None
        raise last

    async def _credential(self, host: _Host, repo: Repository | None) -> Credential | None:
        domain = host.name
        key = (domain, repo.path if repo else "")
        if key in self._credential_found:
            return self._credential_found[key]
        lookup_host = domain
        if host.base is not None and domain in self.mirrors:
            # A mirror authenticates with its own credentials.
            lookup_host = _netloc(host.base)
        try:
            found = await asyncio.to_thread(
                self.credentials.lookup, lookup_host, repo.path if repo else None
            )
        except CredentialError as e:
            raise RegistryError(domain, str(e)) from None
        self._credential_found[key] = found
        return found

    async def _authorization(
        self, host: _Host, repo: Repository | None, scope_override: str | None = None
    ) -> str | None:
        bearer = next((c for c in host.challenges if c.scheme == "bearer"), None)
        if bearer is not None and bearer.realm:
            scope = scope_override or (f"repository:{repo.path}:pull" if repo else "")
            token = await self._token(host, bearer, scope, repo)
            return f"Bearer {token}"
        basic = next((c for c in host.challenges if c.scheme == "basic"), None)
        if basic is not None:
            credential = await self._credential(host, repo)
            if credential is not None and credential.identity_token is None:
                return basic_header(credential)
        return None

    async def _token(
        self, host: _Host, challenge: Challenge, scope: str, repo: Repository | None
    ) -> str:
        realm = challenge.params["realm"]
        service = challenge.params.get("service", "")
        key = (realm, service, scope)
        token = self._tokens.get(key)
        if token is not None:
            return token
        lock = self._token_locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self._tokens.get(key)
            if token is not None:
                return token
            credential = await self._credential(host, repo)
            import httpx

            realm_url = httpx.URL(realm)
            realm_netloc = realm_url.netloc.decode("ascii")
            if realm_url.scheme != "https" and not plain_http_allowed(realm_netloc, self.insecure):
                # Never send a password in clear text to a host we may not talk HTTP to.
                credential = None
            params = {k: v for k, v in (("service", service), ("scope", scope)) if v}
            token_host = _Host(host.name, base=f"{realm_url.scheme}://{realm_netloc}", ready=True)
            if credential is not None and credential.identity_token:
                form = {
                    "grant_type": "refresh_token",
                    "refresh_token": credential.identity_token,
                    "client_id": "pinlint",
                    **params,
                }
                response = await self._send(
                    token_host, "POST", realm, None, {}, data=form, auth_header=None
                )
            else:
                url = str(realm_url.copy_merge_params(params))
                auth = basic_header(credential) if credential is not None else None
                response = await self._send(token_host, "GET", url, None, {}, auth_header=auth)
            if response.status_code in (401, 403):
                raise Unauthorized(host.name, login_hint=self._login_hint(host.name))
            if response.status_code >= 300:
                raise self._status_error(token_host, response, None, None)
            try:
                data = response.json()
                token = data.get("token") or data.get("access_token")
                if not isinstance(token, str) or not token:
                    raise TypeError
                expires = data.get("expires_in")
            except (ValueError, TypeError, AttributeError):
                raise InvalidResponse(
                    host.name, "token endpoint answered without a token"
                ) from None
            self._tokens.put(
                key, token, float(expires) if isinstance(expires, int | float) else None
            )
            return token

    @staticmethod
    def _login_hint(domain: str) -> str:
        return "docker login" if domain == DOCKER_HUB else f"docker login {domain}"

    async def _request(
        self,
        host: _Host,
        method: str,
        url: str,
        repo: Repository | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        """One API request with authentication; a 401 gets one fresh-token retry."""
        if self.offline:
            # Every API request comes through here, Docker Hub's tags API (a host of its
            # own, never pinged) included; _host() stops the ping.  Before any credential
            # lookup: --offline runs no credential helper either.
            raise NotInCache(host.name)
        try:
            return await self._authorized(host, method, url, repo, headers)
        except Unreachable as e:
            host.failure = e  # the host is down: later requests to it fail at once
            raise

    async def _authorized(
        self,
        host: _Host,
        method: str,
        url: str,
        repo: Repository | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        auth = await self._authorization(host, repo)
        response = await self._send(host, method, url, repo, headers, auth_header=auth)
        if response.status_code != 401:
            return response
        challenges = parse_challenges(response.headers.get_list("WWW-Authenticate"))
        bearer = next((c for c in challenges if c.scheme == "bearer" and c.realm), None)
        basic = next((c for c in challenges if c.scheme == "basic"), None)
        if bearer is not None:
            scope = bearer.params.get("scope")
            if not host.challenges:
                host.challenges = challenges
            scope = scope or (f"repository:{repo.path}:pull" if repo else "")
            self._tokens.forget((bearer.params["realm"], bearer.params.get("service", ""), scope))
            token = await self._token(host, bearer, scope, repo)
            retry = f"Bearer {token}"
        elif basic is not None:
            credential = await self._credential(host, repo)
            if credential is None or credential.identity_token or auth is not None:
                raise Unauthorized(host.name, login_hint=self._login_hint(host.name))
            if not host.challenges:
                host.challenges = challenges
            retry = basic_header(credential)
        else:
            raise Unauthorized(host.name, login_hint=self._login_hint(host.name))
        if retry == auth:
            raise Unauthorized(host.name, login_hint=self._login_hint(host.name))
        response = await self._send(host, method, url, repo, headers, auth_header=retry)
        if response.status_code == 401:
            raise Unauthorized(host.name, login_hint=self._login_hint(host.name))
        return response

    async def _send(
        self,
        host: _Host,
        method: str,
        url: str,
        repo: Repository | None,
        headers: dict[str, str],
        *,
        auth_header: str | None = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries and redirects; returns the final response, any status."""
        error: RegistryError | None = None
        for attempt in range(1, self.max_tries + 1):
            delay: float | None = None
            try:
                response = await self._follow(host, method, url, headers, auth_header, data)
            except _Retry as r:
                error = r.error
            else:
                if response.status_code == 429:
                    error = RateLimited(host.name)
                    delay = _retry_after(response, self.retry_after_cap)
                elif response.status_code in RETRY_STATUSES:
                    error = ServerError(host.name, response.status_code)
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
        host: _Host,
        method: str,
        url: str,
        headers: dict[str, str],
        auth_header: str | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        """Send one try, following redirects; ``Authorization`` stays on its origin."""
        import httpx

        target = httpx.URL(url)
        auth_origin = _origin(target)
        for _ in range(MAX_REDIRECTS + 1):
            request_headers = dict(headers)
            if auth_header is not None and _origin(target) == auth_origin:
                request_headers["Authorization"] = auth_header
            response = await self._send_once(host, method, target, request_headers, data)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("Location")
            if not location:
                return response
            nxt = target.join(location)
            if nxt.scheme not in ("http", "https"):
                raise InvalidResponse(host.name, "redirect to a non-HTTP URL")
            if (
                nxt.scheme == "http"
                and target.scheme == "https"
                and not plain_http_allowed(nxt.netloc.decode("ascii"), self.insecure)
            ):
                raise InsecureRegistry(host.name, "redirect from HTTPS to plain HTTP refused")
            if response.status_code == 303:
                method, data = ("GET" if method != "HEAD" else "HEAD"), None
            target = nxt
        raise InvalidResponse(host.name, "too many redirects")

    async def _send_once(
        self,
        host: _Host,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        """The one place where httpx errors become registry errors."""
        import httpx

        http = self._client()
        async with self._semaphore(host.name):
            self.requests_sent += 1
            try:
                return await http.request(method, url, headers=headers, data=data)
            except httpx.TimeoutException as e:
                if isinstance(e, httpx.ConnectTimeout | httpx.PoolTimeout):
                    raise _Retry(Unreachable(host.name, "connection timed out")) from None
                raise RegistryTimeout(host.name, "the registry did not answer in time") from None
            except httpx.ConnectError as e:
                if _is_dns_failure(e):
                    # Fail fast: another try resolves the same name the same way.
                    raise Unreachable(host.name, _DNS_FAILED) from None
                if _is_tls_failure(e):
                    raise Unreachable(host.name, "TLS handshake failed") from None
                raise _Retry(Unreachable(host.name, _REFUSED)) from None
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                raise _Retry(Unreachable(host.name, "connection lost")) from None
            except httpx.HTTPError:
                raise InvalidResponse(host.name, "HTTP error") from None

    # --- statuses ------------------------------------------------------------------------

    def _check_status(
        self, host: _Host, response: httpx.Response, repo: Repository, reference: str | None
    ) -> None:
        if 200 <= response.status_code < 300:
            return
        raise self._status_error(host, response, repo, reference)

    def _status_error(
        self,
        host: _Host,
        response: httpx.Response,
        repo: Repository | None,
        reference: str | None,
    ) -> RegistryError:
        status = response.status_code
        if status == 404 and repo is not None:
            codes = _error_codes(response)
            if "NAME_UNKNOWN" in codes or reference is None:
                return NotFound(host.name, f"repository {repo.path} not found", what="repository")
            if ":" in reference:
                return NotFound(
                    host.name, f"digest {reference} not found in {repo.path}", what="digest"
                )
            return NotFound(host.name, f"tag {reference} not found in {repo.path}", what="tag")
        if status == 401:
            return Unauthorized(host.name, login_hint=self._login_hint(host.name))
        if status == 403:
            return Forbidden(host.name)
        if status == 429:
            return RateLimited(host.name)
        return ServerError(host.name, status)


_DNS_FAILED = "cannot resolve the host name"
_REFUSED = "cannot connect"


def _explicit_port(base: str) -> int | None:
    """The explicit port of a base URL, if any."""
    import httpx

    return httpx.URL(base).port


def _error_codes(response: httpx.Response) -> set[str]:
    if response.request.method == "HEAD":
        return set()
    try:
        data = response.json()
        return {str(e.get("code")) for e in data.get("errors") or [] if isinstance(e, dict)}
    except (ValueError, AttributeError, TypeError):
        return set()


def _body_media_type(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    mt = data.get("mediaType") if isinstance(data, dict) else None
    if isinstance(mt, str):
        return mt
    if isinstance(data, dict) and "manifests" in data:
        return OCI_INDEX
    return None
