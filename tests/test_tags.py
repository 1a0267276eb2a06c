from __future__ import annotations

import itertools
import random
import re

import pytest

from helpers import time_limit
from pinlint import tags
from pinlint.tags import TagKind, TagVersion

LATEST, EXACT, PARTIAL, MOVING = TagKind.LATEST, TagKind.EXACT, TagKind.PARTIAL, TagKind.MOVING


CLASSIFY = [
    pytest.param("latest", LATEST, id="latest"),
    # exact: three or more numeric parts
    pytest.param("1.27.3", EXACT, id="semver"),
    pytest.param("v2.53.0", EXACT, id="v-prefix"),
    pytest.param("V2.53.0", EXACT, id="V-prefix"),
    pytest.param("3.12.7-slim-bookworm", EXACT, id="variant"),
    pytest.param("20.11.1-alpine3.19", EXACT, id="variant-with-version"),
    pytest.param("1.2.3-rc1", EXACT, id="rc"),
    pytest.param("1.2.3-beta.2", EXACT, id="beta-dot"),
    pytest.param("0.6.3-rc0", EXACT, id="rc0"),
    pytest.param("3.13.0rc2-slim", EXACT, id="python-rc"),
    pytest.param("3.14.0a1", EXACT, id="python-alpha"),
    pytest.param("2024.10.1", EXACT, id="calver"),
    pytest.param("1.2.3.4", EXACT, id="four-parts"),
    pytest.param("1.2.3-windowsservercore-ltsc2022", EXACT, id="windows"),
    pytest.param("12.6.2-devel-ubuntu22.04", EXACT, id="cuda"),
    pytest.param("0.6.3-rocm", EXACT, id="ollama-rocm"),
    # exact: a numeric build suffix
    pytest.param("9.4-1227.1726694542", EXACT, id="ubi-build"),
    pytest.param("1.20-2", EXACT, id="release-number"),
    pytest.param("21.0.5_11-jdk-alpine", EXACT, id="temurin"),
    pytest.param("8u412-b08-jre-jammy", EXACT, id="java8"),
    # exact: date stamps, commit ids
    pytest.param("20240101", EXACT, id="date"),
    pytest.param("2024-01-01", EXACT, id="dashed-date"),
    pytest.param("20240101-abcdef", EXACT, id="date-and-word"),
    pytest.param("202401011230", EXACT, id="date-time"),
    pytest.param("jammy-20240125", EXACT, id="ubuntu-dated"),
    pytest.param("noble-20240904.1", EXACT, id="ubuntu-dated-respin"),
    pytest.param("bookworm-20240110-slim", EXACT, id="debian-dated"),
    pytest.param("nightly-20240101", EXACT, id="dated-nightly"),
    pytest.param("4b825dc642cb6eb9a060e54bf8d69288fbee4904", EXACT, id="git-sha"),
    pytest.param("sha-abc1234", EXACT, id="metadata-action-sha"),
    pytest.param("main-3f9c2e1", EXACT, id="branch-sha"),
    pytest.param("release-1.2.3", EXACT, id="embedded-version"),
    # partial
    pytest.param("3", PARTIAL, id="major"),
    pytest.param("20-alpine", PARTIAL, id="major-variant"),
    pytest.param("v3.1", PARTIAL, id="v-minor"),
    pytest.param("v1", PARTIAL, id="v-major"),
    pytest.param("24.04", PARTIAL, id="ubuntu-version"),
    pytest.param("3.12-slim", PARTIAL, id="minor-variant"),
    pytest.param("16", PARTIAL, id="postgres"),
    pytest.param("1.0-SNAPSHOT", PARTIAL, id="snapshot"),
    pytest.param("3-rc", PARTIAL, id="major-rc"),
    pytest.param("1234567", PARTIAL, id="digits-are-not-a-sha"),
    pytest.param("20241301", PARTIAL, id="not-a-date-month-13"),
    # moving
    pytest.param("stable", MOVING, id="stable"),
    pytest.param("lts", MOVING, id="lts"),
    pytest.param("edge", MOVING, id="edge"),
    pytest.param("mainline", MOVING, id="mainline"),
    pytest.param("main", MOVING, id="main"),
    pytest.param("nightly", MOVING, id="nightly"),
    pytest.param("alpine", MOVING, id="alpine"),
    pytest.param("alpine3.20", MOVING, id="alpine-version"),
    pytest.param("bookworm-slim", MOVING, id="bookworm-slim"),
    pytest.param("nonroot", MOVING, id="nonroot"),
    pytest.param("latest-dev", MOVING, id="latest-dev"),
    pytest.param("Latest", MOVING, id="Latest-is-not-latest"),
    pytest.param("lts-alpine", MOVING, id="lts-alpine"),
    pytest.param("1password", MOVING, id="word-starting-with-digit"),
    pytest.param("defaced", MOVING, id="hex-word-without-digit"),
    pytest.param("cafe12", MOVING, id="short-hex"),
    pytest.param("alpine-3.19", MOVING, id="word-then-partial"),
    pytest.param("a" * 129, MOVING, id="too-long"),
]


