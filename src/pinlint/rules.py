"""The rule table, and the offline rules that read it.

One table serves the linter, the online rules (:mod:`pinlint.drift`), the fixer,
``--list-rules``, ``--explain``, SARIF rule metadata and config validation: a rule
exists because it is listed here, and what is known of it (severity, whether it needs
``--resolve``, whether ``--fix`` rewrites it) is a field of its row.  Other modules name
a rule by its constant (``rules.STALE_DIGEST``), never by its id's text.
"""

from __future__ import annotations

from pinlint import reference
from pinlint.model import Finding, Occurrence, Severity

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


class Rule:
    """One row of the rule table (a plain class: CONTRIBUTING.md, "Start-up budget")."""

    __slots__ = (
        "enabled",
        "explanation",
        "fixable",
        "id",
        "name",
        "online",
        "severity",
        "summary",
    )

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        summary: str,
        explanation: str,
        enabled: bool = True,
        online: bool = False,
        fixable: bool = False,
    ) -> None:
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.enabled = enabled  # on unless selected
        self.online = online  # needs --resolve
        self.fixable = fixable  # --fix rewrites the reference to its suggestion

    def __repr__(self) -> str:
        return f"Rule({self.id!r}, {self.name!r})"


LATEST_TAG = Rule(
    "PIN001",
    "latest-tag",
    Severity.ERROR,
    "The image uses the tag `latest`.",
    "`latest` is whatever was pushed last. It changes without notice, and it can move "
    "backwards: ollama/ollama:latest went from 0.6.3 back to 0.6.2 in March 2025. "
    "Pin an exact version and its digest: `pinlint --fix` writes "
    "`nginx:1.27.3@sha256:…` for `nginx:latest`.",
    fixable=True,
)

MISSING_TAG = Rule(
    "PIN002",
    "missing-tag",
    Severity.ERROR,
    "The image has neither a tag nor a digest.",
    "A reference without tag or digest (`redis`) means `redis:latest`, with the same "
    "risks. Pin an exact version and its digest.",
    fixable=True,
)

MOVING_TAG = Rule(
    "PIN003",
    "moving-tag",
    Severity.ERROR,
    "The image uses a named tag that is not a version.",
    "Tags such as `stable`, `lts`, `edge`, `mainline`, `nightly`, `alpine` or "
    "`bookworm-slim` are moved by the publisher with every release. Pin the exact "
    "version they point to today, keeping the variant (`alpine` -> `1.27.3-alpine`).",
    fixable=True,
)

PARTIAL_VERSION = Rule(
    "PIN004",
    "partial-version",
    Severity.ERROR,
    "The image uses a version with fewer than three numeric parts.",
    "`python:3`, `node:20-alpine` or `ubuntu:24.04` follow every patch release. Pin "
    "the full version. With --resolve, a partial version that has no more specific "
    "tag in the registry (postgres publishes `16.4`, not `16.4.0`) is exact and is "
    "not reported.",
    fixable=True,
)

MISSING_DIGEST = Rule(
    "PIN005",
    "missing-digest",
    Severity.ERROR,
    "The image has an exact tag but no digest.",
    "A tag, even an exact one, can be pushed again. A digest (`@sha256:…`) names "
    "exactly one image. Off by default; turn it on with --require-digest or "
    "`require-digest = true`.",
    enabled=False,
    fixable=True,
)

UNRESOLVED_VARIABLE = Rule(
    "PIN006",
    "unresolved-variable",
    Severity.WARNING,
    "The image is built from a variable that has no value or default.",
    "pinlint cannot tell which image `FROM ${BASE}` uses when BASE has no default. "
    "Give the variable a pinned default, or pass it with --build-arg.",
)

INVALID_REFERENCE = Rule(
    "PIN007",
    "invalid-reference",
    Severity.ERROR,
    "The text in an image position is not a valid image reference.",
    "Docker would refuse it: repository names are lowercase, tags are at most 128 "
    "characters of letters, digits, `_`, `.` and `-`, digests are `algorithm:hex`.",
)

STALE_DIGEST = Rule(
    "PIN101",
    "stale-digest",
    Severity.ERROR,
    "The tag now points to another digest than the one pinned.",
    "The tag was pushed again since the reference was pinned, and no tag points to "
    "the pinned digest any more. `pinlint --fix` refreshes the digest.",
    online=True,
    fixable=True,
)

