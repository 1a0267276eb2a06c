"""The pure "which tag of this listing" functions (no registry): fast tables."""

from __future__ import annotations

import random

import pytest

from helpers import time_limit
from pinlint import siblings

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
    # Same digest, same image: a sibling in another family still pins (issue 11, point 1).
    pytest.param("alpine", {"1.27.3", "1.27"}, "1.27.3", id="other-family"),
    pytest.param("app", [], None, id="no-candidates"),
    pytest.param("main", ["main", "sha-abc1234"], None, id="branch"),
    pytest.param("latest", ["1.27.3", "1.27.3", "1.27"], "1.27.3", id="duplicates-in-an-iterator"),
    # Issue 11, point 6: an exact tag beats a partial one, in an extended family too.
    pytest.param(
        "slim", {"3.12-slim", "3-slim", "3.12.7-slim-bookworm"}, "3.12.7-slim-bookworm", id="exact"
    ),
    pytest.param("8", {"8", "8-jdk", "8u432-b06-jdk"}, "8u432-b06-jdk", id="java8-implicit-jdk"),
    pytest.param("bookworm", {"bookworm", "12", "12.9", "bookworm-20250113"}, "bookworm-20250113"),
    pytest.param("13.6", {"13.6", "13", "trixie", "trixie-20250113"}, "13.6", id="version-final"),
    pytest.param(
        "11.7-rc", {"11.7-rc", "11.7.1-rc", "11.7.1-noble-rc"}, "11.7.1-rc", id="rc-after"
    ),
    pytest.param("1.24-rc", {"1.24-rc", "1.24rc2"}, "1.24rc2", id="numbered-prerelease"),
]


@pytest.mark.parametrize(("original", "candidates", "expected"), SIBLINGS)
def test_best_sibling(original: str, candidates: set[str], expected: str | None) -> None:
    assert siblings.best_sibling(original, iter(candidates)) == expected


def test_best_sibling_does_not_depend_on_order() -> None:
    candidates = ["1.27.3-alpine3.20", "1.27.3-alpine", "alpine", "1.27-alpine"]
    results = {
        siblings.best_sibling("alpine", random.Random(seed).sample(candidates, len(candidates)))
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
    pytest.param("latest", {"11.6.2", "11.7.1-ubi-rc"}, "11.6.2", id="rc-after-variant"),
]


@pytest.mark.parametrize(("original", "candidates", "expected"), NEWEST)
def test_newest_release(original: str, candidates: set[str], expected: str | None) -> None:
    assert siblings.newest_release(original, iter(candidates)) == expected


@pytest.mark.parametrize(
    ("tag", "current", "tags", "expected"),
    [
        pytest.param("latest", "0.6.2", ["0.6.2", "0.6.3", "0.6", "latest"], "0.6.3", id="ollama"),
        pytest.param("latest", "0.6.3", ["0.6.2", "0.6.3", "0.6", "latest"], None, id="newest"),
        pytest.param("0.6", "0.6.2", ["0.6.2", "0.6.3", "0.7.0"], "0.6.3", id="partial"),
        pytest.param("0.6", "0.6.3", ["0.6.2", "0.6.3", "0.7.0"], None, id="partial-newest"),
        pytest.param("v3", "v3.1.2", ["v3.1.2", "v3.1.10", "v4.0.0"], "v3.1.10", id="v-prefix"),
        pytest.param("stable", "1.26.2", ["1.26.2", "1.27.3"], None, id="stable-line"),
        pytest.param("stable", "1.26.2", ["1.26.2", "1.26.3", "1.27.3"], "1.26.3", id="stable"),
        pytest.param("lts-alpine", "22.11.0-alpine", ["23.0.0-alpine"], None, id="lts-line"),
        pytest.param("mainline", "1.27.2", ["1.27.2", "1.27.3"], "1.27.3", id="mainline"),
        pytest.param("alpine", "1.27.3-alpine", ["1.27.4-alpine"], "1.27.4-alpine", id="variant"),
        pytest.param("alpine", "1.27.3-alpine", ["1.27.4-alpine3.21"], None, id="other-base"),
        pytest.param("alpine", "1.27.3-alpine", ["1.27.4"], None, id="other-variant"),
        pytest.param("latest", "0.6.2", ["0.6.3-rc1", "0.7.0-beta"], None, id="pre-release"),
        pytest.param("latest", "0.6.2", ["20250301", "0.6.2"], None, id="date-stamp"),
        pytest.param("next", "2.0.0-rc1", ["2.0.0", "1.9.0"], None, id="current-pre-release"),
        pytest.param("16", "16.4", ["16.4.0", "16.4"], None, id="same-version-padded"),
        pytest.param("16", "16.4", ["16.4.1", "16.4"], "16.4.1", id="longer-newer"),
        pytest.param("latest", "main", ["0.6.3"], None, id="current-not-a-version"),
    ],
)
def test_newer_release(tag: str, current: str, tags: list[str], expected: str | None) -> None:
    assert siblings.newer_release(tag, current, tags) == expected


def test_owner_candidates_nearest_version_first() -> None:
    tags = ["latest", "1.26.2", "1.27.2", "1.28.0", "1.27.3-alpine", "1.27", "1.27.4", "stable"]
    assert siblings.owner_candidates("1.27.3", [*tags, "1.27.3"]) == [
        "1.27.2",
        "1.26.2",
        "1.27.4",
        "1.28.0",
        "1.27",
        "1.27.3-alpine",
        "latest",
        "stable",
    ]
    # For a tag without a version, the newest first: the release before the tag moved.
    assert siblings.owner_candidates("latest", tags)[:4] == ["1.28.0", "1.27.4", "1.27.2", "1.26.2"]


def test_a_hostile_listing_stays_cheap() -> None:
    # A registry answers with 10,000 long tags of awkward shapes: parsed once each, and
    # the candidates of a few references computed in bounded time.
    shapes = ["1" + ".1" * 60, "1-" * 60 + "x", "2024" * 30, "a" * 120, "v1.2.3-" + "alpine-" * 17]
    listing_tags = [f"{shapes[n % len(shapes)][:120]}{n}" for n in range(10_000)]
    with time_limit(20):
        listing = siblings.Listing(listing_tags)
        for tag in ("latest", "alpine", "1", "1.1-alpine"):
            listing.candidates(tag)
            listing.newest_release(tag)
            listing.owner_candidates(tag)


def test_candidates_skip_what_cannot_beat_the_tag() -> None:
    listing = siblings.Listing(["17.2", "17.2-bookworm", "17.2-alpine", "17", "17.1.1", "18.0"])
    assert listing.candidates("17.2") == []  # final without a request
    # Exact first; 17.2-bookworm never beats 17.2.
    assert listing.candidates("17") == ["17.1.1", "17.2"]
    # A variant word the listing's versions use is required; a name (jod) is not.
    listing = siblings.Listing(["22.1.0", "22.1.0-alpine", "20.1.0-alpine", "jod", "iron"])
    assert listing.candidates("jod-alpine") == ["22.1.0-alpine", "20.1.0-alpine"]
    assert listing.candidates("jod") == ["22.1.0", "22.1.0-alpine", "20.1.0-alpine"]
