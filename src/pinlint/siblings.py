"""Which tag of a repository's listing is which: the pure functions behind ``--resolve``.

Given the tags a registry lists for one repository (and nothing else: no request is
sent here), these choose

- :func:`best_sibling`: the most specific version tag to pin a floating tag to, among
  the tags that share its digest;
- :func:`ordered_candidates`: the order in which to check tags for that digest when the
  listing does not give digests (likeliest first);
- :func:`newest_release` and :func:`newer_release`: the newest release of a tag's
  variant family, and a release newer than what the tag points to (PIN104);
- :func:`owner_candidates`: the tags that may own a digest pinned under another tag
  (PIN103).

The tag model itself (kinds, versions, variant families) is :mod:`pinlint.tags`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from pinlint.tags import (
    _DATE_PATTERN,
    _PRERELEASE_CHANNELS,
    _TOKEN_SPLIT_RE,
    TagKind,
    TagVersion,
    _family_tokens,
    classify,
    parse_version,
    variant_family,
)

__all__ = [
    "best_sibling",
    "newer_release",
    "newest_release",
    "ordered_candidates",
    "owner_candidates",
]


# Used when choosing siblings (resolving), not when classifying: compiled on first use.
@functools.cache
def _leading_date_re() -> re.Pattern[str]:
    return re.compile(_DATE_PATTERN + r"(?=$|[-_.])", re.VERBOSE)


def _variant_text(tag: str, version: TagVersion | None) -> str:
    """The variant as written, without channel words: how close two variants are."""
    if version is not None:
        return version.variant.lstrip("-_.").lower()
    return "-".join(_family_tokens(tag))


def _is_prerelease_tag(tag: str, version: TagVersion | None) -> bool:
    if version is not None:
        return version.prerelease is not None
    return any(t in _PRERELEASE_CHANNELS for t in _TOKEN_SPLIT_RE.split(tag.lower()))


def _extends(prefix: tuple[int, ...], numbers: tuple[int, ...]) -> bool:
    return numbers[: len(prefix)] == prefix


def best_sibling(original_tag: str, candidates: Iterable[str]) -> str | None:
    """The most specific version tag among ``candidates`` to pin ``original_tag`` to.

    ``candidates`` are the tags that point at the same digest as ``original_tag``.
    Kept: tags with a leading version, in the same variant family, that extend the
    original's version (``16`` -> ``16.4``), and no pre-release unless the original is
    one.  Chosen: an exact tag over a partial one, then the most numeric parts, then a
    build suffix, then a pre-release only for a pre-release original, then the variant
    closest to the original (``alpine`` ->
    ``1.27.3-alpine`` over ``1.27.3-alpine3.20``), then the original's ``v`` prefix.
    The result may be ``original_tag`` itself when nothing is more specific; None when
    nothing qualifies (the caller keeps the original tag and adds the digest).
    """
    original = parse_version(original_tag)
    family = variant_family(original_tag)
    allow_prerelease = _is_prerelease_tag(original_tag, original)
    wanted_variant = _variant_text(original_tag, original)
    wanted_prefix = original.prefix if original is not None else ""

    best: tuple[tuple[object, ...], str] | None = None
    for tag in set(candidates):
        version = parse_version(tag)
        if version is None or version.family != family:
            continue
        if version.prerelease is not None and not allow_prerelease:
            continue
        if original is not None and not _extends(original.numbers, version.numbers):
            continue
        variant = _variant_text(tag, version)
        # Smaller is better.
        key = (
            classify(tag) is not TagKind.EXACT,
            -len(version.numbers),
            -len(version.build),
            # a pre-release original pins to a pre-release when both exist
            (version.prerelease is not None) != allow_prerelease,
            variant != wanted_variant,
            abs(len(variant) - len(wanted_variant)),
            version.prefix != wanted_prefix,
            tag,
        )
        if best is None or key < best[0]:
            best = (key, tag)
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
    original = parse_version(original_tag)
    family = variant_family(original_tag)
    wanted_variant = _variant_text(original_tag, original)
    dated = _leading_date_re().match(original_tag) is not None

    best: tuple[tuple[object, ...], str] | None = None
    for tag in set(candidates):
        version = parse_version(tag)
        if version is None or version.prerelease is not None or version.family != family:
            continue
        if original is not None and not dated and not _extends(original.numbers, version.numbers):
            continue
        if not dated and _leading_date_re().match(tag):
            continue
        variant = _variant_text(tag, version)
        # Larger is better.
        key = (
            version.numbers,
            version.build,
            variant == wanted_variant,
            -abs(len(variant) - len(wanted_variant)),
            version.prefix == (original.prefix if original is not None else ""),
            # Deterministic among tags that differ only in spelling.
            tuple(-ord(c) for c in tag),
        )
        if best is None or key > best[0]:
            best = (key, tag)
    return best[1] if best is not None else None


# Channel tags that follow one maintained release line, deliberately behind the newest
# one: nginx's ``stable`` is 1.26.x while 1.27.x is out, node's ``lts`` is not
# ``current``.  For them only a newer release of the same line (all version numbers but
# the last equal) means the tag is behind; ``latest``, ``mainline``, a partial version or
# a variant tag are compared with every release of their variant.
_LINE_CHANNELS = frozenset({"stable", "lts", "oldstable"})


def _variant(version: TagVersion) -> str:
    return version.variant.lstrip("-_.").lower()


def _release_key(version: TagVersion, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Numbers padded with zeros (``1.2`` == ``1.2.0``), then the build suffix."""
    return (version.numbers + (0,) * (width - len(version.numbers)), version.build)


