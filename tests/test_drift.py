"""Drift (issue #6): stale pins, unknown digests, mismatched pins and rolled-back tags.

A real distribution registry replays the Ollama case: ``latest`` and ``0.6`` went to
0.6.3, then back to 0.6.2.  Only the Docker Hub test uses ``httpx.MockTransport`` (the
Hub tags API, which gives every tag's digest).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from pinlint import lint, reference
from pinlint.cli import main
from pinlint.config import Config
from pinlint.drift import resolve_findings
from pinlint.model import Finding, Severity
from pinlint.resolve import resolve_references
from registry_server import Registry

MISSING = "sha256:" + "0" * 64


pytestmark = pytest.mark.usefixtures("isolated")


class Ollama(NamedTuple):
    repo: str
    name: str  # "127.0.0.1:PORT/ollama-N", as written in the files
    v0513: str
    v062: str
    v063: str
    v062_amd64: str
    v063_amd64: str
    old061: str  # 0.6.1 as first pushed: no tag points to it any more
    new061: str  # 0.6.1 as pushed again


@pytest.fixture
def ollama(registry: Registry) -> Ollama:
    """The repository as it was at the end of March 2025, with one re-pushed tag."""
    repo = registry.new_repo("ollama")
    v0513 = registry.push_index(repo, ["0.5.13", "0.5", "stable"], content="0.5.13")
    old061 = registry.push_index(repo, ["0.6.1"], content="0.6.1")
    new061 = registry.push_index(repo, ["0.6.1"], content="0.6.1, rebuilt")
    v062 = registry.push_index(repo, ["0.6.2", "0.6", "latest"], content="0.6.2")
    v063 = registry.push_index(repo, ["0.6.3", "0.6", "latest"], content="0.6.3")
    # 0.6.3 had a regression: latest and 0.6 go back to 0.6.2.
    registry.tag(repo, "0.6.2", "0.6")
    registry.tag(repo, "0.6.2", "latest")
    registry.clear_log()
    return Ollama(
        repo=repo,
        name=f"{registry.host}/{repo}",
        v0513=v0513.digest,
        v062=v062.digest,
        v063=v063.digest,
        v062_amd64=v062.manifests["linux/amd64"],
        v063_amd64=v063.manifests["linux/amd64"],
        old061=old061.digest,
        new061=new061.digest,
    )


def _resolve(tmp_path: Path, lines: list[str], cfg: Config | None = None) -> list[Finding]:
    cfg = cfg or Config()
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(f"{line}\n" for line in lines))
    result = lint.lint_paths([str(dockerfile)], cfg)
    return resolve_findings(result.occurrences, result.findings, cfg)


def _manifests(registry: Registry, prefix: str = "/manifests/") -> list[str]:
    """The registry's log without the ping (``GET /v2/``) a run starts with."""
    return [r for r in registry.request_log() if prefix in r and not r.endswith(" /v2/")]


def _got(findings: list[Finding]) -> list[tuple[int, str, str | None]]:
    return [(f.line, f.rule, f.suggestion) for f in findings]


