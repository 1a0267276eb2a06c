"""What a tag promises, and how tags of one image relate.

Docker tags are free text, not PEP 440 or SemVer, so this is a small parser for the
shapes registries actually publish::

    [v] numbers [pre-release] [build] [variant]
    v   1.27.3                            -alpine3.20
        3.13.0  rc2                       -slim-bookworm
        1.2.3   -beta.2
        9.4             -1227.1726694542
        21.0.5          _11               -jdk-alpine
        8u412           -b08              -jre-jammy

Kinds (DESIGN.md "Rules"):

- ``latest``: the tag ``latest`` itself.
- exact: a version with three or more numeric parts, Java 8's update form
  (``8u342-jdk``), a version with a numeric build suffix, a date stamp (``20240101``,
  ``2024-01-01``, also as one dash-separated part:
  ``jammy-20240125``, ``nightly-20240101``), a git commit id (7 to 64 lower-case hex
  digits with at least one letter and one digit: ``sha-abc1234``, ``main-3f9c2e1``), a
  dash-separated part that is a three-part version (``release-1.2.3``), or a full match
  of a user pattern.
- partial: a leading version with one or two numeric parts (``3``, ``20-alpine``,
  ``v3.1``, ``24.04``, ``3.12-slim``).
- moving: every other tag (``stable``, ``lts``, ``alpine``, ``bookworm-slim``, ...).

Variant family: the variant with channel words (``latest``, ``stable``, ``mainline``,
``lts``, ...) and build ids (dates, commit ids) removed, and the version digits glued to
a word dropped (``alpine3.20`` -> ``alpine``, ``ltsc2022`` -> ``ltsc``), lower case, so
``1.27.3-alpine3.20``, ``1.27-alpine``, ``mainline-alpine`` and ``alpine`` are all
``alpine``, and ``latest``, ``stable``, ``1.27.3`` are all ``""``.  A number standing
alone in a variant stays (``3.9.9-eclipse-temurin-21-alpine``: the JDK line matters).
Distribution code names stay too: ``bookworm-slim`` is not ``slim``, because the tags
that share its digest (``12.8-slim``) cannot be told apart from ``trixie``'s by name.

Imports only :mod:`pinlint.model` at start-up, and ``re`` once a tag needs an expression:
it runs on every pre-commit call.
"""

from __future__ import annotations

from pinlint.model import Record, memoised, once

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence
    from typing import ClassVar

__all__ = [
    "PRERELEASE_CHANNELS",
    "TagKind",
    "TagVersion",
    "classify",
    "is_build_id",
    "parse_version",
    "variant_family",
    "variant_tokens",
]


# Docker's limit.  Backtracking regexes stay cheap because nothing longer is parsed.
MAX_TAG_LENGTH = 128


class TagKind:
    """What a tag says of the image behind it: ``TagKind.LATEST``, ``EXACT``, ``PARTIAL``
    or ``MOVING``, compared by identity (the four are the only instances, also after
    pickling).  Not an ``enum.Enum``: creating an enum class costs ~0.8 M instructions at
    import, on every pre-commit call (CONTRIBUTING.md, "Start-up budget")."""

    __slots__ = ("name", "value")

    LATEST: ClassVar[TagKind]
    EXACT: ClassVar[TagKind]
    PARTIAL: ClassVar[TagKind]
    MOVING: ClassVar[TagKind]

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"<TagKind.{self.name}: {self.value!r}>"

    def __reduce__(self) -> tuple[object, tuple[type[TagKind], str]]:
        return getattr, (TagKind, self.name)


TagKind.LATEST = TagKind("LATEST", "latest")
TagKind.EXACT = TagKind("EXACT", "exact")
TagKind.PARTIAL = TagKind("PARTIAL", "partial")
TagKind.MOVING = TagKind("MOVING", "moving")


# Pre-release markers, case-insensitive.  ``dev`` counts only with a number
# (``1.2.3.dev0``): bare ``-dev`` is a variant (Chainguard's ``latest-dev`` image has a
# shell), and ``-devel`` is CUDA's development variant.  ``a``/``b`` count only glued to
# the version with a number, as Python's images spell them (``3.14.0a1``).
_PRERELEASE_PATTERN = r"""
    (?:
        [-.]?
        (?i:alpha|beta|rc|preview|pre|snapshot|canary|nightly|next|ea|dev(?=[.-]?[0-9])
            |m(?=[0-9]))  # redis's milestones: 8.0-M02
        # digits glued on, then dot/dash groups: one way to split "rc12.3", so no
        # exponential backtracking on a long digit run
        [0-9]*(?:[.-][0-9]+)*
      |
        (?<=[0-9])[ab][0-9]+
    )
    (?![A-Za-z0-9])
"""


