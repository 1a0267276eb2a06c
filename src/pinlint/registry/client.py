"""The public operations of the registry API: manifests, platforms and tag lists.

:class:`RegistryClient` is what :mod:`pinlint.resolve` asks.  It is built, like httpx,
from parts that each own one concern:

- :mod:`pinlint.registry.types`: media types and the records answered;
- :mod:`pinlint.registry.transport`: requests (through
  :mod:`pinlint.registry.connections`), retries, redirects, and the mapping of every
  transport error and HTTP status to a :class:`~pinlint.registry.RegistryError`;
- :mod:`pinlint.registry.hosts`: the plain-HTTP policy and the ping of each host;
- :mod:`pinlint.registry.authflow`: credentials and tokens on each request
  (:mod:`pinlint.registry.auth` finds the credentials);
- :mod:`pinlint.registry.cache`: answers kept between runs, and
  :mod:`pinlint.registry.cached`: the operations answered from them alone, which this
  client extends with requests for what they lack.

Identical requests in one run are made once (an in-flight table), and answers go
through :class:`~pinlint.registry.cache.Cache`, so a warm cache sends nothing and never
imports httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pinlint.registry import (
    DigestMismatch,
    InvalidResponse,
    NotInCache,
    RegistryError,
    Unreachable,
)
from pinlint.registry.auth import CredentialStore
from pinlint.registry.authflow import AuthFlow
from pinlint.registry.cache import Cache
from pinlint.registry.cached import CachedClient
from pinlint.registry.hosts import Host, Hosts, plain_http_allowed
from pinlint.registry.transport import Answer, Transport, check_status, media_type
from pinlint.registry.types import (
    ACCEPT,
    DOCKER_HUB,
    HUB_TAGS_API,
    INDEX_MEDIA_TYPES,
    ManifestInfo,
    PlatformManifest,
    Repository,
    TagListing,
    body_media_type,
    compute_digest,
    valid_digest,
    valid_tag,
)

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
    "compute_digest",
    "plain_http_allowed",
]

HUB_PAGE_SIZE = 100
HUB_MAX_PAGES = 30  # 3,000 tags, newest first; older tags are not siblings of today's
TAG_LIST_MAX_PAGES = 100
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the distribution spec's limit for manifests
# More tags than this in one repository: the listing is abandoned (the reference keeps
# its tag and gets a digest), not the run.  The largest public repositories have tens
# of thousands; a million would cost seconds of CPU and a large cache entry every run.
MAX_TAGS = 50_000

_T = TypeVar("_T")


class RegistryClient(CachedClient):
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
        super().__init__(cache, mirrors)
        self.insecure = tuple(insecure)
        self.offline = offline
        self.hub_tags_api = hub_tags_api
        self._transport = Transport(
            plain_http=lambda netloc: plain_http_allowed(netloc, self.insecure),
            concurrency=max(1, concurrency),
            timeout=timeout,
            max_tries=max(1, max_tries),
            retry_after_cap=retry_after_cap,
            backoff=backoff,
            offline=offline,
            transport=transport,
        )
        self._hosts = Hosts(
            self._transport, mirrors=self.mirrors, insecure=self.insecure, offline=offline
        )
        self.credentials = credentials if credentials is not None else CredentialStore()
        self._auth = AuthFlow(
            self._transport,
            self.credentials,
            mirrors=self.mirrors,
            insecure=self.insecure,
        )
        self._inflight: dict[tuple[str, ...], asyncio.Task[Any]] = {}

    @property
    def requests_sent(self) -> int:
        """Requests sent so far (each try and each redirect counts)."""
        return self._transport.requests_sent

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
        await self._transport.aclose()

    # --- public operations (manifest_info, platforms and tags are CachedClient's) ---------

    async def manifest(self, repo: Repository, reference: str) -> tuple[ManifestInfo, bytes]:
        """``GET`` a manifest; its bytes are checked against the digest claimed for them."""
        return await self._once(("get", repo.key, reference), self._get_manifest, repo, reference)

    # --- what the cache lacks: asked of the registry, and kept ------------------------------

    async def _missing_manifest_info(self, repo: Repository, reference: str) -> ManifestInfo:
        """``HEAD`` with all four manifest types; a ``GET`` (verified) when the registry
        does not send ``Docker-Content-Digest``."""
        return await self._once(("head", repo.key, reference), self._head, repo, reference)

    async def _missing_platforms(
        self, repo: Repository, digest: str
    ) -> tuple[PlatformManifest, ...]:
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
                    if not valid_digest(m["digest"]):
                        raise ValueError("not a digest")
                    media = m.get("mediaType")
                    entries.append(
                        PlatformManifest(
                            m["digest"], media if isinstance(media, str) else None, str(name)
                        )
                    )
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                raise InvalidResponse(repo.domain, "unreadable image index") from None
        self.cache.put_digest_fact(
            self.cache_key(repo),
            digest,
            exists=True,
            media_type=info.media_type,
            platforms=[[e.digest, e.media_type, e.platform] for e in entries],
        )
        return tuple(entries)

    async def _missing_tags(self, repo: Repository) -> TagListing:
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

    def _manifest_url(self, host: Host, repo: Repository, reference: str) -> str:
        assert host.base is not None
        return f"{host.base}/v2/{repo.path}/manifests/{quote(reference, safe=':')}"

    async def _head(self, repo: Repository, reference: str) -> ManifestInfo:
        host = await self._hosts.get(repo.domain)
        response = await self._request(
            host, "HEAD", self._manifest_url(host, repo, reference), repo, {"Accept": ACCEPT}
        )
        check_status(host.name, response, repo, reference)
        digest = response.headers.get("Docker-Content-Digest")
        if not digest:
            # Some registries (and some proxies) drop the header: hash the bytes.
            info, _ = await self.manifest(repo, reference)
            return info
        info = ManifestInfo(digest.strip(), media_type(response))
        if not valid_digest(info.digest):
            # Neither used nor cached: a bad answer once must not become one for good.
            raise InvalidResponse(host.name, "Docker-Content-Digest is not a digest")
        if ":" in reference and info.digest != reference:
            raise DigestMismatch(host.name, f"asked for {reference}, got {info.digest}")
        self._remember(repo, reference, info)
        return info

    async def _get_manifest(self, repo: Repository, reference: str) -> tuple[ManifestInfo, bytes]:
        host = await self._hosts.get(repo.domain)
        response = await self._request(
            host, "GET", self._manifest_url(host, repo, reference), repo, {"Accept": ACCEPT}
        )
        check_status(host.name, response, repo, reference)
        body = response.content
        if len(body) > MAX_MANIFEST_BYTES:
            raise InvalidResponse(host.name, "manifest larger than 4 MiB")
        claimed = response.headers.get("Docker-Content-Digest", "").strip() or None
        if claimed is not None and not valid_digest(claimed):
            raise InvalidResponse(host.name, "Docker-Content-Digest is not a digest")
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
        info = ManifestInfo(actual, media_type(response) or body_media_type(body))
        self._remember(repo, reference, info)
        return info, body

    def _remember(self, repo: Repository, reference: str, info: ManifestInfo) -> None:
        if ":" not in reference:
            self.cache.put_tag_digest(self.cache_key(repo), reference, info.digest, info.media_type)
        fact = self.cache.digest_fact(self.cache_key(repo), info.digest) or {}
        if not fact.get("exists") or (info.media_type and not fact.get("media_type")):
            self.cache.put_digest_fact(
                self.cache_key(repo), info.digest, exists=True, media_type=info.media_type
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
        self.cache.put_tag_list(self.cache_key(repo), list(listing.tags), dict(listing.digests))
        return listing

    async def _registry_tags(self, repo: Repository) -> TagListing:
        host = await self._hosts.get(repo.domain)
        assert host.base is not None
        url: str | None = f"{host.base}/v2/{repo.path}/tags/list"
        tags: list[str] = []
        seen: set[str] = set()
        for _ in range(TAG_LIST_MAX_PAGES):
            if url is None:
                break
            response = await self._request(host, "GET", url, repo, {})
            check_status(host.name, response, repo, None)
            try:
                data = response.json()
                page = data.get("tags") or []
                if not isinstance(page, list):
                    raise TypeError
            except (ValueError, TypeError, AttributeError, RecursionError):
                raise InvalidResponse(host.name, "unreadable tag list") from None
            for tag in page:
                # A name that is no tag (control characters, a URL, 10,000 characters)
                # is dropped: it would end up in messages.
                if valid_tag(tag) and tag not in seen:
                    seen.add(tag)
                    tags.append(tag)
            if len(tags) > MAX_TAGS:
                raise InvalidResponse(host.name, f"more than {MAX_TAGS} tags; listing abandoned")
            url = _next_link(response)
        return TagListing(tuple(tags))

    async def _hub_tags(self, repo: Repository) -> TagListing:
        assert self.hub_tags_api is not None
        namespace, _, name = repo.path.partition("/")
        base = f"{self.hub_tags_api}/v2/repositories/{namespace}/{name}/tags"
        host = self._hosts.known("hub", "hub.docker.com", self.hub_tags_api)

        async def page(n: int) -> dict[str, Any]:
            url = f"{base}?page_size={HUB_PAGE_SIZE}&page={n}&ordering=last_updated"
            response = await self._request(host, "GET", url, None, {})
            check_status(host.name, response, repo, None)
            try:
                data = response.json()
                if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                    raise TypeError
            except (ValueError, TypeError, RecursionError):
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
                if not isinstance(item, dict) or not valid_tag(item.get("name")):
                    continue
                tag = item["name"]
                if tag in seen:
                    continue  # pages fetched in parallel may overlap when tags move
                seen.add(tag)
                tags.append(tag)
                digest = item.get("digest")
                if isinstance(digest, str) and valid_digest(digest):
                    digests[tag] = digest
        return TagListing(tuple(tags), digests)

    async def _request(
        self,
        host: Host,
        method: str,
        url: str,
        repo: Repository | None,
        headers: dict[str, str],
    ) -> Answer:
        """One API request, authenticated; an unreachable host fails later requests at once."""
        if self.offline:
            # Every API request comes through here, Docker Hub's tags API (a host of its
            # own, never pinged) included; Hosts.get() stops the ping.  Before any
            # credential lookup: --offline runs no credential helper either.
            raise NotInCache(host.name)
        try:
            return await self._auth.send(host, method, url, repo, headers)
        except Unreachable as e:
            host.failure = e  # the host is down: later requests to it fail at once
            raise


def _next_link(response: Answer) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, relative to the request URL."""
    for value in response.headers.get_list("Link"):
        for part in _split_links(value):
            url_part, _, params = part.partition(">")
            url = url_part.strip().lstrip("<")
            rels = [p.strip() for p in params.split(";") if p.strip()]
            for rel in rels:
                name, _, val = rel.partition("=")
                if name.strip().lower() == "rel" and "next" in val.strip().strip('"').split():
                    import httpx  # lazy: httpx (only for a listing in pages)

                    return str(httpx.URL(response.url).join(url))
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
