"""Which tag of a repository's listing is which: the pure functions behind ``--resolve``.

Given the tags a registry lists for one repository (and nothing else: no request is
sent here), these choose

- :func:`best_sibling`: the most specific tag to pin a floating tag to, among the tags
  that share its digest;
- :meth:`Listing.candidates`: the order in which to check tags for that digest when the
  listing does not give digests (likeliest first);
- :meth:`Listing.newest_release` and :meth:`Listing.newer_release`: the newest release
  of a tag's variant family, and a release newer than what the tag points to (PIN104);
- :meth:`Listing.owner_candidates`: the tags that may own a digest pinned under another
  tag (PIN103).

A :class:`Listing` parses each tag once (version, variant words, date stamp) and keeps
the tags by leading version number, so that resolving many references of one repository
costs in proportion to tags + references, not their product.  The module-level functions
of the same names build a one-off listing (tests, a single call).

What counts as a better pin, in order (one notion of variant everywhere):

1. An exact tag (a full version, a version with a build, a date-stamped tag) over a
   partial one, in any variant family: ``eclipse-temurin:21`` -> ``21.0.5_11-jdk``,
   ``python:slim`` -> ``3.12.7-slim-bookworm`` over ``3.12-slim``.  A tag with a version
   pins only to tags that extend it (``16`` -> ``16.4``, never ``17.0``), so ``13.6`` or
   ``24.04`` stay final; a tag without one may pin to a date-stamped sibling
   (``bookworm`` -> ``bookworm-20250113``, ``noble`` -> ``noble-20241118.1``).
2. The closest variant: the fewest of the original's variant words missing (``iron``,
   ``jod``, code names the sibling spells as a version, are missing from every choice),
   then the fewest words added (``alpine`` -> ``1.26.2-alpine``, not
   ``1.26.2-alpine3.20``; ``latest`` -> ``21.0.5_11-jdk`` when the image's default
   variant is the JDK), then the original's channel words kept (``stable`` ->
   ``stable-20250113``).
3. A pre-release only for a pre-release original; more version parts; a build suffix;
   the original's ``v`` prefix; then by name, so the choice never depends on order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from pinlint.tags import (
    PRERELEASE_CHANNELS,
    TagKind,
    TagVersion,
    classify,
    is_build_id,
    parse_version,
    variant_family,
    variant_tokens,
)

__all__ = [
    "Listing",
    "TagInfo",
    "best_sibling",
    "is_lower",
    "newer_release",
    "newest_release",
    "ordered_candidates",
    "owner_candidates",
    "tag_info",
]

_WORD_SPLIT_RE = re.compile(r"[-_]+")
# A date stamp leading the tag (``20240101``, ``2024-01-01``): compared only with dates.
_LEADING_DATE_RE = re.compile(r"v?(?:19|20)[0-9]{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12][0-9]|3[01])")


class TagInfo:
    """One tag, parsed once: everything the choices above look at."""

    __slots__ = (
        "all_words",
        "build",
        "dated",
        "exact",
        "family",
        "name",
        "numbers",
        "prefix",
        "prerelease",
        "prerelease_parts",
        "recency",
        "stamp",
        "tokens",
        "variant",
        "version",
        "words",
    )

    def __init__(self, name: str) -> None:
        version = parse_version(name)
        self.name = name
        self.version: TagVersion | None = version
        self.exact = classify(name) is TagKind.EXACT
        self.numbers: tuple[int, ...] = version.numbers if version is not None else ()
        self.build: tuple[int, ...] = version.build if version is not None else ()
        self.prefix = version.prefix if version is not None else ""
        raw = name.lower()
        words = [w.strip(".") for w in _WORD_SPLIT_RE.split(raw)]
        # The date stamp of a tag without a leading version (bookworm-20250113-slim).
        self.stamp = ""
        if version is None:
            self.stamp = next((w for w in words if is_build_id(w) and w[:1] in "12"), "")
        # The variant's words without channel words and build ids, as a set: how close
        # two variants are.  ``variant`` keeps them in order: the same variant exactly.
        tokens = variant_tokens(version.variant if version is not None else name)
        self.tokens = frozenset(tokens)
        self.variant = "-".join(tokens)
        # The variant family (glued versions dropped too: alpine3.20 -> alpine).
        self.family = variant_family(name)
        # The variant's words but build ids, channel words kept: stable -> stable-20250113.
        variant_words = (
            [w.strip(".") for w in _WORD_SPLIT_RE.split(version.variant.lower())]
            if version is not None
            else words
        )
        self.words = frozenset(w for w in variant_words if w and not is_build_id(w))
        self.all_words = self.tokens | self.words
        if version is not None:
            self.prerelease = version.prerelease is not None
        else:
            self.prerelease = any(w in PRERELEASE_CHANNELS for w in words)
        self.dated = _LEADING_DATE_RE.match(name) is not None
        # How specific a pre-release is: rc2 (1) over rc (0).
        pre = version.prerelease if version is not None else None
        self.prerelease_parts = len(re.findall(r"[0-9]+", pre)) if pre else 0
        # Sorts the newest first: versions (padded: 1.2 == 1.2.0), then date stamps.
        self.recency: tuple[object, ...] = (
            (0, tuple(-n for n in _release_key(version, 8)[0]), tuple(-n for n in self.build))
            if version is not None
            else (1, _descending(self.stamp))
        )

    def __repr__(self) -> str:
        return f"TagInfo({self.name!r})"


# Memoised: ``latest``, ``alpine``, ``slim`` recur in every repository.
@functools.lru_cache(maxsize=65536)
def tag_info(tag: str) -> TagInfo:
    """The parsed form of ``tag``, shared by every listing holding it."""
    return TagInfo(tag)


def _qualifies(original: TagInfo, candidate: TagInfo) -> bool:
    """Whether ``candidate`` could pin ``original`` if both had the same digest."""
    if candidate.prerelease and not original.prerelease:
        return False
    if original.version is not None:
        # Extends the original's version: 16 -> 16.4, 8 -> 8u432-b06-jdk; never 17.
        return (
            candidate.version is not None
            and candidate.numbers[: len(original.numbers)] == original.numbers
        )
    return candidate.version is not None or candidate.stamp != ""


def _closeness(original: TagInfo, candidate: TagInfo) -> tuple[int, int, int, bool, bool]:
    """Smaller is closer: see the module doc, point 2 (and the pre-release match)."""
    return (
        len(original.tokens - candidate.tokens),
        len(candidate.tokens - original.tokens),
        len(original.words - candidate.words),
        candidate.variant != original.variant,
        candidate.prerelease != original.prerelease,
    )


def _preference(original: TagInfo, candidate: TagInfo) -> tuple[object, ...]:
    """Smaller is better: the order of the module doc."""
    return (
        not candidate.exact,
        *_closeness(original, candidate),
        -len(candidate.numbers),
        -len(candidate.build),
        -candidate.prerelease_parts,  # 1.24rc2 over 1.24-rc
        candidate.prefix != original.prefix,
        candidate.name,
    )


def _signature(info: TagInfo) -> tuple[object, ...]:
    """What :meth:`Listing.candidates` looks at in a tag without a version."""
    return (info.tokens, info.words, info.variant, info.prerelease)


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def _extends(prefix: tuple[int, ...], numbers: tuple[int, ...]) -> bool:
    return numbers[: len(prefix)] == prefix


def _release_key(version: TagVersion, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Numbers padded with zeros (``1.2`` == ``1.2.0``), then the build suffix."""
    return (version.numbers + (0,) * (width - len(version.numbers)), version.build)