# The regexes below are compiled on first use: a one-file pre-commit run often meets
# only tags without a digit (``latest``, ``stable``, ``nonroot``), which need none.
@once
def _version_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(
        rf"""
        (?P<prefix>[vV]?)
        (?P<numbers>
            [0-9]+u[0-9]+           # Java 8 updates: 8u412
          | [0-9]+(?:\.[0-9]+)*
        )
        (?P<prerelease>{_PRERELEASE_PATTERN})?
        # A numeric build after the version: Red Hat's 9.4-1227.1726694542, Temurin's
        # 21.0.5_11, Java 8's -b08.
        (?P<build>(?:[-_]b?[0-9]+(?:\.[0-9]+)*(?![A-Za-z]))+)?
        (?P<variant>[-_.][A-Za-z0-9_.-]*|[A-Za-z][A-Za-z0-9_.-]*)?
        """,
        re.VERBOSE,
    )


@once
def _trailing_prerelease_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(
        r"[-_.](?P<marker>(?i:alpha|beta|rc|preview|pre|ea)(?:[.-]?[0-9]+)*)$", re.VERBOSE
    )


# A date stamp as a whole dash/underscore/dot-separated part of the tag: 20240101,
# 2024-01-01, 20240101T1200, 202401011200.
_DATE_PATTERN = r"""
    v?(?:19|20)[0-9]{2}(?P<sep>-?)(?:0[1-9]|1[0-2])(?P=sep)(?:0[1-9]|[12][0-9]|3[01])
    (?:[T_.-]?[0-9]{2,6})?
"""


# Build identifiers that name one build: a date stamp, a git commit id, a JEP-229
# version of Jenkins components (a commit count and ``v`` with the commit's first 12 hex
# digits, ``_`` between runs: 3385.vf1123fb_515da_, jenkins/inbound-agent's tags), or
# LinuxServer.io's build number after a version (v21.0-ls25, 1.2-ls3).
@once
def _build_id_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(
        rf"""
        (?:^|[-_.])
        (?:
            {_DATE_PATTERN}
          |
            (?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{{7,64}}
          |
            [0-9]+\.v(?=(?:_?[0-9a-f]){{12}}_?(?:$|[-.]))[0-9a-f_]{{12,24}}
          |
            (?<=[0-9][-_])ls[0-9]+
        )
        (?=$|[-_.])
        """,
        re.VERBOSE,
    )


def _may_hold_build_id(tag: str) -> bool:
    """False when :func:`_build_id_re` cannot match, decided without compiling it (a
    one-file run's tags are mostly versions like ``1.22``): every build id holds four
    hex digits in a row (a date's year, a commit id), ``.v`` (JEP-229) or ``ls``."""
    if "ls" in tag or ".v" in tag:
        return True
    run = 0
    for c in tag:
        if c in "0123456789abcdef":
            run += 1
            if run == 4:
                return True
        else:
            run = 0
    return False


# A three-part version as one dash-separated part of a tag that starts with a word:
# release-1.2.3, jdk-21.0.5_11, frontend-v1.0.0beta-2 (a pre-release word glued on).
@once
def _embedded_exact_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(
        r"(?:^|[-_])v?[0-9]+\.[0-9]+\.[0-9]+(?=$|[-_.]|(?:alpha|beta|rc|pre)[0-9]*(?:$|[-_.]))"
    )


# Version digits glued to a word: alpine3.20, ltsc2022, ubuntu22.04.
@once
def _glued_version_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(r"(?<=[A-Za-z])[0-9][0-9.]*$")


@once
def _prerelease_parts_re() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(r"([A-Za-z]+)|([0-9]+)")


# Channels that carry pre-releases: a moving tag named so may pin to one.
PRERELEASE_CHANNELS = frozenset(
    {"alpha", "beta", "rc", "next", "canary", "nightly", "preview", "insiders", "snapshot"}
)
# Words that name a release channel, not a variant of the image.
_CHANNEL_WORDS = PRERELEASE_CHANNELS | {
    "latest",
    "stable",
    "oldstable",
    "oldoldstable",
    "mainline",
    "lts",
    "edge",
    "current",
    "main",
    "master",
    "release",
    "rolling",
    "testing",
    "unstable",
    "experimental",
    "develop",
    "innovation",  # mysql's non-LTS line
    "tip",  # golang's development head
    # labels of a build id: sha-abc1234, git-abc1234
    "sha",
    "git",
}
# Pre-release stages in order; a release sorts after all of them.
_PRERELEASE_RANK = {
    "dev": 0,
    "snapshot": 0,
    "nightly": 0,
    "canary": 0,
    "a": 1,
    "alpha": 1,
    "m": 1,
    "ea": 1,
    "b": 2,
    "beta": 2,
    "pre": 2,
    "preview": 2,
    "next": 2,
    "rc": 3,
}