def newer_release(tag: str, current: str, candidates: Iterable[str]) -> str | None:
    """The newest release above ``current`` that the moving ``tag`` could point to.

    ``current`` is the version tag ``tag`` points to today (its best sibling: ``0.6.2``
    for ``latest``).  Counted: releases (no pre-release, no date stamp) that
    :func:`pinlint.newest_release` accepts for ``tag`` (same variant family,
    extending a partial version), with exactly ``current``'s variant
    (``1.27.4-alpine`` for ``1.27.3-alpine``, not ``1.27.4-alpine3.21``: a tag that
    follows one base image is not behind when a newer base exists), and, for a
    ``stable``/``lts`` channel, in ``current``'s release line.  None when ``current``
    is the newest, or is not a release itself.
    """
    now = parse_version(current)
    if now is None or now.prerelease is not None:
        return None
    variant = _variant(now)
    words = {w for w in tag.lower().replace("_", "-").split("-") if w}
    line = now.numbers[:-1] if words & _LINE_CHANNELS else None
    same: list[str] = []
    for t in candidates:
        v = parse_version(t)
        if v is None or _variant(v) != variant:
            continue
        if line is not None and v.numbers[:-1] != line:
            continue
        same.append(t)
    newest = newest_release(tag, same)
    if newest is None:
        return None
    new = parse_version(newest)
    assert new is not None  # newest_release only returns versions
    width = max(len(new.numbers), len(now.numbers))
    return newest if _release_key(new, width) > _release_key(now, width) else None


def owner_candidates(tag: str, candidates: Iterable[str]) -> list[str]:
    """The tags that may point to a digest pinned as ``tag@digest``, likeliest first.

    Version tags of ``tag``'s variant family first, exact ones before partial ones and
    releases before pre-releases.  For a versioned ``tag`` the nearest versions below it
    come first (a tag bumped by hand, its digest left behind: ``1.27.3@<digest of
    1.27.2>``), then the ones above it; for ``latest`` or ``stable`` the newest first
    (the release before the tag moved).  Then every other tag, by name.
    """
    family = variant_family(tag)
    original = parse_version(tag)

    def key(t: str) -> tuple[object, ...]:
        v = parse_version(t)
        if v is None:
            return (True, True, True, True, (), t)
        if original is None:
            order: tuple[object, ...] = (0, tuple(-n for n in v.numbers))
        else:
            width = max(len(v.numbers), len(original.numbers))
            mine, theirs = _release_key(original, width), _release_key(v, width)
            if theirs <= mine:
                order = (0, tuple(-n for n in theirs[0]), tuple(-n for n in theirs[1]))
            else:
                order = (1, theirs)
        return (
            variant_family(t) != family,
            False,
            classify(t) is not TagKind.EXACT,
            v.prerelease is not None,
            order,
            t,
        )

    return sorted((t for t in set(candidates) if t != tag), key=key)


def ordered_candidates(tag: str, all_tags: Sequence[str]) -> list[str]:
    """The tags that could be ``tag``'s best sibling, best first if they match.

    Only what :func:`best_sibling` would accept (same family, extends a
    partial version, no unwanted pre-release), in its order of preference, with the
    newest version first among equals: the sibling of a moving tag is nearly always
    the newest release of its family.
    """
    original = parse_version(tag)
    eligible = [t for t in all_tags if t != tag and best_sibling(tag, (t,)) == t]
    wanted = original.variant.lstrip("-_.").lower() if original else tag.lower()

    def key(t: str) -> tuple[object, ...]:
        v = parse_version(t)
        assert v is not None  # best_sibling accepted it
        variant = v.variant.lstrip("-_.").lower()
        return (
            classify(t) is not TagKind.EXACT,
            -len(v.numbers),
            tuple(-n for n in v.numbers),
            -len(v.build),
            tuple(-n for n in v.build),
            variant != wanted,
            abs(len(variant) - len(wanted)),
            t,
        )

    return sorted(eligible, key=key)
