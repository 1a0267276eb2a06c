"""The registry's answers from the cache alone: what a warm run needs, without the HTTP stack.

:class:`CachedClient` answers the three questions the resolver asks (the digest of a tag
or a digest, the platforms an index lists, a repository's tags) from a
:class:`~pinlint.registry.cache.Cache`.  What the cache does not hold raises
:class:`~pinlint.registry.NotInCache` and is counted in ``misses``.
:class:`~pinlint.registry.client.RegistryClient` extends it: it asks the registry for
what is missing and keeps the answer.

This module imports neither asyncio nor the transport: a ``--resolve`` run whose every
answer is in the cache loads neither (``resolve.resolve_all``), ~45 ms of a pre-commit
run of the ``pinlint-fix`` hook.  Its operations are coroutines all the same, so that
one resolver awaits either client.
"""

from __future__ import annotations

from collections.abc import Mapping

from pinlint.registry import NotInCache
from pinlint.registry.cache import Cache
from pinlint.registry.types import (
    ManifestInfo,
    PlatformManifest,
    Repository,
    TagListing,
    valid_digest,
    valid_tag,
)

__all__ = ["CachedClient"]


class CachedClient:
    """The registry API's answers from ``cache`` only; nothing is ever sent."""

    def __init__(self, cache: Cache | None = None, mirrors: Mapping[str, str] | None = None):
        self.cache = cache if cache is not None else Cache(None)
        self.mirrors = dict(mirrors or {})
        self.misses = 0  # questions the cache could not answer

    def cache_key(self, repo: Repository) -> str:
        """The cache's name for ``repo``: where its answers come from.

        A mirror's answers are kept under the mirror's URL, not under the registry it
        mirrors: a mirror named by one tree's config (untrusted) then decides nothing
        for another checkout sharing the cache, and a real registry's answers are never
        mixed with a mirror's.
        """
        mirror = self.mirrors.get(repo.domain)
        if not mirror:
            return repo.key
        base = mirror if "://" in mirror else f"https://{mirror}"
        return f"{repo.key} via {base.rstrip('/')}"

    async def manifest_info(self, repo: Repository, reference: str) -> ManifestInfo:
        """The digest and media type of ``repo:reference`` (a tag or a digest).

        Tags are kept for the cache's TTL, digests for good.
        """
        if ":" in reference:
            fact = self.cache.digest_fact(self.cache_key(repo), reference)
            if fact is not None and fact.get("exists"):
                mt = fact.get("media_type")
                return ManifestInfo(reference, mt if isinstance(mt, str) else None)
        else:
            cached = self.cache.tag_digest(self.cache_key(repo), reference)
            if cached is not None and valid_digest(cached[0]):
                return ManifestInfo(*cached)
        return await self._missing_manifest_info(repo, reference)

    async def platforms(self, repo: Repository, digest: str) -> tuple[PlatformManifest, ...]:
        """The platform manifests an index lists (empty for a single manifest)."""
        fact = self.cache.digest_fact(self.cache_key(repo), digest)
        if fact is not None and isinstance(fact.get("platforms"), list):
            return tuple(
                PlatformManifest(p[0], p[1], p[2])
                for p in fact["platforms"]
                if isinstance(p, list) and len(p) == 3 and valid_digest(p[0])
            )
        return await self._missing_platforms(repo, digest)

    async def tags(self, repo: Repository) -> TagListing:
        """Every tag of ``repo``; on Docker Hub with each tag's digest (the Hub tags API)."""
        cached = self.cache.tag_list(self.cache_key(repo))
        if cached is not None:
            tags = tuple(t for t in cached[0] if valid_tag(t))
            return TagListing(tags, {t: d for t, d in cached[1].items() if valid_digest(d)})
        return await self._missing_tags(repo)

    # --- what the cache does not hold (RegistryClient asks the registry) -------------------

    async def _missing_manifest_info(self, repo: Repository, reference: str) -> ManifestInfo:
        raise self._miss(repo)

    async def _missing_platforms(
        self, repo: Repository, digest: str
    ) -> tuple[PlatformManifest, ...]:
        raise self._miss(repo)

    async def _missing_tags(self, repo: Repository) -> TagListing:
        raise self._miss(repo)

    def _miss(self, repo: Repository) -> NotInCache:
        self.misses += 1
        return NotInCache(repo.domain)
