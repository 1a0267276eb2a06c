"""The online rules: what the registries said, turned into findings (PIN101 to PIN104).

Pinning is half of the job: pins go stale, and moving tags move backwards (at the end of
March 2025 ``ollama/ollama:latest`` went from 0.6.3 back to 0.6.2).  With ``--resolve``,
every occurrence is checked against its :class:`~pinlint.resolution.Resolution`:

- PIN101 stale-digest: ``name:tag@digest`` whose tag now points to another digest, and no
  tag points to the pinned digest any more (the tag was pushed again).  Suggestion: the
  same reference with the tag's current digest.
- PIN102 unknown-image: the repository, tag or digest does not exist; also a pinned
  ``name:tag@digest`` whose tag is gone while its digest still pulls.
- PIN103 tag-digest-mismatch: the pinned digest exists but another tag points to it
  (``nginx:1.27.3@<digest of 1.26.2>``).  No suggestion: which half is wrong is the
  user's call.
- PIN104 rolled-back-tag: a moving tag points to a lower version than it did when last
  resolved (the cache's memory: certain), or to version V while a newer release of the
  same variant exists in the line the tag follows
  (:meth:`pinlint.siblings.Listing.newer_release`).  Suggestion: what the tag points to
  today, as for the offline finding on the same text.

This module owns the online pass end to end: :func:`resolve_findings` picks the
references worth asking about, has :mod:`pinlint.resolve` ask the registries (the only
part that sends requests), and :func:`apply_resolutions` adds the suggestions
(:func:`pinlint.resolution.suggestion_for`) and the findings above.  Which tag of a
listing is which is :mod:`pinlint.siblings`'s business.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from pinlint import lint, reference, resolve, rules
from pinlint.model import Finding, Occurrence, suppresses
from pinlint.report.escape import printable
from pinlint.resolution import Resolution, suggestion_for

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pinlint.config import Config
    from pinlint.lint import FileSettings
    from pinlint.reference import Reference

    # The settings a file was linted with (its own config's, or the run's); None: the
    # run's config governs every file.
    SettingsFor = Callable[[str], FileSettings | None] | None

__all__ = ["apply_resolutions", "distinct_references", "online_findings", "resolve_findings"]


def _drift(image: str, res: Resolution, pin_style: str) -> list[tuple[str, str, str | None]]:
    """(rule, message, suggestion) for one reference; see the module doc."""
    if res.error is not None:
        if res.missing:
            return [(rules.UNKNOWN_IMAGE.id, f"{image} does not exist: {res.error}", None)]
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
            return [(rules.UNKNOWN_IMAGE.id, message, None)]
        if res.digest is None or res.pinned_in_tag is None:
            return []
        if res.pinned_owner is not None:
            message = f"{image} pins the digest of {res.pinned_owner}, not of {ref.tag}"
            return [(rules.TAG_DIGEST_MISMATCH.id, message, None)]
        where = (
            "no tag points to the pinned digest any more"
            if res.pinned_orphan
            else "none of the tags checked points to the pinned digest"
        )
        message = f"{image} is stale: {ref.tag} was pushed again, and {where}"
        return [(rules.STALE_DIGEST.id, message, ref.with_pin(ref.tag, res.digest))]
    if res.rolled_back_from is not None and res.exact_tag is not None:
        message = (
            f"{image} points to {res.exact_tag}, but it pointed to {res.rolled_back_from} "
            "when last resolved: the tag was rolled back"
        )
        return [(rules.ROLLED_BACK_TAG.id, message, suggestion_for(ref, res, pin_style))]
    if res.newer_tag is not None and res.exact_tag is not None:
        message = (
            f"{image} points to {res.exact_tag}, but {res.newer_tag} is newer: "
            "the tag may have been rolled back"
        )
        return [(rules.ROLLED_BACK_TAG.id, message, suggestion_for(ref, res, pin_style))]
    return []


def online_findings(
    occurrences: Sequence[Occurrence],
    results: Mapping[str, Resolution],
    enabled: frozenset[str],
    pin_style: str,
    settings_for: SettingsFor = None,
) -> list[Finding]:
    """PIN101 to PIN104 for every occurrence with a resolution, after inline directives.

    Like the offline pass, one text span gets the findings of its first occurrence only
    (an ARG default feeding several stages is reported once, where it is written).
    ``# pinlint: ignore[PIN104]`` works as for the offline rules: the lint pass stamped
    each occurrence with the rules ignored at it, so no file is read again here.
    ``settings_for`` gives each file's rules and ``allow`` (its own config's), instead
    of ``enabled`` for every file.
    """
    if settings_for is None and not enabled & rules.ONLINE:
        return []
    kept: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    for occ in occurrences:
        res = results.get(occ.image) if occ.image is not None else None
        if occ.image is None or res is None or (occ.path, occ.start, occ.end) in seen:
            continue
        seen.add((occ.path, occ.start, occ.end))
        on = enabled
        own = settings_for(occ.path) if settings_for is not None else None
        if own is not None:
            if rules.is_allowed(occ.image, own.allow):
                continue
            on = own.enabled
        for rule_id, message, suggestion in _drift(occ.image, res, pin_style):
            if rule_id in on and not suppresses(occ.ignored, rule_id):
                finding = rules.finding(occ, rule_id, message)
                finding.suggestion = suggestion
                kept.append(finding)
    return kept


def resolve_findings(
    occurrences: Sequence[Occurrence],
    findings: list[Finding],
    config: Config,
    *,
    progress: bool = False,
    unchecked: list[str] | None = None,
    settings_for: SettingsFor = None,
) -> list[Finding]:
    """The findings with suggestions, and the online findings (PIN101 to PIN104), after
    asking the registries about every distinct reference of ``occurrences``.

    ``unchecked`` collects the references no registry answer could check (a registry
    down or refusing, not in the cache with ``--offline``), for ``--fail-on-unresolved``.
    ``settings_for`` gives the rules, ``allow`` and ``exact-tags`` of each file, from its
    own config (``LintResult.settings_for``); ``config`` is the run's (registries, pin
    style).
    """
    groups = _by_exact_tags(occurrences, findings, config, settings_for)
    if len(groups) > 1:
        # Which tags are exact decides what a reference resolves to (the tag itself, or
        # its most specific sibling): files whose configs disagree on it are resolved
        # apart, each with its own; then back in the order of the files.
        out: list[Finding] = []
        for group_config, group_occurrences, group_findings in groups:
            out += resolve_findings(
                group_occurrences,
                group_findings,
                group_config,
                progress=progress,
                unchecked=unchecked,
                settings_for=settings_for,
            )
        order: dict[str, int] = {}
        for path in [*(f.path for f in findings), *(o.path for o in occurrences)]:
            order.setdefault(path, len(order))
        return sorted(out, key=lambda f: order.get(f.path, len(order)))
    if groups:
        config = groups[0][0]
    refs = distinct_references(occurrences, config, settings_for)
    results = resolve.resolve_all(
        refs,
        config,
        progress=sys.stderr if progress else None,
        request_timeout=config.timeout,
        run_timeout=config.run_timeout,
    )
    if unchecked is not None:
        unchecked.extend(
            image for image, res in results.items() if res.error is not None and not res.missing
        )
    _report_unchecked_pins(findings, results)
    return apply_resolutions(occurrences, findings, results, config, settings_for)


def _by_exact_tags(
    occurrences: Sequence[Occurrence],
    findings: Sequence[Finding],
    config: Config,
    settings_for: SettingsFor,
) -> list[tuple[Config, list[Occurrence], list[Finding]]]:
    """The occurrences and findings of the files that share their ``exact-tags``, each
    group with the run's config carrying them (one group, or none, when every file has
    the run's)."""
    if settings_for is None:
        return []
    run_key = (tuple(config.exact_tag_patterns), tuple(config.exact_tag_schemes.items()))
    groups: dict[tuple[object, ...], tuple[Config, list[Occurrence], list[Finding]]] = {}

    def group(path: str) -> tuple[Config, list[Occurrence], list[Finding]]:
        own = settings_for(path)
        key = run_key if own is None else (own.exact_patterns, own.exact_schemes)
        found = groups.get(key)
        if found is None:
            variant = config
            if key != run_key:
                from pinlint.config import Config

                variant = Config()
                for name in Config.__slots__:
                    setattr(variant, name, getattr(config, name))
                variant.exact_tag_patterns = list(key[0])
                variant.exact_tag_schemes = dict(key[1])
            found = groups[key] = (variant, [], [])
        return found

    for occ in occurrences:
        group(occ.path)[1].append(occ)
    for finding in findings:
        group(finding.path)[2].append(finding)
    return list(groups.values())