@pytest.mark.parametrize(("tag", "kind"), CLASSIFY)
def test_classify(tag: str, kind: TagKind) -> None:
    assert tags.classify(tag) is kind


@pytest.mark.parametrize(
    ("tag", "patterns", "kind"),
    [
        pytest.param("build-42", [r"build-\d+"], EXACT, id="user-pattern"),
        pytest.param("stable", [r"build-\d+", "stable"], EXACT, id="second-pattern"),
        pytest.param("build-42x", [r"build-\d+"], MOVING, id="must-match-whole-tag"),
        pytest.param("xbuild-42", [r"build-\d+"], MOVING, id="anchored-at-start"),
        pytest.param("latest", [".*"], LATEST, id="latest-stays-latest"),
        pytest.param("3", [r"\d+\.\d+"], PARTIAL, id="no-match-falls-through"),
    ],
)
def test_classify_exact_patterns(tag: str, patterns: list[str], kind: TagKind) -> None:
    assert tags.classify(tag, patterns) is kind


def test_classify_bad_pattern_raises() -> None:
    with pytest.raises(re.error):
        tags.classify("x", ["("])


VERSIONS = [
    pytest.param("1.27.3", TagVersion((1, 27, 3), "", "", None), id="plain"),
    pytest.param("v2.53.0", TagVersion((2, 53, 0), "v", "", None), id="v"),
    pytest.param("3", TagVersion((3,), "", "", None), id="major"),
    pytest.param("1.27.3-alpine3.20", TagVersion((1, 27, 3), "", "-alpine3.20", None), id="alpine"),
    pytest.param(
        "3.12.7-slim-bookworm", TagVersion((3, 12, 7), "", "-slim-bookworm", None), id="slim"
    ),
    pytest.param(
        "1.2.3-windowsservercore-ltsc2022",
        TagVersion((1, 2, 3), "", "-windowsservercore-ltsc2022", None),
        id="windows",
    ),
    pytest.param("1.2.3-rc1", TagVersion((1, 2, 3), "", "", "rc1"), id="rc"),
    pytest.param("1.2.3-rc.1", TagVersion((1, 2, 3), "", "", "rc.1"), id="rc-dot"),
    pytest.param("1.2.3-beta.2", TagVersion((1, 2, 3), "", "", "beta.2"), id="beta"),
    pytest.param("0.6.3-rc0", TagVersion((0, 6, 3), "", "", "rc0"), id="rc0"),
    pytest.param("1.0.0-alpha", TagVersion((1, 0, 0), "", "", "alpha"), id="alpha"),
    pytest.param("1.0.0-ALPHA", TagVersion((1, 0, 0), "", "", "ALPHA"), id="upper-alpha"),
    pytest.param(
        "1.0.0-alpha-alpine", TagVersion((1, 0, 0), "", "-alpine", "alpha"), id="alpha-variant"
    ),
    pytest.param(
        "3.13.0rc2-slim", TagVersion((3, 13, 0), "", "-slim", "rc2"), id="python-rc-glued"
    ),
    pytest.param("3.14.0a1", TagVersion((3, 14, 0), "", "", "a1"), id="python-a"),
    pytest.param("3.13.0b2", TagVersion((3, 13, 0), "", "", "b2"), id="python-b"),
    pytest.param("1.2.3.dev0", TagVersion((1, 2, 3), "", "", "dev0"), id="dev-number"),
    pytest.param("1.2.3-dev", TagVersion((1, 2, 3), "", "-dev", None), id="dev-variant"),
    pytest.param(
        "12.6.2-devel-ubuntu22.04",
        TagVersion((12, 6, 2), "", "-devel-ubuntu22.04", None),
        id="devel-is-a-variant",
    ),
    pytest.param("2.4.1-alpine", TagVersion((2, 4, 1), "", "-alpine", None), id="alpine-not-alpha"),
    pytest.param(
        "1.2.3-prefork", TagVersion((1, 2, 3), "", "-prefork", None), id="prefork-not-pre"
    ),
    pytest.param("1.2.3-preview.4", TagVersion((1, 2, 3), "", "", "preview.4"), id="preview"),
    pytest.param(
        "9.4-1227.1726694542",
        TagVersion((9, 4), "", "", None, (1227, 1726694542)),
        id="ubi-build",
    ),
    pytest.param(
        "21.0.5_11-jdk-alpine",
        TagVersion((21, 0, 5), "", "-jdk-alpine", None, (11,)),
        id="temurin-build",
    ),
    pytest.param(
        "8u412-b08-jre-jammy",
        TagVersion((8, 412), "", "-jre-jammy", None, (8,)),
        id="java8",
    ),
    pytest.param("20-alpine", TagVersion((20,), "", "-alpine", None), id="node"),
    pytest.param(
        "3.9.7jre", TagVersion((3, 9, 7), "", "jre", None), id="glued-variant-after-two-parts"
    ),
    pytest.param("24.04", TagVersion((24, 4), "", "", None), id="leading-zero"),
]