class TagVersion(Record):
    """A tag with a leading version.

    Ordered by version: numbers, then pre-releases before the release, then build;
    variant and prefix only break ties, so the order is total.  Compared and hashed by
    value (see ``Record``).
    """

    __slots__ = ("build", "numbers", "prefix", "prerelease", "variant")

    def __init__(
        self,
        numbers: tuple[int, ...],
        prefix: str,
        variant: str,
        prerelease: str | None,
        build: tuple[int, ...] = (),
    ) -> None:
        self.numbers = numbers  # (1, 27, 3)
        self.prefix = prefix  # "v" or ""
        self.variant = variant  # the suffix after the version: "-alpine3.20", ""
        self.prerelease = prerelease  # "rc1", "beta.2": as written, without separator
        self.build = build  # 9.4-1227.1726694542 -> (1227, 1726694542)

    @property
    def family(self) -> str:
        """The variant family: ``alpine`` for ``-alpine3.20`` (see the module doc)."""
        return _family(self.variant)

    @property
    def _key(self) -> tuple[object, ...]:
        if self.prerelease is None:
            pre: tuple[object, ...] = (1,)
        else:
            words = [w.lower() for w, _ in _prerelease_parts_re().findall(self.prerelease) if w]
            numbers = tuple(int(n) for _, n in _prerelease_parts_re().findall(self.prerelease) if n)
            pre = (0, _PRERELEASE_RANK.get(words[0] if words else "", 0), numbers)
        return (self.numbers, pre, self.build, self.variant, self.prefix, self.prerelease or "")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, TagVersion):
            return NotImplemented
        return self._key < other._key

    def __le__(self, other: object) -> bool:
        if not isinstance(other, TagVersion):
            return NotImplemented
        return self._key <= other._key

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, TagVersion):
            return NotImplemented
        return self._key > other._key

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, TagVersion):
            return NotImplemented
        return self._key >= other._key


_DIGIT_CHARS = frozenset("0123456789")
_VERSION_CHARS = _DIGIT_CHARS | {"."}
# What a variant written without a digit may hold (``-slim-bookworm``, ``.alpine``).
_WORD_VARIANT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-")
_VARIANT_SEPARATORS = str.maketrans("_.", "--")
# Pre-release words as the first word after the version (_PRERELEASE_PATTERN without a
# digit) and as the last word of a variant (_trailing_prerelease_re).
_LEADING_PRERELEASE = frozenset(
    {"alpha", "beta", "rc", "preview", "pre", "snapshot", "canary", "nightly", "next", "ea"}
)
_TRAILING_PRERELEASE = frozenset({"alpha", "beta", "rc", "preview", "pre", "ea"})


def _plain_version(tag: str) -> TagVersion | None:
    """:func:`parse_version` of the common shape, without compiling its expression (a
    one-file pre-commit run meets mostly these): ``v``, numbers with dots, then nothing
    or a variant without a digit and without a pre-release word at either end
    (``3.12-slim``, ``1.27.3``, ``v2.1.0-alpine``).  None for any other shape, which the
    expression reads."""
    prefix = tag[:1] if tag[:1] in ("v", "V") else ""
    end = len(prefix)
    while end < len(tag) and tag[end] in _VERSION_CHARS:
        end += 1
    numbers_text = tag[len(prefix) : end].rstrip(".")
    rest = tag[len(prefix) + len(numbers_text) :]
    if not numbers_text or numbers_text[0] == "." or ".." in numbers_text:
        return None
    if rest:
        if rest[0] not in "-_." or not _WORD_VARIANT_CHARS.issuperset(rest):
            return None
        words = rest[1:].translate(_VARIANT_SEPARATORS).split("-")
        if words[0].lower() in _LEADING_PRERELEASE:
            return None
        if words[-1].lower() in _TRAILING_PRERELEASE:
            return None
    return TagVersion(
        numbers=tuple(int(n) for n in numbers_text.split(".")),
        prefix=prefix,
        variant=rest,
        prerelease=None,
        build=(),
    )


# Memoised: resolving compares every listed tag of a repository, often more than once.
@memoised(8192)
def parse_version(tag: str) -> TagVersion | None:
    """The leading version of ``tag``, or None when it does not start with one."""
    if len(tag) > MAX_TAG_LENGTH:
        return None
    plain = _plain_version(tag)
    if plain is not None:
        return plain
    return _parse_version(tag)