def _report_unchecked_pins(findings: Sequence[Finding], results: Mapping[str, Resolution]) -> None:
    """One stderr line per failing registry for pins that could not be verified.

    A floating reference carries the reason on its finding; a pinned one has no finding
    to carry it, and silence would read as "verified".
    """
    with_finding = {f.occurrence.image for f in findings if f.occurrence is not None}
    unchecked: dict[str, int] = {}
    for image, res in results.items():
        if res.error is not None and not res.missing and image not in with_finding:
            reason = str(res.error)
            unchecked[reason] = unchecked.get(reason, 0) + 1
    for reason, count in unchecked.items():
        noun = "reference" if count == 1 else "references"
        line = f"pinlint: {reason} ({count} pinned {noun} not checked)"
        print(printable(line), file=sys.stderr)


def distinct_references(
    occurrences: Sequence[Occurrence], config: Config, settings_for: SettingsFor = None
) -> dict[str, Reference]:
    """Effective references worth asking about: valid, not allowed by the config of the
    file they are in (``settings_for``), or by ``config``."""
    refs: dict[str, Reference] = {}
    for occ in occurrences:
        image = occ.image
        if image is None or image in refs:
            continue
        own = settings_for(occ.path) if settings_for is not None else None
        if rules.is_allowed(image, own.allow if own is not None else config.allow):
            continue
        try:
            refs[image] = reference.parse(image)
        except reference.InvalidReference:
            continue  # PIN007's business
    return refs