@pytest.mark.parametrize(("tag", "expected"), VERSIONS)
def test_parse_version(tag: str, expected: TagVersion) -> None:
    assert tags.parse_version(tag) == expected


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("latest", id="latest"),
        pytest.param("alpine", id="alpine"),
        pytest.param("stable-1.2", id="word-first"),
        pytest.param("", id="empty"),
        pytest.param("v", id="v-only"),
        pytest.param("1password", id="word-with-digit"),
        pytest.param("3d", id="3d"),
        pytest.param("4b825dc642cb6eb9a060e54bf8d69288fbee4904", id="git-sha"),
        pytest.param("1" * 129, id="too-long"),
    ],
)
def test_parse_version_none(tag: str) -> None:
    assert tags.parse_version(tag) is None


ORDERED = [
    "1.2.3.dev0",
    "1.2.3-alpha",
    "1.2.3a2",
    "1.2.3-beta.2",
    "1.2.3-rc.2",
    "1.2.3-rc.10",
    "1.2.3",
    "1.2.9",
    "1.2.10",
    "1.27",
    "1.27.3",
    "9.4-1227.1726694542",
    "9.4-1228",
    "10",
]


def test_versions_order() -> None:
    versions = [tags.parse_version(t) for t in ORDERED]
    parsed = [v for v in versions if v is not None]
    assert len(parsed) == len(ORDERED)
    shuffled = parsed[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled) == parsed
    assert all(a < b and b > a and a <= b and b >= a for a, b in itertools.pairwise(parsed))


def test_version_order_is_total_and_consistent_with_equality() -> None:
    a = tags.parse_version("1.2.3-alpine")
    b = tags.parse_version("1.2.3-slim")
    assert a is not None
    assert b is not None
    assert a != b
    assert (a < b) != (b < a)
    assert not a < a
    assert a <= a
    assert a >= a


def test_version_compared_with_other_type() -> None:
    version = tags.parse_version("1.2.3")
    assert version is not None
    with pytest.raises(TypeError):
        _ = version < "1.2.4"  # type: ignore[operator]