UNKNOWN_IMAGE = Rule(
    "PIN102",
    "unknown-image",
    Severity.ERROR,
    "The repository, tag or digest does not exist in the registry.",
    "The registry answered that it has no such repository, tag or digest: a typo, a "
    "deleted tag, or an image that was never pushed there.",
    online=True,
)

TAG_DIGEST_MISMATCH = Rule(
    "PIN103",
    "tag-digest-mismatch",
    Severity.WARNING,
    "The pinned digest does not belong to the tag's image.",
    "`nginx:1.27.3@<digest of 1.26.2>`: the tag and the digest disagree, and a pull "
    "uses the digest. Decide which half is right; pinlint does not guess.",
    online=True,
    fixable=False,  # which half of the pair is wrong is the user's call
)

ROLLED_BACK_TAG = Rule(
    "PIN104",
    "rolled-back-tag",
    Severity.WARNING,
    "A moving tag points to an older version than the newest release.",
    "The tag may have been rolled back, as ollama/ollama:latest was from 0.6.3 to "
    "0.6.2 at the end of March 2025. Two signals count: a newer release of the same "
    "variant in the line the tag follows (a versioned tag such as `16` follows 16.x; "
    "`latest`, `stable`, `lts` or a code name follow their current minor line, so "
    "nginx:stable on 1.26 while 1.27 is out, or eclipse-temurin:latest on the 21 LTS "
    "while 23 is out, is deliberate), and the cache's memory: a tag that points to a "
    "lower version than it did when last resolved was certainly rolled back. The "
    "suggestion still pins what the tag points to today; whether to take the newer "
    "release is your call.",
    online=True,
    fixable=True,
)

PARSE_ERROR = Rule(
    "PIN900",
    "parse-error",
    Severity.ERROR,
    "The file cannot be parsed.",
    "pinlint could not read the file as the format that claims it (a Dockerfile, YAML, "
    "JSON or HCL), so it could not check it. The finding points at the line where "
    "reading stopped and quotes its text. The other files are still linted.",
)

UNUSED_IGNORE = Rule(
    "PIN901",
    "unused-ignore",
    Severity.WARNING,
    "A `# pinlint: ignore` directive does nothing.",
    "The directive is mistyped (`# pinlint: ignore [PIN004]`: no space before the "
    "bracket), names a rule that does not exist (`ignore[PIN999]`), stands where there "
    "is no image reference to ignore (it applies to the end of its own line in YAML, and "
    "to the next line when alone on its line), or where nothing it names fires: "
    "`ignore[PIN004]` on a line whose only finding is PIN001, or a bare `ignore` on a "
    "line with no finding. Rules are named by id or name. Online rules (PIN101 to "
    "PIN104), rules the run does not apply (PIN005 without require-digest), and a bare "
    "`ignore` on a digest-pinned reference (which only --resolve checks), or on any "
    "reference in a --resolve run, are not judged; to silence an online rule, name it "
    "(`ignore[PIN102]`). "
    "A directive that does nothing usually means a finding is not silenced as intended, "
    "or no longer needs to be; fix or remove it (like ruff's RUF100).",
)

