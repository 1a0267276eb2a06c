from __future__ import annotations

import copy
import itertools
import pickle
import random
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import time_limit
from pinlint import siblings, tags
from pinlint.config import ConfigError
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
    # jenkinsci/helm-charts@22055414 charts/jenkins/values.yaml (agent.image.tag)
    pytest.param("3385.vf1123fb_515da_-1", EXACT, id="jenkins-jep-229"),
    pytest.param("1.2.vendor", PARTIAL, id="not-jep-229"),
    # billimek/k8s-gitops@887f5cf6 deployments/nzbget.yaml (linuxserver/nzbget)
    pytest.param("v21.0-ls25", EXACT, id="linuxserver-build"),
    pytest.param("ls25", MOVING, id="linuxserver-build-alone"),
    # k8s-at-home/charts@2463dec1 charts/stable/mealie/values.yaml
    pytest.param("frontend-v1.0.0beta-2", EXACT, id="embedded-version-glued-prerelease"),
    pytest.param("frontend-v1.0.0betamax", MOVING, id="embedded-version-glued-word"),
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
    with pytest.raises(ConfigError, match="invalid pattern"):
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
    # Pre-release markers after the variant (mariadb), redis's milestones.
    pytest.param("13.0.1-ubi-rc", TagVersion((13, 0, 1), "", "-ubi", "rc"), id="rc-after-variant"),
    pytest.param(
        "11.7.1-noble-rc", TagVersion((11, 7, 1), "", "-noble", "rc"), id="rc-after-codename"
    ),
    pytest.param("8.0-M02", TagVersion((8, 0), "", "", "M02"), id="milestone"),
    pytest.param(
        "3.12-slim-rcfoo", TagVersion((3, 12), "", "-slim-rcfoo", None), id="rc-glued-is-a-word"
    ),
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
        _ = version < "1.2.4"  # type: ignore[operator,unused-ignore]


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
        siblings.best_sibling(tag, [tag, "1.2.3"])
        siblings.newest_release(tag, [tag, "1.2.3"])


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_tag_kinds_are_singletons_across_pickling(protocol: int) -> None:
    # Compared by identity everywhere (``kind is TagKind.EXACT``), also when a kind
    # comes back from a worker process.
    for kind in (TagKind.LATEST, TagKind.EXACT, TagKind.PARTIAL, TagKind.MOVING):
        assert pickle.loads(pickle.dumps(kind, protocol)) is kind
        assert copy.deepcopy(kind) is kind
    assert repr(TagKind.EXACT) == "<TagKind.EXACT: 'exact'>"


# Pieces of tags: versions, every separator, pre-release words (any case), build
# numbers, Java 8 updates, and characters the expression does not take.
_TAG_PIECES = st.sampled_from(
    [
        "v", "V", "1", "12", "0", ".", "..", "-", "_", "slim", "alpine", "bookworm", "rc",
        "RC", "beta", "pre", "preview", "prefix", "ea", "next", "nightly", "dev", "m", "M02",
        "a1", "b", "u", "8u412", "b08", "ls25", "+", "~", "é", "٣",
    ]
)  # fmt: skip


@given(st.lists(_TAG_PIECES, max_size=8).map("".join))
@settings(max_examples=4000, deadline=None)
@example("3.12-slim").via("a minor version and a variant")
@example("1.2.3-rc").via("a trailing pre-release word")
@example("1.2-preview").via("a leading pre-release word")
@example("11.7.1-noble-rc").via("a pre-release word after the variant")
@example("1.2.alpine").via("a variant after a dot")
@example("8u412").via("a Java 8 update")
def test_plain_versions_read_as_the_expression_reads_them(tag: str) -> None:
    # parse_version reads the common shape without its expression; whenever it does,
    # it must read it as the expression does.
    plain = tags._plain_version(tag)
    if plain is not None:
        assert plain == tags._parse_version(tag)
    assert tags.parse_version(tag) == tags._parse_version(tag)
    assert tags._java8_update(tag) == (re.match(r"[0-9]+u[0-9]+(?![0-9])", tag) is not None)