def test_each_rule_fires_where_it_should(tmp_path: Path, ollama: Ollama) -> None:
    o = ollama.name
    lines = [
        f"FROM {o}:latest",  # 1: rolled back
        f"FROM {o}:0.6",  # 2: rolled back
        f"FROM {o}",  # 3: means latest
        f"FROM {o}:0.5",  # 4: the newest 0.5.x: not behind
        f"FROM {o}:stable",  # 5: the 0.5 line, deliberately behind 0.6: not behind
        f"FROM {o}:0.6.2@{ollama.v062}",  # 6: correct pins, silent
        f"FROM {o}:0.6.3@{ollama.v063}",  # 7
        f"FROM {o}:latest@{ollama.v062}",  # 8
        f"FROM {o}@{ollama.v062}",  # 9
        f"FROM {o}:0.6.2@{ollama.v062_amd64}",  # 10: one platform of 0.6.2's index
        f"FROM {o}:0.6.1@{ollama.old061}",  # 11: stale: 0.6.1 was pushed again
        f"FROM {o}:0.6.3@{ollama.v062}",  # 12: the digest is 0.6.2's
        f"FROM {o}:latest@{ollama.v063}",  # 13: pinned before the roll-back
        f"FROM {o}:0.6.2@{ollama.v063_amd64}",  # 14: a platform of 0.6.3
        f"FROM {o}:0.6.2@{MISSING}",  # 15: no such digest
        f"FROM {o}:0.6.9@{ollama.v062}",  # 16: no such tag; the digest pulls
        f"FROM {o}@{MISSING}",  # 17
    ]
    findings = _resolve(tmp_path, lines)
    at_062 = f"{o}:0.6.2@{ollama.v062}"
    assert _got(findings) == [
        (1, "PIN001", at_062),
        (1, "PIN104", at_062),
        (2, "PIN004", at_062),
        (2, "PIN104", at_062),
        (3, "PIN002", at_062),
        (3, "PIN104", at_062),
        (4, "PIN004", f"{o}:0.5.13@{ollama.v0513}"),
        (5, "PIN003", f"{o}:0.5.13@{ollama.v0513}"),
        (11, "PIN101", f"{o}:0.6.1@{ollama.new061}"),
        (12, "PIN103", None),
        (13, "PIN103", None),
        (14, "PIN103", None),
        (15, "PIN102", None),
        (16, "PIN102", None),
        (17, "PIN102", None),
    ]
    messages = {(f.line, f.rule): f.message for f in findings}
    assert messages[1, "PIN104"] == (
        f"{o}:latest points to 0.6.2, but 0.6.3 is newer: the tag may have been rolled back"
    )
    assert messages[2, "PIN104"] == (
        f"{o}:0.6 points to 0.6.2, but 0.6.3 is newer: the tag may have been rolled back"
    )
    assert messages[11, "PIN101"] == (
        f"{o}:0.6.1@{ollama.old061} is stale: 0.6.1 was pushed again, and no tag points "
        "to the pinned digest any more"
    )
    assert (
        messages[12, "PIN103"] == f"{o}:0.6.3@{ollama.v062} pins the digest of 0.6.2, not of 0.6.3"
    )
    assert messages[13, "PIN103"] == (
        f"{o}:latest@{ollama.v063} pins the digest of 0.6.3, not of latest"
    )
    assert messages[14, "PIN103"].endswith("pins the digest of 0.6.3, not of 0.6.2")
    assert messages[15, "PIN102"].endswith(f"digest {MISSING} not found in {ollama.repo}")
    assert messages[16, "PIN102"] == (
        f"{o}:0.6.9@{ollama.v062} names a tag that does not exist: {o.split('/')[0]}: tag "
        f"0.6.9 not found in {ollama.repo}; the pinned digest itself still pulls"
    )
    severities = {f.rule: f.severity for f in findings}
    assert severities["PIN101"] is severities["PIN102"] is Severity.ERROR
    assert severities["PIN103"] is severities["PIN104"] is Severity.WARNING


def test_correct_pins_cost_one_head_per_tag(
    tmp_path: Path, ollama: Ollama, registry: Registry
) -> None:
    o = ollama.name
    pins = [
        f"FROM {o}:0.6.2@{ollama.v062}",
        f"FROM {o}:0.6@{ollama.v062}",
        f"FROM {o}:latest@{ollama.v062}",
        f"FROM {o}:0.6.3@{ollama.v063}",
        f"FROM {o}:0.6.1@{ollama.new061}",
    ]
    assert _resolve(tmp_path, pins * 2) == []  # each reference twice: asked once
    # No tag listing, no GET: one HEAD of each tag.
    assert sorted(_manifests(registry, "/v2/")) == sorted(
        f"HEAD /v2/{ollama.repo}/manifests/{tag}"
        for tag in ("0.6.2", "0.6", "latest", "0.6.3", "0.6.1")
    )
    registry.clear_log()
    assert _resolve(tmp_path, pins) == []
    assert registry.request_log() == []  # a warm cache asks nothing


def test_a_platform_pin_reads_the_index_once(
    tmp_path: Path, ollama: Ollama, registry: Registry
) -> None:
    pin = f"FROM {ollama.name}:0.6.2@{ollama.v062_amd64}"
    assert _resolve(tmp_path, [pin]) == []
    assert _manifests(registry) == [
        f"HEAD /v2/{ollama.repo}/manifests/0.6.2",
        f"HEAD /v2/{ollama.repo}/manifests/{ollama.v062_amd64}",
        f"GET /v2/{ollama.repo}/manifests/{ollama.v062}",
    ]
    # After the tag's TTL, only the tag is asked again: digest facts are kept for good.
    registry.clear_log()
    assert _resolve(tmp_path, [pin], Config(cache_ttl=0)) == []
    assert _manifests(registry) == [f"HEAD /v2/{ollama.repo}/manifests/0.6.2"]