FAMILIES = [
    pytest.param("alpine", "alpine", id="alpine"),
    pytest.param("1.27-alpine", "alpine", id="partial-alpine"),
    pytest.param("1.27.3-alpine3.20", "alpine", id="alpine-version-stripped"),
    pytest.param("alpine3.20", "alpine", id="named-alpine-version"),
    pytest.param("mainline-alpine", "alpine", id="channel-dropped"),
    pytest.param("stable-alpine-slim", "alpine-slim", id="channel-dropped-two-words"),
    pytest.param("lts-alpine3.19", "alpine", id="lts-alpine"),
    pytest.param("latest", "", id="latest"),
    pytest.param("stable", "", id="stable"),
    pytest.param("mainline", "", id="mainline"),
    pytest.param("1.27.3", "", id="plain-version"),
    pytest.param("1.2.3-rc1", "", id="prerelease-is-not-a-variant"),
    pytest.param("1.2.3-rc1-alpine", "alpine", id="prerelease-then-variant"),
    pytest.param("3.12.7-slim-bookworm", "slim-bookworm", id="slim-bookworm"),
    pytest.param("slim-bookworm", "slim-bookworm", id="named-slim-bookworm"),
    pytest.param("bookworm-slim", "bookworm-slim", id="codename-kept"),
    pytest.param("1.2.3-windowsservercore-ltsc2022", "windowsservercore-ltsc", id="windows"),
    pytest.param("3.9.9-eclipse-temurin-21-alpine", "eclipse-temurin-21-alpine", id="jdk-line"),
    pytest.param("12.6.2-devel-ubuntu22.04", "devel-ubuntu", id="cuda"),
    pytest.param("9.4-1227.1726694542", "", id="build-is-not-a-variant"),
    pytest.param("jammy-20240125", "jammy", id="date-dropped"),
    pytest.param("sha-abc1234", "", id="sha-dropped"),
    pytest.param("latest-dev", "dev", id="dev-variant"),
    pytest.param("1.2.3-Alpine", "alpine", id="lower-case"),
]


@pytest.mark.parametrize(("tag", "family"), FAMILIES)
def test_variant_family(tag: str, family: str) -> None:
    assert tags.variant_family(tag) == family


def test_family_property_agrees() -> None:
    version = tags.parse_version("1.27.3-alpine3.20")
    assert version is not None
    assert version.family == tags.variant_family("alpine") == "alpine"


NGINX = {"latest", "mainline", "1", "1.27", "1.27.3"}
NGINX_ALPINE = {
    "alpine",
    "1.27.3-alpine",
    "1.27.3-alpine3.20",
    "1.27-alpine",
    "mainline-alpine",
}

SIBLINGS = [
    pytest.param("latest", NGINX, "1.27.3", id="nginx-latest"),
    pytest.param("mainline", NGINX, "1.27.3", id="nginx-mainline"),
    pytest.param("1", NGINX, "1.27.3", id="nginx-major"),
    pytest.param("alpine", NGINX_ALPINE, "1.27.3-alpine", id="nginx-alpine"),
    pytest.param("mainline-alpine", NGINX_ALPINE, "1.27.3-alpine", id="nginx-mainline-alpine"),
    pytest.param("alpine3.20", NGINX_ALPINE, "1.27.3-alpine3.20", id="alpine-version-prefers-same"),
    pytest.param("1.27-alpine3.20", NGINX_ALPINE, "1.27.3-alpine3.20", id="partial-alpine-version"),
    pytest.param("latest", {"1.2.3", "1.2.4-rc1"}, "1.2.3", id="no-prerelease"),
    pytest.param("latest", {"latest", "1.2.4-rc1"}, None, id="only-prerelease"),
    pytest.param("rc", {"rc", "1.2.4-rc1", "1.2"}, "1.2.4-rc1", id="rc-channel-allows-rc"),
    pytest.param("1.2-rc", {"1.2.4-rc1", "1.2.3"}, "1.2.4-rc1", id="prerelease-original"),
    pytest.param("16", {"16", "16.4", "16.4-bookworm"}, "16.4", id="postgres"),
    pytest.param("16.4", {"16", "16.4", "16.4-bookworm"}, "16.4", id="already-most-specific"),
    pytest.param("16", {"16", "17.0.1"}, "16", id="never-another-line"),
    pytest.param("latest", {"latest", "v1.2.3", "1.2.3"}, "1.2.3", id="prefix-like-original-none"),
    pytest.param("v1", {"v1", "v1.2.3", "1.2.3"}, "v1.2.3", id="prefix-like-original-v"),
    pytest.param("latest", {"9.4", "9.4-1227.1726694542"}, "9.4-1227.1726694542", id="ubi-build"),
    pytest.param("latest", {"2024", "20240101"}, "20240101", id="exact-over-partial"),
    pytest.param(
        "slim", {"3.13.1-slim", "3.13.1-slim-bookworm", "3-slim"}, "3.13.1-slim", id="python-slim"
    ),
    pytest.param(
        "3.12-slim-bookworm",
        {"3.12.7-slim", "3.12.7-slim-bookworm", "3.12-slim"},
        "3.12.7-slim-bookworm",
        id="python-slim-bookworm",
    ),
    pytest.param("latest", {"latest", "mainline", "stable"}, None, id="no-version"),
    pytest.param("alpine", {"1.27.3", "1.27"}, None, id="other-family"),
    pytest.param("app", [], None, id="no-candidates"),
    pytest.param("main", ["main", "sha-abc1234"], None, id="branch"),
    pytest.param("latest", ["1.27.3", "1.27.3", "1.27"], "1.27.3", id="duplicates-in-an-iterator"),
]