def _parse_version(tag: str) -> TagVersion | None:
    """:func:`parse_version` by the expression, for every shape."""
    import re  # lazy: re

    match = _version_re().fullmatch(tag)
    if match is None:
        return None
    numbers_text = match["numbers"]
    numbers = tuple(int(n) for n in re.split(r"[.u]", numbers_text))
    variant = match["variant"] or ""
    prerelease = match["prerelease"]
    build_text = match["build"]
    if variant[:1].isalpha() and len(numbers) < 2 and not (prerelease or build_text):
        # "1password", "3d": a word that starts with a digit, not a version.
        return None
    build = tuple(int(n) for n in re.findall(r"[0-9]+", build_text)) if build_text else ()
    if prerelease is None and variant:
        # A pre-release marker after the variant: mariadb's 11.7.1-noble-rc, 13.0.1-ubi-rc.
        trailing = _trailing_prerelease_re().search(variant)
        if trailing is not None:
            prerelease = trailing["marker"]
            variant = variant[: trailing.start()]
    return TagVersion(
        numbers=numbers,
        prefix=match["prefix"],
        variant=variant,
        prerelease=prerelease.lstrip("-.") if prerelease else None,
        build=build,
    )


def _java8_update(tag: str) -> bool:
    """``[0-9]+u[0-9]+``: Java 8's update form (``8u342``)."""
    n = len(tag) - len(tag.lstrip("0123456789"))
    return n > 0 and tag[n : n + 1] == "u" and tag[n + 1 : n + 2] in _DIGIT_CHARS


def is_build_id(token: str) -> bool:
    """Whether one word of a tag names one build: a date stamp (``20250113``, also with a
    serial: ubuntu's ``20241118.1``) or a git commit id."""
    match = _build_id_re().match(token)
    if match is None:
        return False
    rest = token[match.end() :]
    return rest == "" or (rest[0] == "." and rest[1:].replace(".", "").isdigit())


def variant_tokens(text: str) -> list[str]:
    """The words of a variant, lower case, without channel words and build ids:
    ``["slim", "bookworm"]`` for ``-slim-bookworm``, ``["alpine3.20"]`` for
    ``mainline-alpine3.20``, ``["bookworm", "slim"]`` for ``bookworm-20250113-slim``."""
    tokens = []
    # Runs of ``-`` and ``_`` separate the tokens; the empty strings between the
    # characters of a run are skipped below (no expression to compile on every run).
    for token in text.lower().replace("_", "-").split("-"):
        token = token.strip(".")
        if not token or token in _CHANNEL_WORDS or is_build_id(token):
            continue
        tokens.append(token)
    return tokens


def _family(variant: str) -> str:
    return "-".join(
        stripped
        for token in variant_tokens(variant)
        if (stripped := _glued_version_re().sub("", token))
    )


def variant_family(tag: str) -> str:
    """``alpine`` for ``alpine``, ``1.27-alpine``, ``1.27.3-alpine3.20``, ``mainline-alpine``;
    ``""`` for ``latest``, ``stable``, ``mainline``, ``1.27.3``."""
    if len(tag) > MAX_TAG_LENGTH:
        return ""
    version = parse_version(tag)
    return version.family if version is not None else _family(tag)


def classify(tag: str, exact_patterns: Sequence[str] = ()) -> TagKind:
    """What ``tag`` promises: see the module doc.

    ``exact_patterns`` are regular expressions (the ``exact-tags`` setting) that must
    match the whole tag, within a time limit (:mod:`pinlint.patterns`).
    """
    if tag == "latest":
        return TagKind.LATEST
    if exact_patterns:
        from pinlint import patterns

        for pattern in exact_patterns:
            if patterns.fullmatch(pattern, tag):
                return TagKind.EXACT
    return _builtin_kind(tag)


# Memoised: a tree uses few distinct tags, and this runs for every reference.
@memoised(4096)
def _builtin_kind(tag: str) -> TagKind:
    if tag == "latest":
        return TagKind.LATEST
    if len(tag) > MAX_TAG_LENGTH:
        return TagKind.MOVING  # not a valid tag; the reference grammar rejects it first
    if not any(c in "0123456789" for c in tag):
        # Versions, dates and commit ids all have a digit: this is a name (stable, lts,
        # alpine, nonroot), and no regex is needed to say so.
        return TagKind.MOVING
    if _may_hold_build_id(tag) and _build_id_re().search(tag):
        return TagKind.EXACT
    version = parse_version(tag)
    if version is not None:
        if len(version.numbers) >= 3 or version.build:
            return TagKind.EXACT
        if _java8_update(tag):
            # Java 8's update form names one release: 8u342 is 1.8.0_342.
            return TagKind.EXACT
        return TagKind.PARTIAL
    if _embedded_exact_re().search(tag):
        return TagKind.EXACT
    return TagKind.MOVING