def test_wrong_pins_cost_heads_only(tmp_path: Path, ollama: Ollama, registry: Registry) -> None:
    o, repo = ollama.name, ollama.repo
    [stale] = _resolve(tmp_path, [f"FROM {o}:0.6.1@{ollama.old061}"])
    assert stale.rule == "PIN101"
    log = _manifests(registry, "/v2/")
    # The tag, the pinned digest, the listing, then every other tag once (none owns it):
    # HEADs only, never a GET of a manifest.
    assert log[:2] == [
        f"HEAD /v2/{repo}/manifests/0.6.1",
        f"HEAD /v2/{repo}/manifests/{ollama.old061}",
    ]
    assert sorted(log[2:]) == sorted(
        [f"GET /v2/{repo}/tags/list"]
        + [
            f"HEAD /v2/{repo}/manifests/{t}"
            for t in ("0.5.13", "0.5", "stable", "0.6.2", "0.6", "latest", "0.6.3")
        ]
    )
    registry.clear_log()
    [mismatch] = _resolve(tmp_path, [f"FROM {o}:0.6.3@{ollama.v062}"], Config(no_cache=True))
    assert mismatch.rule == "PIN103"
    # The nearest version below the tag is asked first, and it is the owner.
    assert _manifests(registry, "/v2/") == [
        f"HEAD /v2/{repo}/manifests/0.6.3",
        f"HEAD /v2/{repo}/manifests/{ollama.v062}",
        f"GET /v2/{repo}/tags/list",
        f"HEAD /v2/{repo}/manifests/0.6.2",
    ]


def test_rule_selection_and_ignore_directives(tmp_path: Path, ollama: Ollama) -> None:
    o = ollama.name
    lines = [f"FROM {o}:latest", f"FROM {o}:0.6.3@{ollama.v062}", f"FROM {o}:0.6.1@{ollama.old061}"]
    rules = {
        "default": ["PIN001", "PIN104", "PIN103", "PIN101"],
        "ignore PIN104": ["PIN001", "PIN103", "PIN101"],
        "select PIN1": ["PIN104", "PIN103", "PIN101"],
        "select PIN10": ["PIN104", "PIN103", "PIN101"],
        "select PIN101,PIN001": ["PIN001", "PIN101"],
    }
    configs = {
        "default": Config(),
        "ignore PIN104": Config(ignore=["PIN104"]),
        "select PIN1": Config(select=["PIN1"]),
        "select PIN10": Config(select=["PIN10"]),
        "select PIN101,PIN001": Config(select=["PIN101", "PIN001"]),
    }
    got = {name: [f.rule for f in _resolve(tmp_path, lines, cfg)] for name, cfg in configs.items()}
    assert got == rules
    suppressed = [
        "# pinlint: ignore[PIN104]",
        f"FROM {o}:latest",
        "# pinlint: ignore[PIN103]",
        f"FROM {o}:0.6.3@{ollama.v062}",
        "# pinlint: ignore",
        f"FROM {o}:0.6.1@{ollama.old061}",
        f"FROM {o}:0.6",
    ]
    assert [(f.line, f.rule) for f in _resolve(tmp_path, suppressed)] == [
        (2, "PIN001"),
        (7, "PIN004"),
        (7, "PIN104"),
    ]