@pytest.mark.parametrize(("original", "candidates", "expected"), SIBLINGS)
def test_best_sibling(original: str, candidates: set[str], expected: str | None) -> None:
    assert tags.best_sibling(original, iter(candidates)) == expected


def test_best_sibling_does_not_depend_on_order() -> None:
    candidates = ["1.27.3-alpine3.20", "1.27.3-alpine", "alpine", "1.27-alpine"]
    results = {
        tags.best_sibling("alpine", random.Random(seed).sample(candidates, len(candidates)))
        for seed in range(10)
    }
    assert results == {"1.27.3-alpine"}


OLLAMA = {"latest", "0.6.2", "0.6.3", "0.6.4-rc0", "0.6.3-rocm", "0.6.2-rocm", "rocm"}

NEWEST = [
    pytest.param("latest", OLLAMA, "0.6.3", id="ollama"),
    pytest.param("rocm", OLLAMA, "0.6.3-rocm", id="ollama-rocm"),
    pytest.param("latest", {"1.2.3", "1.2.10", "1.2.9"}, "1.2.10", id="numeric-not-lexical"),
    pytest.param("latest", {"1.2.3", "1.3.0-beta.1"}, "1.2.3", id="prerelease-ignored"),
    pytest.param("latest", {"1.2.3", "20240101"}, "1.2.3", id="dates-not-versions"),
    pytest.param("20240101", {"20240101", "20240315", "1.2.3"}, "20240315", id="dated-original"),
    pytest.param("16", {"16.4", "16.5", "17.0"}, "16.5", id="within-major"),
    pytest.param(
        "alpine", {"1.27.3-alpine", "1.27.4-alpine3.20", "1.28.0"}, "1.27.4-alpine3.20", id="family"
    ),
    pytest.param(
        "windowsservercore-ltsc2022",
        {"1.2.4-windowsservercore-ltsc2019", "1.2.4-windowsservercore-ltsc2022"},
        "1.2.4-windowsservercore-ltsc2022",
        id="closest-variant-on-tie",
    ),
    pytest.param("latest", {"v1.2.3", "1.2.3"}, "1.2.3", id="same-prefix-on-tie"),
    pytest.param("latest", {"latest", "stable", "1.2.3-rc1"}, None, id="nothing"),
    pytest.param("latest", {"1.27", "1.27.3"}, "1.27.3", id="more-parts-is-newer"),
    pytest.param("latest", {"9.4-1227.1", "9.4-1228.1"}, "9.4-1228.1", id="build"),
]


@pytest.mark.parametrize(("original", "candidates", "expected"), NEWEST)
def test_newest_release(original: str, candidates: set[str], expected: str | None) -> None:
    assert tags.newest_release(original, iter(candidates)) == expected


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("1" + ".1" * 63 + "!", id="many-parts"),
        pytest.param("1-" * 63 + "x", id="many-builds"),
        pytest.param("v" + "1" * 60 + "rc" + "1" * 60 + "!", id="long-rc-number"),
        pytest.param("1" * 4000 + "rc" + "1" * 100 + "!", id="huge"),
        pytest.param("0" * 60 + "a" * 60, id="hex-run"),
        pytest.param("2024" * 31 + "!", id="date-like-run"),
    ],
)
def test_pathological_tags_are_cheap(tag: str) -> None:
    with time_limit(5):
        tags.classify(tag)
        tags.parse_version(tag)
        tags.variant_family(tag)
        tags.best_sibling(tag, [tag, "1.2.3"])
        tags.newest_release(tag, [tag, "1.2.3"])
