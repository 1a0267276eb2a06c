"""``--resolve``: ask registries what each reference points to, and suggest a pin.

For every distinct reference in the run, concurrently:

- the digest its tag points to today (``HEAD`` of the manifest: the index digest for a
  multi-arch image);
- for a tag that is not exact (``latest``, ``stable``, ``3``, ``alpine``, no tag): the
  most specific version tag of the same variant family with the same digest
  (``nginx:latest`` -> ``1.27.3``), found by listing the tags and checking the likely
  candidates, most specific and newest first, until one matches;
- the newest release of that family and its digest, and the release newer than the one
  the tag points to, if any, for the rolled-back-tag rule (PIN104);
- for a reference pinned by digest: whether the digest exists, what the tag points to
  now, whether a platform-specific pin is still one of the tag's platforms and, when
  the pin no longer matches its tag, which tag points to the pinned digest (PIN101 or
  PIN103).

Requests, per distinct reference (each answer cached: tags for the TTL, digests for good):

- ``name:tag@digest`` pinned correctly: one ``HEAD`` of the tag, nothing else.  A pin to
  one platform's manifest also needs, once, a ``HEAD`` of its digest and a ``GET`` of the
  tag's index (both cached for good: after the TTL only the tag is asked again).
- pinned, and the tag has moved: also a ``HEAD`` of the pinned digest, the tag listing,
  and ``HEAD``s of the likely owners of the digest, at most ``MAX_CANDIDATE_HEADS``
  (none on Docker Hub, whose tags API gives the digests), stopping at the first owner;
  ``GET``s of indexes only for a pin to one platform's manifest.
- ``name@digest``: one ``HEAD`` of the digest.
- a moving tag: a ``HEAD`` of the tag, the listing, and candidate ``HEAD``s until the
  sibling with the same digest is found (the newest release first); a ``HEAD`` of the
  newer release only when it is not among them.

:func:`resolve_all` first answers, one after another and with no event loop, every
reference the cache answers whole (``_from_cache``): a warm run loads neither asyncio nor
the HTTP stack.  Many references left for the registries (``SPLIT_MIN_REFERENCES``) are
shared between this process and a forked one, by repository, with the per-registry limit
split between them: the HTTP stack is bound by one core long before the network is.

The answers become a :class:`~pinlint.resolution.Resolution` per reference; turning
them into suggestions and online findings is :mod:`pinlint.drift`'s business.  This
module only asks registries.  asyncio and the HTTP stack load when a request may be
sent, not with this module, and httpx only for HTTPS, a proxy or an unusual URL
(CONTRIBUTING.md, "Start-up budget").
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence

from pinlint import tags as tagmod
from pinlint.config import ConfigError
from pinlint.registry import InvalidResponse, NotFound, RegistryError, RegistryTimeout
from pinlint.registry.cache import Cache, default_cache_dir
from pinlint.registry.cached import CachedClient
from pinlint.registry.types import ManifestInfo, Repository, TagListing
from pinlint.resolution import Resolution

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from typing import Any, TextIO, TypeVar

    import httpx

    from pinlint import siblings
    from pinlint.config import Config
    from pinlint.reference import Reference

    _T = TypeVar("_T")

__all__ = ["Resolver", "resolve_all", "resolve_references"]

REQUEST_TIMEOUT = 10.0  # seconds, per request
RUN_TIMEOUT = 120.0  # seconds, for all references of a run together
PROGRESS_THRESHOLD = 4  # a progress bar at once when more references than this resolve
PROGRESS_DELAY = 2.0  # seconds after which fewer references get one too (a slow registry)
# Candidate tags checked with a HEAD each, at most, when the listing has no digests:
# the first alone (it is nearly always the match), then a few at a time.
MAX_CANDIDATE_HEADS = 40
CANDIDATE_BATCH = 4
# Indexes whose platform lists are read (a GET each, cached for good) when looking for
# the tag that owns a pin to one platform's manifest.
MAX_PLATFORM_LOOKUPS = 8


class Resolver:
    """Resolves references through one client: a
    :class:`~pinlint.registry.client.RegistryClient`, or a
    :class:`~pinlint.registry.cached.CachedClient` with ``at_once=True`` (every answer
    from the cache: each coroutine runs to its end when started, with no event loop)."""

    def __init__(
        self,
        client: CachedClient,
        *,
        exact_patterns: Sequence[str] = (),
        exact_schemes: Sequence[tuple[str, str]] = (),
        at_once: bool = False,
    ) -> None:
        self.client = client
        self._start: Callable[[Coroutine[Any, Any, Any]], Any]
        self._gather: Callable[..., Any]
        if at_once:
            self._start, self._gather = _Now, _gather_now
        else:
            import asyncio  # lazy: asyncio, only where a request may be sent

            self._start, self._gather = asyncio.ensure_future, asyncio.gather
        self.exact_patterns = tuple(exact_patterns)
        # The user's (repository glob, tag regex) pairs (``exact-tags`` as a table), on
        # top of the known version schemes (pinlint.schemes): as the lint pass reads them.
        self.exact_schemes = tuple(exact_schemes)
        # Per repository: the listing it was built from, and its parsed form.
        self._listings: dict[str, tuple[tuple[str, ...], siblings.Listing]] = {}

    async def resolve(self, ref: Reference) -> Resolution:
        repo = Repository(ref.domain, ref.path)
        text = str(ref)
        try:
            if ref.digest is not None:
                return await self._resolve_pinned(ref, repo, text)
            tag = ref.tag or "latest"
            return await self._resolve_tag(tag, repo, text, self._exact_by_scheme(ref, tag))
        except RegistryError as e:
            return Resolution(text, tag=ref.tag, pinned_digest=ref.digest, error=e)
        except ConfigError:
            raise  # the user's settings (a pattern that backtracks): the run stops
        except Exception:
            # An answer no check above foresaw: this reference is not resolved, the
            # others go on.  Registries are untrusted; their surprises are no crash.
            error = InvalidResponse(ref.domain, "invalid response")
            return Resolution(text, tag=ref.tag, pinned_digest=ref.digest, error=error)

    async def _resolve_pinned(self, ref: Reference, repo: Repository, text: str) -> Resolution:
        """A reference with a digest.  A ``NotFound`` for the digest propagates (PIN102)."""
        assert ref.digest is not None
        if ref.tag is None:
            pinned = await self.client.manifest_info(repo, ref.digest)
            return Resolution(
                text,
                pinned_digest=pinned.digest,
                pinned_media_type=pinned.media_type,
                pinned_exists=True,
            )
        # The tag first, alone: for a correct pin its HEAD is the whole cost (the digest
        # is then known to exist), so verifying pins costs one request per tag.
        tag_info: ManifestInfo | None = None
        tag_error: NotFound | None = None
        try:
            tag_info = await self.client.manifest_info(repo, ref.tag)
        except NotFound as e:
            tag_error = e  # the digest may still pull: PIN102 names the tag
        base = Resolution(
            text,
            tag=ref.tag,
            digest=tag_info.digest if tag_info else None,
            media_type=tag_info.media_type if tag_info else None,
            exact_tag=ref.tag,
            exact=True,
            pinned_digest=ref.digest,
            pinned_exists=True,
        )
        if tag_info is not None and tag_info.digest == ref.digest:
            return base.replace(pinned_media_type=tag_info.media_type, pinned_in_tag=True)
        # The pinned digest: a HEAD, cached for good once it exists.
        pinned = await self.client.manifest_info(repo, ref.digest)
        if tag_info is None:
            return base.replace(pinned_media_type=pinned.media_type, tag_error=tag_error)
        if tag_info.is_index and not pinned.is_index:
            # A pin to one platform's manifest is correct while the tag's index lists it.
            # Only then the index is read (a GET, which Docker Hub counts as a pull).
            for p in await self.client.platforms(repo, tag_info.digest):
                if p.digest == pinned.digest:
                    return base.replace(pinned_media_type=pinned.media_type, pinned_in_tag=True)
        # Something is wrong: the extra requests are spent only on that.
        owner, orphan = await self._digest_owner(repo, ref.tag, pinned)
        return base.replace(
            pinned_media_type=pinned.media_type,
            pinned_in_tag=False,
            pinned_owner=owner,
            pinned_orphan=orphan,
        )

    async def _digest_owner(
        self, repo: Repository, tag: str, pinned: ManifestInfo
    ) -> tuple[str | None, bool]:
        """(a tag that points to ``pinned``, whether every tag was checked) for a pin
        ``tag@digest`` whose tag points elsewhere now.

        Cost: the tag listing (already fetched for the moving tags of the repository,
        and cached), then ``HEAD``s of the tags whose digest the listing does not give,
        likeliest owner first (:func:`pinlint.siblings.owner_candidates`), at most
        ``MAX_CANDIDATE_HEADS``, stopping at the first owner.  For a pin to one
        platform's manifest, also the platform lists of at most ``MAX_PLATFORM_LOOKUPS``
        indexes.  A registry error ends the search: the owner is then unknown.
        """
        try:
            listing = await self.client.tags(repo)
            candidates = self._index(repo, listing).owner_candidates(tag)
            known: dict[str, str] = {
                t: listing.digests[t] for t in candidates if t in listing.digests
            }
            for t in candidates:
                if known.get(t) == pinned.digest:
                    return t, False
            unknown = [t for t in candidates if t not in known]
            complete = len(unknown) <= MAX_CANDIDATE_HEADS
            owner = await self._first_match(
                repo, unknown[:MAX_CANDIDATE_HEADS], known, pinned.digest
            )
            if owner is not None or pinned.is_index:
                return owner, complete and owner is None
            # One platform's manifest: look for it in the indexes of the candidates.
            looked: set[str] = set()
            for t in candidates:
                digest = known.get(t)
                if digest is None or digest in looked:
                    continue
                if len(looked) == MAX_PLATFORM_LOOKUPS:
                    return None, False
                looked.add(digest)
                platforms = await self.client.platforms(repo, digest)
                if any(p.digest == pinned.digest for p in platforms):
                    return t, False
            return None, complete
        except RegistryError:
            return None, False

    async def _first_match(
        self, repo: Repository, candidates: Sequence[str], known: dict[str, str], wanted: str
    ) -> str | None:
        """``HEAD`` ``candidates`` in order until one has the digest ``wanted``.

        The first alone (it is nearly always the match), then ``CANDIDATE_BATCH`` at a
        time; within a batch the earliest match wins.  Every digest learnt goes into
        ``known``; a tag deleted since the listing is skipped.
        """
        pos = 0
        size = 1
        while pos < len(candidates):
            batch = candidates[pos : pos + size]
            pos += size
            size = CANDIDATE_BATCH
            infos: list[ManifestInfo | BaseException] = await self._gather(
                *(self.client.manifest_info(repo, t) for t in batch), return_exceptions=True
            )
            found = None
            for t, result in zip(batch, infos, strict=True):
                if isinstance(result, NotFound):
                    continue  # deleted between listing and HEAD
                if isinstance(result, BaseException):
                    raise result
                known[t] = result.digest
                if found is None and result.digest == wanted:
                    found = t
            if found is not None:
                return found
        return None

    def _exact_by_scheme(self, ref: Reference, tag: str) -> bool:
        from pinlint import schemes

        return schemes.exact_by_scheme(ref.canonical, ref.familiar, tag, self.exact_schemes)

    async def _resolve_tag(
        self, tag: str, repo: Repository, text: str, exact_by_scheme: bool = False
    ) -> Resolution:
        kind = tagmod.classify(tag, self.exact_patterns)
        if kind is tagmod.TagKind.EXACT or exact_by_scheme:
            info = await self.client.manifest_info(repo, tag)
            return Resolution(
                text,
                tag=tag,
                digest=info.digest,
                media_type=info.media_type,
                exact_tag=tag,
                exact=True,
            )
        # The HEAD and the listing do not depend on each other: one round trip for both.
        listing_task = self._start(self.client.tags(repo))
        try:
            info = await self.client.manifest_info(repo, tag)
        except NotFound as e:
            # A missing repository is the better message than a missing tag.
            try:
                await listing_task
            except NotFound as repo_missing:
                raise repo_missing from None
            except RegistryError:
                pass
            raise e from None
        except BaseException:
            listing_task.cancel()
            raise
        try:
            listing = await listing_task
        except RegistryError:
            # Without a listing there is no sibling to find: pin the tag's digest.
            return Resolution(text, tag=tag, digest=info.digest, media_type=info.media_type)
        exact_tag, complete, newest, newest_digest, newer = await self._siblings(
            tag, repo, info.digest, listing
        )
        # A partial version is final only when every tag that could be more specific was
        # checked and none has its digest: never silenced for want of requests.
        exact = kind is tagmod.TagKind.PARTIAL and exact_tag == tag and complete
        rolled_back_from = self._remember_version(repo, tag, exact_tag)
        return Resolution(
            text,
            tag=tag,
            digest=info.digest,
            media_type=info.media_type,
            exact_tag=exact_tag,
            exact=exact,
            newest_tag=newest,
            newest_digest=newest_digest,
            newer_tag=newer,
            rolled_back_from=rolled_back_from,
        )

    def _remember_version(self, repo: Repository, tag: str, now: str | None) -> str | None:
        """The higher version ``tag`` pointed to when last resolved, if ``now`` is lower
        (the tag was rolled back); records ``now`` when it is the highest seen."""
        if now is None or now == tag:
            return None
        from pinlint import siblings  # lazy: see _index

        cache = self.client.cache
        seen = cache.seen_version(self.client.cache_key(repo), tag)
        if seen is not None and siblings.is_lower(now, seen[0]):
            return seen[0]
        if seen is None or seen[0] != now:
            cache.put_seen_version(self.client.cache_key(repo), tag, now)
        return None

    def _index(self, repo: Repository, listing: TagListing) -> siblings.Listing:
        """The parsed listing of ``repo``, built once per run (the listing is too)."""
        # Lazy: the sibling arithmetic (with re and functools) is for moving tags and
        # stale pins; a run that checks pins that still hold needs none of it.
        from pinlint import siblings

        entry = self._listings.get(repo.key)
        if entry is None or entry[0] is not listing.tags:
            entry = (listing.tags, siblings.Listing(listing.tags))
            self._listings[repo.key] = entry
        return entry[1]

    async def _siblings(
        self, tag: str, repo: Repository, digest: str, listing: TagListing
    ) -> tuple[str | None, bool, str | None, str | None, str | None]:
        """(best sibling, whether every candidate was checked, newest release, its
        digest, a release newer than the sibling) for ``tag`` pointing at ``digest``."""
        from pinlint import siblings  # lazy: see _index

        index = self._index(repo, listing)
        known: dict[str, str] = dict(listing.digests)
        known[tag] = digest
        newest = index.newest_release(tag)
        candidates = index.candidates(tag)
        # Digests already known cost nothing: the listing's (Docker Hub), and tags this
        # run (another reference) or a recent one asked about, from the cache.
        cache, key = self.client.cache, self.client.cache_key(repo)
        for t in candidates:
            if t not in known and (cached := cache.tag_digest(key, t)) is not None:
                known[t] = cached[0]
        # The unknown candidates ranked before the first known match are checked: one of
        # them may be the better sibling.
        matches: list[str] = []
        unknown: list[str] = []
        for t in candidates:
            if t not in known:
                unknown.append(t)
            elif known[t] == digest:
                matches.append(t)
                break
        complete = len(unknown) <= MAX_CANDIDATE_HEADS
        if unknown:
            found = await self._first_match(repo, unknown[:MAX_CANDIDATE_HEADS], known, digest)
            if found is not None:
                matches.append(found)
                complete = True
        if tagmod.parse_version(tag) is not None:
            matches.append(tag)
        best = siblings.best_sibling(tag, matches) if matches else None
        newest_digest = known.get(newest) if newest is not None else None
        newer = index.newer_release(tag, best) if best is not None else None
        if newer is not None:
            # Same digest under a higher version (a re-tag without a rebuild) is no
            # roll-back.  One HEAD when not known yet, spent only when the rule is about
            # to fire.
            try:
                newer_digest = (
                    known.get(newer) or (await self.client.manifest_info(repo, newer)).digest
                )
            except NotFound:
                newer_digest = digest  # deleted since the listing: nothing newer
            if newer_digest == digest:
                newer = None
        return best, complete, newest, newest_digest, newer


# --- answering from the cache, with no event loop -----------------------------------------


class _WouldWait(BaseException):
    """A coroutine run at once would have waited: its reference needs the registries.  Not
    an Exception, so that :meth:`Resolver.resolve` does not make it a resolution."""


def _run_now(coro: Coroutine[Any, Any, _T]) -> _T:
    """The result of ``coro``, run to its end now; :class:`_WouldWait` if it would wait."""
    try:
        coro.send(None)
    except StopIteration as e:
        result: _T = e.value
        return result
    coro.close()
    raise _WouldWait


class _Now:
    """A coroutine run to its end when made, standing for the task the resolver starts:
    awaitable (its result, or its exception raised) and cancellable (nothing is left to
    cancel)."""

    __slots__ = ("error", "value")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.value: Any = None
        self.error: Exception | None = None
        try:
            self.value = _run_now(coro)
        except Exception as e:
            self.error = e

    def cancel(self) -> bool:
        return False

    def __await__(self) -> Generator[Any, None, Any]:
        if self.error is not None:
            raise self.error
        return self.value
        yield  # never reached: it makes this a generator, as __await__ must be


async def _gather_now(*coros: Coroutine[Any, Any, Any], return_exceptions: bool) -> list[Any]:
    """``asyncio.gather(*coros, return_exceptions=True)`` of coroutines run at once."""
    assert return_exceptions
    outcomes: list[Any] = []
    try:
        for coro in coros:
            now = _Now(coro)
            outcomes.append(now.error if now.error is not None else now.value)
    finally:
        for coro in coros[len(outcomes) + 1 :]:
            coro.close()  # after a _WouldWait: never started, never to be
    return outcomes


def _from_cache(
    refs: Mapping[str, Reference], config: Config, cache: Cache
) -> tuple[dict[str, Resolution], dict[str, Reference]]:
    """The resolutions the cache gives whole, and the references left for the registries.

    The same :class:`Resolver`, on a :class:`CachedClient`, one reference after another
    and with no event loop: a reference that asked anything the cache could not answer
    is left, whole, for the registries (which read the cache again first).  With
    ``--offline`` every reference is answered here, as far as the cache goes.
    """
    client = CachedClient(cache, config.registry_mirrors)
    resolver = Resolver(
        client,
        exact_patterns=config.exact_tag_patterns,
        exact_schemes=tuple(config.exact_tag_schemes.items()),
        at_once=True,
    )
    done: dict[str, Resolution] = {}
    left: dict[str, Reference] = {}
    for text, ref in refs.items():
        client.misses = 0
        try:
            resolution = _run_now(resolver.resolve(ref))
        except _WouldWait:
            left[text] = ref
            continue
        if client.misses and not config.offline:
            left[text] = ref
        else:
            done[text] = resolution
    return done, left


# --- running ------------------------------------------------------------------------------


class _Progress:
    """A one-line progress bar on stderr, only while many references resolve."""

    def __init__(self, total: int, stream: TextIO, *, shown: bool = True) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.shown = shown
        self._last = 0.0

    def show(self) -> None:
        """Draw the bar now (0/N at the start: a hung registry is no blank screen)."""
        if self.done < self.total:
            self.shown = True
            self._draw()

    def advance(self) -> None:
        # At most the total: a reference the other process ticked and then could not
        # deliver is resolved (and ticked) again here.
        self.done = min(self.done + 1, self.total)
        now = time.monotonic()
        if not self.shown or (now - self._last < 0.05 and self.done < self.total):
            return
        self._last = now
        self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // self.total
        self.stream.write(
            f"\rresolving [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


async def resolve_references(
    refs: Mapping[str, Reference],
    config: Config,
    *,
    progress: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    run_timeout: float = RUN_TIMEOUT,
) -> dict[str, Resolution]:
    """Resolve each reference (keyed by its text) once, concurrently, in this process."""
    cache = Cache(None if config.no_cache else default_cache_dir(), ttl=config.cache_ttl)
    try:
        return await _resolve(
            refs,
            config,
            cache,
            concurrency=config.concurrency,
            progress=progress,
            transport=transport,
            request_timeout=request_timeout,
            run_timeout=run_timeout,
        )
    finally:
        cache.save()


def resolve_all(
    refs: Mapping[str, Reference],
    config: Config,
    *,
    progress: TextIO | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    run_timeout: float = RUN_TIMEOUT,
) -> dict[str, Resolution]:
    """:func:`resolve_references`, after the cache: what it answers whole is resolved
    here at once (no event loop, no request), the rest on two cores when there are
    enough references.

    A run of a thousand references (three thousand requests) costs ~1.5 s of CPU on the
    bench's machine (bench/README.md), more over HTTPS or on a slower one: enough to
    bind a single core.  Half of the repositories go to a forked process with its own
    client; the per-registry limit (``concurrency``) is split between the two, so a
    registry never sees more requests at once than with one process.  The forked process
    sends back its resolutions and what it learnt for the cache; this process saves the
    cache, draws the progress bar, and resolves itself whatever the other could not
    deliver.
    """
    cache = Cache(None if config.no_cache else default_cache_dir(), ttl=config.cache_ttl)
    try:
        if config.offline or cache.holds_answers():
            done, left = _from_cache(refs, config, cache)
        else:
            done, left = {}, dict(refs)
        if left:
            done.update(_ask(left, config, cache, progress, request_timeout, run_timeout))
    finally:
        cache.save()
    return {text: done[text] for text in refs}


def _ask(
    refs: Mapping[str, Reference],
    config: Config,
    cache: Cache,
    progress: TextIO | None,
    request_timeout: float,
    run_timeout: float,
) -> dict[str, Resolution]:
    """Ask the registries about ``refs``; half of them in a forked process when there are
    enough."""
    import asyncio  # lazy: asyncio (~40 ms with ssl), only where a request may be sent

    from pinlint import heap
    from pinlint.registry import client  # noqa: F401  (loaded before the freeze below)

    # The heap so far (the lint's findings, the modules) moves out of the collector's
    # sight for the run: its collections of each request's short-lived objects no longer
    # walk it (~3% of the CPU of a 1,000-reference run, bench/README.md), and a forked
    # process does not touch its pages to scan them.
    frozen = heap.freeze()
    helper = None
    try:
        share = config.concurrency // 2
        if (
            len(refs) >= SPLIT_MIN_REFERENCES
            and share >= 1
            and not config.offline
            and sys.platform == "linux"
            and len(os.sched_getaffinity(0)) >= 2
        ):
            mine, theirs = _halves(refs)
            helper = _Helper.start(theirs, config, cache, share, request_timeout, run_timeout)
        return asyncio.run(
            _resolve(
                mine if helper is not None else refs,
                config,
                cache,
                concurrency=config.concurrency - share
                if helper is not None
                else config.concurrency,
                progress=progress,
                transport=None,
                request_timeout=request_timeout,
                run_timeout=run_timeout,
                helper=helper,
            )
        )
    finally:
        if helper is not None:
            helper.stop()
        heap.thaw(frozen)  # a caller's own freeze stays as it was


async def _resolve(
    refs: Mapping[str, Reference],
    config: Config,
    cache: Cache,
    *,
    concurrency: int,
    progress: TextIO | None,
    transport: httpx.AsyncBaseTransport | None,
    request_timeout: float,
    run_timeout: float,
    on_done: Callable[[], None] | None = None,
    helper: _Helper | None = None,
) -> dict[str, Resolution]:
    """Resolve ``refs`` here, and collect ``helper``'s share (resolving here what it
    could not deliver)."""
    import asyncio  # lazy: see _ask

    from pinlint.registry.client import RegistryClient  # lazy: the HTTP stack

    loop = asyncio.get_running_loop()
    deadline = loop.time() + run_timeout
    total = len(refs) + (len(helper.refs) if helper is not None else 0)
    results: dict[str, Resolution] = {}
    bar = None
    if progress and total:
        bar = _Progress(total, progress, shown=False)
    timer: asyncio.TimerHandle | None = None
    try:
        if bar is not None:
            if total > PROGRESS_THRESHOLD:
                bar.show()
            else:
                timer = loop.call_later(PROGRESS_DELAY, bar.show)
        if helper is not None:
            helper.watch(loop, bar)
        async with RegistryClient(
            cache=cache,
            mirrors=config.registry_mirrors,
            insecure=config.insecure_registries,
            concurrency=concurrency,
            timeout=request_timeout,
            offline=config.offline,
            transport=transport,
        ) as client:
            # Credential helpers run in threads, which the cancellation below cannot
            # stop: they are held to the same deadline.
            client.credentials.deadline = time.monotonic() + run_timeout
            resolver = Resolver(
                client,
                exact_patterns=config.exact_tag_patterns,
                exact_schemes=tuple(config.exact_tag_schemes.items()),
            )
            todo = dict(refs)

            def start(part: Mapping[str, Reference]) -> None:
                for text, ref in part.items():
                    task = asyncio.ensure_future(resolver.resolve(ref))
                    tasks[text] = task
                    if bar is not None:
                        task.add_done_callback(lambda _t: bar.advance())
                    if on_done is not None:
                        task.add_done_callback(lambda _t: on_done())

            tasks: dict[str, asyncio.Future[Resolution]] = {}
            start(refs)
            if tasks:
                await asyncio.wait(tasks.values(), timeout=max(0.0, deadline - loop.time()))
            if helper is not None:
                delivered = await helper.result(max(0.0, deadline - loop.time()) + HELPER_GRACE)
                results.update(delivered)
                # What the other process could not deliver is resolved here, in the time
                # left.
                missing = {t: r for t, r in helper.refs.items() if t not in delivered}
                todo.update(missing)
                start(missing)
                pending = [t for t in tasks.values() if not t.done()]
                if pending:
                    await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
            pending = [t for t in tasks.values() if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
            for text, task in tasks.items():
                if task.cancelled():
                    ref = todo[text]
                    results[text] = Resolution(
                        text,
                        tag=ref.tag,
                        pinned_digest=ref.digest,
                        error=RegistryTimeout(
                            ref.domain, f"no answer within {run_timeout:g} s for the whole run"
                        ),
                    )
                else:
                    results[text] = task.result()
    finally:
        if timer is not None:
            timer.cancel()
        if helper is not None:
            helper.unwatch(loop)
        if bar is not None:
            bar.close()
    return results


# --- the second process -------------------------------------------------------------------

# Fewer references than this are resolved in one process: the second one would start,
# ping and load the HTTP stack for little.
SPLIT_MIN_REFERENCES = 32
# Seconds the other process may take beyond the run's deadline to send its answers.
HELPER_GRACE = 5.0
_TICK = b"."  # one reference done (the progress bar)
_RESULTS = b"!"  # the pickled results follow, to the end of the pipe


def _halves(refs: Mapping[str, Reference]) -> tuple[dict[str, Reference], dict[str, Reference]]:
    """Two shares of about the same size; each repository's references in one share
    (its listing and token are then asked for once)."""
    groups: dict[tuple[str, str], dict[str, Reference]] = {}
    for text, ref in refs.items():
        groups.setdefault((ref.domain, ref.path), {})[text] = ref
    mine: dict[str, Reference] = {}
    theirs: dict[str, Reference] = {}
    for group in sorted(groups.values(), key=len, reverse=True):
        (mine if len(mine) <= len(theirs) else theirs).update(group)
    return mine, theirs


class _Helper:
    """A forked process resolving ``refs``; it writes a tick per reference done, then
    its pickled results and cache changes, into a pipe this process reads."""

    def __init__(self, pid: int, fd: int, refs: dict[str, Reference], cache: Cache) -> None:
        self.pid = pid
        self.fd = fd
        self.refs = refs
        self.cache = cache
        self._data = bytearray()
        self._ticks_done = False
        self._eof: asyncio.Future[None] | None = None
        self._bar: _Progress | None = None

    @classmethod
    def start(
        cls,
        refs: dict[str, Reference],
        config: Config,
        cache: Cache,
        concurrency: int,
        request_timeout: float,
        run_timeout: float,
    ) -> _Helper | None:
        """Fork the process; None when it cannot be (this process then does it all)."""
        # Both processes use pickle for the results: imported once, before the fork, not
        # by each at the end of the run (where the other waits for it).
        import pickle  # noqa: F401

        read_fd, write_fd = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            code = 1
            try:
                os.close(read_fd)
                _helper_main(
                    write_fd, refs, config, cache, concurrency, request_timeout, run_timeout
                )
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        return cls(pid, read_fd, refs, cache)

    def watch(self, loop: asyncio.AbstractEventLoop, bar: _Progress | None) -> None:
        self._bar = bar
        self._eof = loop.create_future()
        loop.add_reader(self.fd, self._readable)

    def unwatch(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.remove_reader(self.fd)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            assert self._eof is not None  # set by watch(), which added this reader
            self._eof.get_loop().remove_reader(self.fd)
            if not self._eof.done():
                self._eof.set_result(None)
            return
        if not self._ticks_done:
            ticks, marker, rest = chunk.partition(_RESULTS)
            if self._bar is not None:
                for _ in range(len(ticks)):
                    self._bar.advance()
            if not marker:
                return
            self._ticks_done = True
            chunk = rest
        self._data += chunk

    async def result(self, timeout: float) -> dict[str, Resolution]:
        """The other process's resolutions (its cache changes go into the cache it was
        forked with); empty when it failed or took longer than ``timeout``."""
        import asyncio  # lazy: see _ask

        assert self._eof is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._eof), timeout)
        except asyncio.TimeoutError:
            return {}
        return self._decode()

    def _decode(self) -> dict[str, Resolution]:
        import pickle

        if not self._ticks_done:
            return {}  # it stopped before sending its results
        try:
            results, changes = pickle.loads(self._data)
            self.cache.adopt(changes)
            return {
                t: r for t, r in results.items() if t in self.refs and isinstance(r, Resolution)
            }
        except Exception:
            return {}

    def stop(self) -> None:
        """End the process if it still runs, and reap it."""
        import signal

        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(ChildProcessError, OSError):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)


def _helper_main(
    fd: int,
    refs: dict[str, Reference],
    config: Config,
    cache: Cache,
    concurrency: int,
    request_timeout: float,
    run_timeout: float,
) -> None:  # pragma: no cover - runs in the forked process
    """The forked process: resolve ``refs``, then write the results and cache changes."""
    import signal

    # Interrupted or stopped with the run: die quietly (the parent reports).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import asyncio  # lazy: see _ask (imported before the fork)
    import pickle

    def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    results = asyncio.run(
        _resolve(
            refs,
            config,
            cache,
            concurrency=concurrency,
            progress=None,
            transport=None,
            request_timeout=request_timeout,
            run_timeout=run_timeout,
            on_done=lambda: write(_TICK),
        )
    )
    write(_RESULTS + pickle.dumps((results, cache.changes()), pickle.HIGHEST_PROTOCOL))
