"""The online rules: what the registries said, turned into findings (PIN101 to PIN104).

Pinning is half of the job: pins go stale, and moving tags move backwards (at the end of
March 2025 ``ollama/ollama:latest`` went from 0.6.3 back to 0.6.2).  With ``--resolve``,
every occurrence is checked against its :class:`~pinlint.resolve.Resolution`:

- PIN101 stale-digest: ``name:tag@digest`` whose tag now points to another digest, and no
  tag points to the pinned digest any more (the tag was pushed again).  Suggestion: the
  same reference with the tag's current digest.
- PIN102 unknown-image: the repository, tag or digest does not exist; also a pinned
  ``name:tag@digest`` whose tag is gone while its digest still pulls.
- PIN103 tag-digest-mismatch: the pinned digest exists but another tag points to it
  (``nginx:1.27.3@<digest of 1.26.2>``).  No suggestion: which half is wrong is the
  user's call.
- PIN104 rolled-back-tag: a moving tag points to version V while a newer release of the
  same variant exists.  Suggestion: what the tag points to today, as for the offline
  finding on the same text.

The resolver (``pinlint.resolve``) gathers the facts; this module only decides, plus the
tag arithmetic the resolver asks for (:func:`newer_release`, :func:`owner_candidates`).
Nothing here sends a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from pinlint import reference, rules, tags
from pinlint.model import Finding, Occurrence

if TYPE_CHECKING:
    from pinlint.resolve import Resolution

__all__ = ["newer_release", "online_findings", "owner_candidates"]

# Channel tags that follow one maintained release line, deliberately behind the newest
# one: nginx's ``stable`` is 1.26.x while 1.27.x is out, node's ``lts`` is not
# ``current``.  For them only a newer release of the same line (all version numbers but
# the last equal) means the tag is behind; ``latest``, ``mainline``, a partial version or
# a variant tag are compared with every release of their variant.
_LINE_CHANNELS = frozenset({"stable", "lts", "oldstable"})


def _variant(version: tags.TagVersion) -> str:
    return version.variant.lstrip("-_.").lower()


def _release_key(version: tags.TagVersion, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Numbers padded with zeros (``1.2`` == ``1.2.0``), then the build suffix."""
    return (version.numbers + (0,) * (width - len(version.numbers)), version.build)


def newer_release(tag: str, current: str, candidates: Iterable[str]) -> str | None:
    """The newest release above ``current`` that the moving ``tag`` could point to.

    ``current`` is the version tag ``tag`` points to today (its best sibling: ``0.6.2``
    for ``latest``).  Counted: releases (no pre-release, no date stamp) that
    :func:`pinlint.tags.newest_release` accepts for ``tag`` (same variant family,
    extending a partial version), with exactly ``current``'s variant
    (``1.27.4-alpine`` for ``1.27.3-alpine``, not ``1.27.4-alpine3.21``: a tag that
    follows one base image is not behind when a newer base exists), and, for a
    ``stable``/``lts`` channel, in ``current``'s release line.  None when ``current``
    is the newest, or is not a release itself.
    """
    now = tags.parse_version(current)
    if now is None or now.prerelease is not None:
        return None
    variant = _variant(now)
    words = {w for w in tag.lower().replace("_", "-").split("-") if w}
    line = now.numbers[:-1] if words & _LINE_CHANNELS else None
    same: list[str] = []
    for t in candidates:
        v = tags.parse_version(t)
        if v is None or _variant(v) != variant:
            continue
        if line is not None and v.numbers[:-1] != line:
            continue
        same.append(t)
    newest = tags.newest_release(tag, same)
    if newest is None:
        return None
    new = tags.parse_version(newest)
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
    family = tags.variant_family(tag)
    original = tags.parse_version(tag)

    def key(t: str) -> tuple[object, ...]:
        v = tags.parse_version(t)
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
            tags.variant_family(t) != family,
            False,
            tags.classify(t) is not tags.TagKind.EXACT,
            v.prerelease is not None,
            order,
            t,
        )

    return sorted((t for t in set(candidates) if t != tag), key=key)


def _drift(image: str, res: Resolution, pin_style: str) -> list[tuple[str, str, str | None]]:
    """(rule, message, suggestion) for one reference; see the module doc."""
    from pinlint.resolve import suggestion_for

    if res.error is not None:
        if res.missing:
            return [("PIN102", f"{image} does not exist: {res.error}", None)]
        return []  # the registry could not be asked: nothing is known
    try:
        ref = reference.parse(image)
    except reference.InvalidReference:
        return []
    if ref.digest is not None:
        if ref.tag is None or res.pinned_in_tag:
            return []  # a digest-only pin that exists, or a correct pin
        if res.tag_error is not None:
            message = (
                f"{image} names a tag that does not exist: {res.tag_error}; "
                "the pinned digest itself still pulls"
            )
            return [("PIN102", message, None)]
        if res.digest is None or res.pinned_in_tag is None:
            return []
        if res.pinned_owner is not None:
            message = f"{image} pins the digest of {res.pinned_owner}, not of {ref.tag}"
            return [("PIN103", message, None)]
        where = (
            "no tag points to the pinned digest any more"
            if res.pinned_orphan
            else "none of the tags checked points to the pinned digest"
        )
        message = f"{image} is stale: {ref.tag} was pushed again, and {where}"
        return [("PIN101", message, ref.with_pin(ref.tag, res.digest))]
    if res.newer_tag is not None and res.exact_tag is not None:
        message = (
            f"{image} points to {res.exact_tag}, but {res.newer_tag} is newer: "
            "the tag may have been rolled back"
        )
        return [("PIN104", message, suggestion_for(ref, res, pin_style))]
    return []


def online_findings(
    occurrences: Sequence[Occurrence],
    results: Mapping[str, Resolution],
    enabled: frozenset[str],
    pin_style: str,
) -> list[Finding]:
    """PIN101 to PIN104 for every occurrence with a resolution, after inline directives.

    Like the offline pass, one text span gets the findings of its first occurrence only
    (an ARG default feeding several stages is reported once, where it is written).
    """
    from pinlint import directives
    from pinlint.lint import read_text
    from pinlint.model import ParseError

    if not enabled & {"PIN101", "PIN102", "PIN103", "PIN104"}:
        return []
    new: dict[str, list[Finding]] = {}
    seen: set[tuple[str, int, int]] = set()
    for occ in occurrences:
        res = results.get(occ.image) if occ.image is not None else None
        if occ.image is None or res is None or (occ.path, occ.start, occ.end) in seen:
            continue
        seen.add((occ.path, occ.start, occ.end))
        for rule_id, message, suggestion in _drift(occ.image, res, pin_style):
            if rule_id in enabled:
                finding = rules.finding(occ, rule_id, message)
                finding.suggestion = suggestion
                new.setdefault(occ.path, []).append(finding)
    kept: list[Finding] = []
    for path, items in new.items():
        try:
            text = read_text(path)
        except (OSError, ParseError):
            kept.extend(items)
            continue
        # ``# pinlint: ignore[PIN104]`` works as for the offline rules.
        kept.extend(directives.apply(text, items))
    return kept
