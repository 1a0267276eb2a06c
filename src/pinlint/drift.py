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
Nothing here sends a request; which tag of a listing is which is
:mod:`pinlint.siblings`'s business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pinlint import directives, reference, rules
from pinlint.model import Finding, Occurrence

if TYPE_CHECKING:
    from pinlint.resolve import Resolution

__all__ = ["online_findings"]


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
    ``# pinlint: ignore[PIN104]`` works as for the offline rules: the lint pass stamped
    each occurrence with the rules ignored at it, so no file is read again here.
    """
    if not enabled & {"PIN101", "PIN102", "PIN103", "PIN104"}:
        return []
    kept: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    for occ in occurrences:
        res = results.get(occ.image) if occ.image is not None else None
        if occ.image is None or res is None or (occ.path, occ.start, occ.end) in seen:
            continue
        seen.add((occ.path, occ.start, occ.end))
        for rule_id, message, suggestion in _drift(occ.image, res, pin_style):
            if rule_id in enabled and not directives.suppresses(occ.ignored, rule_id):
                finding = rules.finding(occ, rule_id, message)
                finding.suggestion = suggestion
                kept.append(finding)
    return kept