def is_lower(tag: str, other: str) -> bool:
    """Whether ``tag`` is a lower release than ``other`` of the same variant (``0.6.2``
    below ``0.6.3``; ``1.2.3-alpine`` and ``1.3.0`` are not compared)."""
    a, b = tag_info(tag), tag_info(other)
    if a.version is None or b.version is None or a.variant != b.variant:
        return False
    width = max(len(a.numbers), len(b.numbers))
    return _release_key(a.version, width) < _release_key(b.version, width)


def best_sibling(original_tag: str, candidates: Iterable[str]) -> str | None:
    """The best tag among ``candidates`` (the tags with ``original_tag``'s digest) to pin
    ``original_tag`` to, by the order of the module doc.

    The result may be ``original_tag`` itself when it has a version and nothing is more
    specific; None when nothing qualifies (the caller keeps the original tag and adds the
    digest).
    """
    original = tag_info(original_tag)
    best: tuple[tuple[object, ...], str] | None = None
    for tag in set(candidates):
        candidate = tag_info(tag)
        if not _qualifies(original, candidate):
            continue
        key = _preference(original, candidate)
        if best is None or key < best[0]:
            best = (key, tag)
    return best[1] if best is not None else None


class Listing:
    """The tags of one repository, each parsed once, indexed by leading version number."""

    def __init__(self, tags: Iterable[str]) -> None:
        self.tags: tuple[str, ...] = tuple(dict.fromkeys(tags))
        self.infos: tuple[TagInfo, ...] = tuple(tag_info(t) for t in self.tags)
        self._by_major: dict[int, list[TagInfo]] = {}
        # Tags that may pin a tag without a version: versions and date stamps.
        self._pinnable: list[TagInfo] = []
        for info in self.infos:
            if info.numbers:
                self._by_major.setdefault(info.numbers[0], []).append(info)
            if info.version is not None or info.stamp:
                self._pinnable.append(info)
        self._ordered: dict[object, list[str]] = {}
        self._newest: dict[object, str | None] = {}
        self._tiers: dict[str, int] | None = None
        # Words that variants of versions or date stamps use (alpine, slim, bookworm):
        # a floating tag's sibling has them too; other words are names (jod, backports).
        # So are channel words that date-stamped tags carry (debian's stable-20250113):
        # stable-backports is looked for among the stable builds.
        self._variant_words = frozenset(
            w for info in self._pinnable for w in (info.words if info.stamp else info.tokens)
        )

    def tiers(self) -> dict[str, int]:
        """How likely a tag is to be what a floating tag points to: 0 for the newest of
        each kind (per variant and major version, the highest version; per date-stamped
        name such as ``bookworm-slim``, the newest stamp), 1 for the newest of each minor
        line (an old code name such as traefik's ``saintnectaire`` stays on the last
        patch of its line); other tags are not listed."""
        if self._tiers is None:
            best: dict[tuple[object, ...], tuple[tuple[object, ...], str]] = {}
            for c in self.infos:
                if c.version is not None:
                    kind: tuple[object, ...] = (c.version.variant.lower(), c.prerelease, c.dated)
                    rank: tuple[object, ...] = (
                        _release_key(c.version, 8),
                        c.exact,
                        len(c.numbers),
                        c.prefix == "",
                        _descending(c.name),
                    )
                    groups = [(0, *kind, c.numbers[:1]), (1, *kind, c.numbers[:2])]
                elif c.stamp:
                    rank = (c.stamp,)
                    groups = [(0, "", tuple(sorted(c.words)), c.prerelease)]
                else:
                    continue
                for group in groups:
                    if group not in best or rank > best[group][0]:
                        best[group] = (rank, c.name)
            tiers: dict[str, int] = {}
            for group, (_, name) in best.items():
                tier = group[0]
                assert isinstance(tier, int)
                tiers[name] = min(tier, tiers.get(name, tier))
            self._tiers = tiers
        return self._tiers

    def _pool(self, original: TagInfo) -> Iterable[TagInfo]:
        """The tags that may pin ``original``, and a few more: never fewer."""
        if original.version is not None:
            return self._by_major.get(original.numbers[0], ())
        return self._pinnable

    def candidates(self, tag: str) -> list[str]:
        """The tags that could be ``tag``'s best sibling, likeliest first.

        What :func:`best_sibling` accepts, in its order of preference, and among equals
        the newest version first: the sibling of a moving tag is nearly always the newest
        release of its kind.  For a tag without a version (``latest``, ``lts-alpine``,
        ``jod``), the :meth:`tiers` order them (the newest release of each major line
        first, newest line first, then of each minor line): a tag that follows an LTS
        line is found within a few checks; an old date-stamped build never comes before
        them.  Tags without a variant word of the original (one that versions or date
        stamps of this listing use: ``alpine``, ``bookworm``) are left out.
        """
        original = tag_info(tag)
        # Tags without a version that read alike (same words) have the same candidates.
        memo_key = tag if original.version is not None else _signature(original)
        cached = self._ordered.get(memo_key)
        if cached is not None:
            return [t for t in cached if t != tag]
        tiers = self.tiers() if original.version is None else {}
        required = original.all_words & self._variant_words
        # A tag with a version is its own sibling: only what beats it is worth a request
        # (17.2-bookworm never beats 17.2, whatever its digest).
        floor = _preference(original, original) if original.version is not None else None
        scored = []
        for c in self._pool(original):
            if c.name == tag or not _qualifies(original, c):
                continue
            if floor is not None and _preference(original, c) > floor:
                continue
            if not required <= c.all_words or (original.prerelease and not c.prerelease):
                # A pre-release tag (8.0-M02, 3.14-rc) is found among pre-releases.
                continue
            tier = tiers.get(c.name, 2) if tiers else 0
            bucket = (
                not c.exact,
                tier == 2 and c.version is None,  # an old date-stamped build: last
                *_closeness(original, c),
                tier,
                c.prefix != original.prefix,  # v3.3.2 after 3.3.2: the same image, nearly always
            )
            recency = c.recency
            tail = (-len(c.numbers), -c.prerelease_parts, c.name)
            scored.append((bucket, recency, tail, c))
        scored.sort(key=lambda s: s[:3])
        ordered = [s[3].name for s in scored]
        self._ordered[memo_key] = ordered
        return [t for t in ordered if t != tag]

    def newest_release(self, tag: str) -> str | None:
        """The highest release in the variant family of ``tag``; see :func:`newest_release`."""
        original = tag_info(tag)
        key = (
            original.family,
            original.numbers,
            original.dated,
            original.prefix,
            original.version.variant.lower() if original.version else original.variant,
        )
        if key not in self._newest:
            pool = self.infos if original.dated else self._pool(original)
            self._newest[key] = _newest(original, pool, original.family)
        return self._newest[key]

    def newer_release(self, tag: str, current: str) -> str | None:
        """A release newer than ``current`` that ``tag`` should point to; see
        :func:`newer_release`."""
        now = tag_info(current)
        version = now.version
        if version is None or now.prerelease:
            return None
        original = tag_info(tag)
        # A tag with a version follows it (16: every 16.x).  Any other (latest, lts, a code
        # name, a variant) follows its current release line: a newer major (temurin 23
        # while latest is the 21 LTS), a newer minor (ubuntu's interim releases) or a
        # newer stable line is no roll-back; a newer patch of the same line is (ollama
        # 0.6.3 while latest is 0.6.2).
        if original.version is not None:
            line = original.numbers
        elif len(version.numbers) >= 3:
            line = version.numbers[:-1]
        else:
            # Two parts (ubuntu's 24.04, postgres's 17.2): only a 17.2.x counts, never
            # 24.10, an interim release that latest skips by design.
            line = version.numbers
        same = [
            c
            for c in self._by_major.get(version.numbers[0], ())
            if c.variant == now.variant
            and c.version is not None
            and c.version.variant.lower() == version.variant.lower()
            and _extends(line, c.numbers)
        ]
        newest = _newest(original, same, None)
        if newest is None:
            return None
        new = tag_info(newest).version
        assert new is not None  # _newest only returns versions
        width = max(len(new.numbers), len(version.numbers))
        return newest if _release_key(new, width) > _release_key(version, width) else None

    def owner_candidates(self, tag: str) -> list[str]:
        """The tags that may point to a digest pinned as ``tag@digest``, likeliest first.

        Version tags of ``tag``'s variant first, exact ones before partial ones and
        releases before pre-releases.  For a versioned ``tag`` the nearest versions below
        it come first (a tag bumped by hand, its digest left behind: ``1.27.3@<digest of
        1.27.2>``), then the ones above it; for ``latest`` or ``stable`` the newest first
        (the release before the tag moved).  Then every other tag, by name.
        """
        original = tag_info(tag)

        def key(c: TagInfo) -> tuple[object, ...]:
            v = c.version
            if v is None:
                return (True, True, True, True, (), c.name)
            if original.version is None:
                order: tuple[object, ...] = (0, tuple(-n for n in v.numbers))
            else:
                width = max(len(v.numbers), len(original.numbers))
                mine, theirs = _release_key(original.version, width), _release_key(v, width)
                if theirs <= mine:
                    order = (0, tuple(-n for n in theirs[0]), tuple(-n for n in theirs[1]))
                else:
                    order = (1, theirs)
            return (
                c.variant != original.variant,
                False,
                not c.exact,
                c.prerelease,
                order,
                c.name,
            )

        return [c.name for c in sorted((c for c in self.infos if c.name != tag), key=key)]