_RULES = (
    LATEST_TAG,
    MISSING_TAG,
    MOVING_TAG,
    PARTIAL_VERSION,
    MISSING_DIGEST,
    UNRESOLVED_VARIABLE,
    INVALID_REFERENCE,
    STALE_DIGEST,
    UNKNOWN_IMAGE,
    TAG_DIGEST_MISMATCH,
    ROLLED_BACK_TAG,
    PARSE_ERROR,
    UNUSED_IGNORE,
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
ONLINE: frozenset[str] = frozenset(rule.id for rule in _RULES if rule.online)


def lookup(text: str) -> Rule | None:
    """The rule named by its id (``PIN001``, any case) or its name (``latest-tag``)."""
    rule = RULES.get(text.upper())
    if rule is not None:
        return rule
    lower = text.lower()
    return next((r for r in _RULES if r.name == lower), None)


def _pattern(text: str) -> str:
    """A selection pattern as an id prefix: a rule name stands for its id."""
    rule = lookup(text)
    return rule.id if rule is not None else text.upper()


def selected_rules(select: Sequence[str] | None, ignore: Sequence[str]) -> frozenset[str]:
    """The ids of the rules that run: ruff's prefix semantics (``PIN0`` selects PIN001…);
    a rule's name (``latest-tag``) selects that rule."""

    def matches(rule_id: str, patterns: Iterable[str]) -> bool:
        return any(rule_id.startswith(_pattern(p)) for p in patterns)

    on = {
        r.id
        for r in _RULES
        if (matches(r.id, select) if select is not None else r.enabled)
        and not matches(r.id, ignore)
    }
    return frozenset(on)


def unknown_rule_ids(ids: Iterable[str]) -> list[str]:
    """Ids, names or prefixes that name no rule, for a config error."""
    return [i for i in ids if not any(r.id.startswith(_pattern(i)) for r in _RULES)]


def finding(occ: Occurrence, rule_id: str, message: str) -> Finding:
    rule = RULES[rule_id]
    newlines = occ.written.count("\n")
    if newlines:
        end_line = occ.line + newlines
        end_column = len(occ.written) - occ.written.rfind("\n")
    else:
        end_line = occ.line
        end_column = occ.column + len(occ.written)
    return Finding(
        path=occ.path,
        line=occ.line,
        column=occ.column,
        rule=rule_id,
        severity=rule.severity,
        message=message,
        # A reference written in parts is named whole (its written text is the tag).
        as_written=occ.image if occ.split is not None and occ.image is not None else occ.written,
        occurrence=occ,
        end_line=end_line,
        end_column=end_column,
    )


def is_allowed(image: str, allow: Sequence[str]) -> bool:
    """``allow`` globs match the reference as written or in its full canonical form."""
    if not allow:
        return False
    import fnmatch  # only with patterns: not on the plain pre-commit path

    candidates = {image}
    try:
        ref = reference.parse(image)
    except reference.InvalidReference:
        pass
    else:
        tail = (f":{ref.tag}" if ref.tag else "") + (f"@{ref.digest}" if ref.digest else "")
        candidates.update({ref.familiar + tail, ref.canonical + tail})
    return any(fnmatch.fnmatchcase(c, pattern) for c in candidates for pattern in allow)


def check(
    occ: Occurrence,
    enabled: frozenset[str],
    *,
    allow: Sequence[str] = (),
    exact_patterns: Sequence[str] = (),
    exact_schemes: Sequence[tuple[str, str]] = (),
) -> Finding | None:
    """The offline finding for one occurrence, if any (at most one rule fires).

    ``exact_schemes`` are the user's ``(repository glob, tag regex)`` additions to the
    known version schemes (pinlint.schemes).
    """
    if occ.image is None:
        if UNRESOLVED_VARIABLE.id not in enabled:
            return None
        name = occ.unresolved or "a variable"
        if not name.startswith(("$", "{{")):
            name = f"${{{name}}}"
        message = f"{occ.written} cannot be checked: {name} has no value or default"
        return finding(occ, UNRESOLVED_VARIABLE.id, message)
    image = occ.image
    if image == "auto":
        # Istio's gateway injection: the injector replaces it; no image of that name.
        return None
    if is_allowed(image, allow):
        return None
    try:
        ref = reference.parse(image)
    except reference.InvalidReference as e:
        return _invalid(occ, image, e, enabled)
    if ref.digest is not None:
        return None  # pinned: no offline rule fires
    if ref.tag is None:
        rule_id, message = MISSING_TAG.id, f"{image} has no tag and no digest (it means latest)"
    else:
        # Imported here: a tree that is all pinned never classifies a tag.
        from pinlint import tags

        kind = tags.classify(ref.tag, exact_patterns)
        if kind is tags.TagKind.PARTIAL or kind is tags.TagKind.MOVING:
            from pinlint import schemes

            if schemes.exact_by_scheme(ref.canonical, ref.familiar, ref.tag, exact_schemes):
                kind = tags.TagKind.EXACT
        if kind is tags.TagKind.LATEST:
            rule_id, message = LATEST_TAG.id, f'{image} uses the moving tag "latest"'
        elif kind is tags.TagKind.MOVING:
            rule_id, message = MOVING_TAG.id, f'{image} uses the moving tag "{ref.tag}"'
        elif kind is tags.TagKind.PARTIAL:
            rule_id, message = PARTIAL_VERSION.id, f'{image} uses the partial version "{ref.tag}"'
        else:
            return missing_digest(occ) if MISSING_DIGEST.id in enabled else None
    if rule_id not in enabled:
        return None
    return finding(occ, rule_id, message)


def _not_a_reference(image: str) -> bool:
    """Text in an image position that is not meant as a pullable reference.

    - a URL-like import path (``ko://github.com/org/app/cmd/x``: ko builds it);
    - a policy or search pattern (``*:*``, ``!*:latest``, ``registry.io/*``,
      ``nginx:1.2[0-9]``), as Kyverno and admission policies write them;
    - a documentation placeholder: text with no lower-case letter (``IMAGE_URL``,
      ``REGISTRY/IMAGE:TAG``) or in angle brackets (``<your-image>``);
    - a template a script fills in: ``php:%%PHP_VERSION%%-%%VARIANT%%`` (nextcloud/docker's
      ``Dockerfile-*.template``), ``@VERSION@``, ``{tag}``.
    """
    import re  # lazy: re (which caches the compiled pattern)

    return re.fullmatch(_NOT_A_REFERENCE, image, re.VERBOSE | re.DOTALL) is not None


_NOT_A_REFERENCE = r"""
      [a-z][a-z0-9+.-]*://[\x21-\x7e]+              # ko://github.com/org/app
    | ![A-Za-z0-9._/:@*?\[\]-]+                      # !*:latest, !nginx:latest
    | [A-Za-z0-9._/:@\[\]-]*[*?][A-Za-z0-9._/:@*?\[\]-]*  # *:*, registry.io/*
    | [A-Z0-9_./:@-]*[A-Z][A-Z0-9_./:@-]*            # IMAGE_URL, REGISTRY/IMAGE:TAG
    | .*<[A-Za-z0-9_ .:/-]+>.*                      # <your-image>, <registry>/app:1
    | .*(?:%%[A-Za-z_][A-Za-z0-9_]*%%                # php:%%PHP_VERSION%%-%%VARIANT%%
       |@[A-Z_][A-Z0-9_]*@                          # app:@VERSION@ (configure)
       |\{[A-Za-z_][A-Za-z0-9_.]*\}                  # app:{tag} (str.format)
      ).*
"""


def _invalid(
    occ: Occurrence, image: str, error: Exception, enabled: frozenset[str]
) -> Finding | None:
    """PIN007 for text clearly meant as a reference and malformed; PIN006 for one that a
    tool completes at run time (``$(params.image)``); nothing for what is no reference."""
    from pinlint import substitutions

    if image != occ.written and "$" in occ.written:
        # The value came from variables (an ARG, a compose .env): name them, never
        # repeat the value, which may be anything a file was made to hold.
        if "PIN007" not in enabled:
            return None
        return finding(
            occ,
            "PIN007",
            f"{occ.written}: the value substituted is not a valid image reference"
            f" ({len(image)} characters, not shown)",
        ).replace(effective="")  # nor in JSON's "reference"
    sub = substitutions.first_unresolved(image)
    if sub is not None:
        if UNRESOLVED_VARIABLE.id not in enabled:
            return None
        return finding(
            occ,
            UNRESOLVED_VARIABLE.id,
            f"{image} cannot be checked: {sub.text} is filled in when it runs, and no "
            "default is written",
        )
    if _not_a_reference(image) or INVALID_REFERENCE.id not in enabled:
        return None
    return finding(occ, INVALID_REFERENCE.id, f"{image} is not a valid image reference: {error}")


def missing_digest(occ: Occurrence) -> Finding:
    """The PIN005 finding: offline for an exact tag, online for a partial version that
    has no more specific tag (:func:`pinlint.drift.apply_resolutions`)."""
    return finding(occ, MISSING_DIGEST.id, f"{occ.image} has an exact tag but no digest")


def parse_error(path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(
        path=path,
        line=line,
        column=column,
        rule=PARSE_ERROR.id,
        severity=PARSE_ERROR.severity,
        message=message,
        as_written="",
    )


def unused_ignore(path: str, message: str, line: int, column: int) -> Finding:
    return Finding(
        path=path,
        line=line,
        column=column,
        rule=UNUSED_IGNORE.id,
        severity=UNUSED_IGNORE.severity,
        message=message,
        as_written="",
    )