def test_baseline_records_the_online_findings(
    tmp_path: Path, ollama: Ollama, capsys: pytest.CaptureFixture[str]
) -> None:
    o = ollama.name
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM {o}:latest\nFROM {o}:0.6.3@{ollama.v062}\n")
    baseline = tmp_path / "baseline.json"
    assert main(["--resolve", "--write-baseline", str(baseline), str(dockerfile)]) == 0
    recorded = {(e["rule"], e["image"]) for e in json.loads(baseline.read_text())["findings"]}
    assert recorded == {
        ("PIN001", f"{o}:latest"),
        ("PIN104", f"{o}:latest"),
        ("PIN103", f"{o}:0.6.3@{ollama.v062}"),
    }
    capsys.readouterr()
    args = ["--resolve", "--fail-on", "warning", "--format", "json", "--baseline", str(baseline)]
    assert main([*args, str(dockerfile)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_fix_pins_what_the_tag_points_to_and_refreshes_stale_digests(
    tmp_path: Path, ollama: Ollama, capsys: pytest.CaptureFixture[str]
) -> None:
    o = ollama.name
    dockerfile = tmp_path / "Dockerfile"
    before = (
        f"FROM {o}:latest AS a\n"
        f"FROM {o}:0.6 AS b\n"
        f"FROM {o}:0.6.1@{ollama.old061} AS c\n"
        f"FROM {o}:0.6.2@{ollama.v062} AS d\n"
    )
    dockerfile.write_text(before)
    assert main(["--fix", "--format", "json", str(dockerfile)]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == []  # PIN001, PIN004, PIN104 and PIN101: all fixed
    assert err == f"Rewriting {dockerfile}\n"
    after = (
        f"FROM {o}:0.6.2@{ollama.v062} AS a\n"
        f"FROM {o}:0.6.2@{ollama.v062} AS b\n"
        f"FROM {o}:0.6.1@{ollama.new061} AS c\n"
        f"FROM {o}:0.6.2@{ollama.v062} AS d\n"
    )
    assert dockerfile.read_text() == after
    # Idempotent: nothing left to do, nothing written, exit 0.
    for cache in ([], ["--no-cache"]):
        assert main(["--fix", "--format", "json", *cache, str(dockerfile)]) == 0
        out, err = capsys.readouterr()
        assert (json.loads(out), err) == ([], "")
        assert dockerfile.read_text() == after


def test_fix_leaves_mismatches_and_unknown_digests_to_the_user(
    tmp_path: Path, ollama: Ollama, capsys: pytest.CaptureFixture[str]
) -> None:
    o = ollama.name
    compose = tmp_path / "compose.yaml"
    before = (
        "services:\n"
        f"  a:\n    image: {o}:0.6.3@{ollama.v062}\n"
        f"  b:\n    image: {o}:0.6.2@{MISSING}\n"
        f"  c:\n    image: {o}:latest\n"
    )
    compose.write_text(before)
    assert main(["--fix", "--format", "json", str(compose)]) == 1
    left = [(f["rule"], f["line"], f["suggestion"]) for f in json.loads(capsys.readouterr().out)]
    assert left == [("PIN103", 3, None), ("PIN102", 5, None)]
    assert compose.read_text() == before.replace(f"{o}:latest", f"{o}:0.6.2@{ollama.v062}")
    assert main(["--fix", "--format", "json", str(compose)]) == 1  # still there, unchanged
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)] == ["PIN103", "PIN102"]
    assert compose.read_text() == before.replace(f"{o}:latest", f"{o}:0.6.2@{ollama.v062}")


def test_docker_hub_needs_no_candidate_heads() -> None:
    # MockTransport: the Hub tags API gives every digest, so neither the sibling of a
    # moving tag, nor the newer release, nor the owner of a pinned digest costs a HEAD.
    d062, d063, d070 = ("sha256:" + c * 64 for c in "abc")
    hub = {
        "ollama/ollama": {"latest": d062, "0.6": d062, "0.6.2": d062, "0.6.3": d063},
        # 0.7.1 re-tags 0.7.0 without a rebuild: the same digest is no roll-back.
        "acme/app": {"latest": d070, "0.7.0": d070, "0.7.1": d070},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(f"{request.method} {request.url.host}{path}")
        if request.url.host == "hub.docker.com":
            repo = path.removeprefix("/v2/repositories/").removesuffix("/tags")
            results = [{"name": t, "digest": d} for t, d in hub[repo].items()]
            return httpx.Response(200, json={"count": len(results), "results": results})
        assert request.url.host == "registry-1.docker.io"
        if path == "/v2/":
            return httpx.Response(200)
        repo, _, ref = path.removeprefix("/v2/").partition("/manifests/")
        digest = ref if ref.startswith("sha256:") else hub[repo][ref]
        index = "application/vnd.oci.image.index.v1+json"
        return httpx.Response(200, headers={"Docker-Content-Digest": digest, "Content-Type": index})

    refs = {
        text: reference.parse(text)
        for text in ("ollama/ollama:latest", f"ollama/ollama:0.6.3@{d062}", "acme/app:latest")
    }
    got = asyncio.run(resolve_references(refs, Config(), transport=httpx.MockTransport(handler)))
    rolled, pinned, retagged = got.values()
    assert (rolled.exact_tag, rolled.newer_tag) == ("0.6.2", "0.6.3")
    assert (pinned.pinned_in_tag, pinned.pinned_owner) == (False, "0.6.2")
    assert (retagged.digest, retagged.newer_tag) == (d070, None)
    # The pinned digest is asked unless the HEAD of latest (the same digest) came first.
    assert set(seen) - {f"HEAD registry-1.docker.io/v2/ollama/ollama/manifests/{d062}"} == {
        "GET hub.docker.com/v2/repositories/acme/app/tags",
        "GET hub.docker.com/v2/repositories/ollama/ollama/tags",
        "GET registry-1.docker.io/v2/",
        "HEAD registry-1.docker.io/v2/acme/app/manifests/latest",
        "HEAD registry-1.docker.io/v2/ollama/ollama/manifests/0.6.3",
        "HEAD registry-1.docker.io/v2/ollama/ollama/manifests/latest",
    }