def _newest(original: TagInfo, pool: Iterable[TagInfo], family: str | None) -> str | None:
    """The highest release in ``pool`` of variant ``family`` (any when None), extending
    ``original``'s version; date stamps only for a date-stamped original.  Among equal
    versions, the variant closest to the original, then its prefix, then by name."""
    best: tuple[tuple[object, ...], str] | None = None
    for c in pool:
        version = c.version
        if version is None or c.prerelease or (family is not None and c.family != family):
            continue
        if (
            original.version is not None
            and not original.dated
            and not _extends(original.numbers, c.numbers)
        ):
            continue
        if c.dated and not original.dated:
            continue
        variant = version.variant.lstrip("-_.").lower()
        wanted = (
            original.version.variant.lstrip("-_.").lower()
            if original.version is not None
            else original.variant
        )
        # Larger is better.
        key = (
            version.numbers,
            version.build,
            variant == wanted,
            -abs(len(variant) - len(wanted)),
            c.prefix == original.prefix,
            _descending(c.name),
        )
        if best is None or key > best[0]:
            best = (key, c.name)
    return best[1] if best is not None else None


def newest_release(original_tag: str, candidates: Iterable[str]) -> str | None:
    """The highest release among ``candidates`` in the variant family of ``original_tag``.

    For the rolled-back-tag rule: ``latest`` points to 0.6.2, but ``0.6.3`` exists.
    Pre-releases never count.  When the original has a version (``16``), only versions
    that extend it count (``16.5``, not ``17.0``): a newer major is not a roll-back.
    Tags that are date stamps (``20240101``) are compared only with each other.  Among
    equal versions, the variant closest to the original wins (``ltsc2022`` stays
    ``ltsc2022``).
    """
    original = tag_info(original_tag)
    return _newest(original, (tag_info(t) for t in set(candidates)), original.family)


def newer_release(tag: str, current: str, candidates: Iterable[str]) -> str | None:
    """The newest release above ``current`` that the moving ``tag`` should point to.

    ``current`` is the version tag ``tag`` points to today (its best sibling: ``0.6.2``
    for ``latest``).  Counted: releases (no pre-release, no date stamp) with exactly
    ``current``'s variant (``1.27.4-alpine`` for ``1.27.3-alpine``, not
    ``1.27.4-alpine3.21``: a tag that follows one base image is not behind when a newer
    base exists) in the line ``tag`` follows: every version extending ``tag``'s own
    (``16`` follows 16.x), or, for a tag without a version, ``current``'s release line
    (all numbers but the last).  None when ``current`` is the newest, or is not a
    release itself.
    """
    return Listing(candidates).newer_release(tag, current)


def owner_candidates(tag: str, candidates: Iterable[str]) -> list[str]:
    """:meth:`Listing.owner_candidates` of a one-off listing."""
    return Listing(candidates).owner_candidates(tag)


def ordered_candidates(tag: str, all_tags: Sequence[str]) -> list[str]:
    """:meth:`Listing.candidates` of a one-off listing."""
    return Listing(all_tags).candidates(tag)