def apply_resolutions(
    occurrences: Sequence[Occurrence],
    findings: list[Finding],
    results: Mapping[str, Resolution],
    config: Config,
    settings_for: SettingsFor = None,
) -> list[Finding]:
    """New findings list: suggestions added, exact partial versions dropped, the online
    findings (PIN101 to PIN104) added, and a reason appended where a registry failed.
    Each file's rules are its own config's (``settings_for``), else ``config``'s."""
    # The same rule set as the offline pass (without building its settings again).
    enabled = lint.enabled_rules(config)

    def enabled_in(path: str) -> frozenset[str]:
        own = settings_for(path) if settings_for is not None else None
        return own.enabled if own is not None else enabled

    out: list[Finding] = []
    for finding in findings:
        occ = finding.occurrence
        res = results.get(occ.image) if occ is not None and occ.image is not None else None
        if occ is None or occ.image is None or res is None:
            out.append(finding)
            continue
        if res.error is not None:
            status = "offline" if config.offline else f"unresolved: {res.error}"
            if not res.missing:
                # One line, the registry's name and what to do; never a credential.
                message = f"{finding.message} (not resolved: {res.error})"
                finding = finding.replace(message=message)
            out.append(finding.replace(resolution=status))
            continue
        ref = reference.parse(occ.image)
        if finding.rule == rules.PARTIAL_VERSION.id and res.exact:
            # A partial version with no more specific sibling is exact after all.
            if rules.MISSING_DIGEST.id in enabled_in(finding.path) and res.suggested_digest:
                pin005 = rules.missing_digest(occ)
                out.append(
                    pin005.replace(
                        suggestion=suggestion_for(ref, res, config.pin_style),
                        resolution="resolved",
                    )
                )
            continue
        out.append(
            finding.replace(
                suggestion=suggestion_for(ref, res, config.pin_style), resolution="resolved"
            )
        )

    online = [
        f.replace(resolution="resolved")
        for f in online_findings(occurrences, results, enabled, config.pin_style, settings_for)
    ]
    if online:
        # Keep the offline order of files; within a file, by position, offline first.
        file_order: dict[str, int] = {}
        for f in out + online:
            file_order.setdefault(f.path, len(file_order))
        out = sorted(out + online, key=lambda f: (file_order[f.path], f.line, f.column))
    return out
