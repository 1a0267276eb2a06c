"""``--resolve`` end to end: a real distribution registry, the real lint pass, suggestions.

Only the Docker Hub test uses ``httpx.MockTransport`` (the Hub tags API shape: tests never
reach Docker Hub); everything else talks to ``docker-registry`` or a small real server.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from pinlint import lint, reference
from pinlint.cli import main
from pinlint.config import Config
from pinlint.drift import apply_resolutions, resolve_findings
from pinlint.model import Finding, Severity
from pinlint.resolution import Resolution
from pinlint.resolve import _Progress, resolve_references
from registry_server import AuthRegistry, Registry, SkopeoDigest, TokenRegistry

pytestmark = pytest.mark.usefixtures("isolated")


def _resolve(tmp_path: Path, images: list[str], cfg: Config | None = None) -> list[Finding]:
    cfg = cfg or Config()
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(f"FROM {image}\n" for image in images))
    result = lint.lint_paths([str(dockerfile)], cfg)
    return resolve_findings(result.occurrences, result.findings, cfg)


def _by_image(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.as_written, []).append(f)
    return out


@pytest.fixture
def seeded(registry: Registry) -> dict[str, Any]:
    """An image family as publishers push it: one index under several tags."""
    repo = registry.new_repo("web")
    h = registry.host
    mainline = registry.push_index(repo, ["latest", "mainline", "1.27.3", "1.27", "1"])
    stable = registry.push_index(repo, ["stable", "1.26.2", "1.26"], content="stable")
    alpine = registry.push_index(
        repo, ["alpine", "1.27.3-alpine", "1.27.3-alpine3.20", "1.27-alpine"], content="alpine"
    )
    edge = registry.push_index(repo, ["edge", "2.0.0-rc1"], content="edge")
    main = registry.push_image(repo, "main", content="main")
    pg = registry.new_repo("pg")
    pg16 = registry.push_image(pg, "16.4", content="16.4")
    registry.tag(pg, "16.4", "16")
    registry.clear_log()
    return {
        "host": h,
        "repo": repo,
        "pg": pg,
        "mainline": mainline.digest,
        "amd64": mainline.manifests["linux/amd64"],
        "stable": stable.digest,
        "alpine": alpine.digest,
        "edge": edge.digest,
        "main": main,
        "pg16": pg16,
    }


def test_suggestions(tmp_path: Path, seeded: dict[str, Any], registry: Registry) -> None:
    h, repo, pg = seeded["host"], seeded["repo"], seeded["pg"]
    web = f"{h}/{repo}"
    images = [
        f"{web}:latest",
        f"{web}",
        f"{web}:mainline",
        f"{web}:1",
        f"{web}:stable",
        f"{web}:alpine",
        f"{web}:edge",
        f"{web}:main",
        f"{h}/{pg}:16",
        f"{h}/{pg}:16.4",
    ]
    got = {
        img: [(f.rule, f.suggestion) for f in fs]
        for img, fs in _by_image(_resolve(tmp_path, images)).items()
    }
    assert got == {
        f"{web}:latest": [("PIN001", f"{web}:1.27.3@{seeded['mainline']}")],
        f"{web}": [("PIN002", f"{web}:1.27.3@{seeded['mainline']}")],
        f"{web}:mainline": [("PIN003", f"{web}:1.27.3@{seeded['mainline']}")],
        f"{web}:1": [("PIN004", f"{web}:1.27.3@{seeded['mainline']}")],
        f"{web}:stable": [("PIN003", f"{web}:1.26.2@{seeded['stable']}")],
        # The variant closest to the original wins over the distro-versioned spelling.
        f"{web}:alpine": [("PIN003", f"{web}:1.27.3-alpine@{seeded['alpine']}")],
        # Never a pre-release for a tag that is not one: keep the tag, add the digest.
        f"{web}:edge": [("PIN003", f"{web}:edge@{seeded['edge']}")],
        f"{web}:main": [("PIN003", f"{web}:main@{seeded['main']}")],
        f"{h}/{pg}:16": [("PIN004", f"{h}/{pg}:16.4@{seeded['pg16']}")],
        # postgres publishes 16.4, not 16.4.0: exact once resolved, not reported.
    }


def test_digest_is_the_index_and_matches_skopeo(
    tmp_path: Path, seeded: dict[str, Any], skopeo_digest: SkopeoDigest
) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    [finding] = _resolve(tmp_path, [f"{web}:latest"])
    assert finding.suggestion is not None
    digest = finding.suggestion.partition("@")[2]
    assert digest == seeded["mainline"] != seeded["amd64"]
    assert digest == skopeo_digest(f"{web}:latest")


def test_few_requests_and_a_warm_cache_sends_none(
    tmp_path: Path, seeded: dict[str, Any], registry: Registry
) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    images = [f"{web}:latest", f"{web}:1", f"{web}:mainline"]
    first = _resolve(tmp_path, images * 2)  # each reference twice: resolved once
    log = registry.request_log()
    manifests = [r for r in log if "/manifests/" in r]
    # latest, 1 and mainline: one HEAD each, plus one HEAD of 1.27.3 shared by all three.
    assert sorted(manifests) == sorted(
        f"HEAD /v2/{seeded['repo']}/manifests/{t}" for t in ("latest", "1", "mainline", "1.27.3")
    )
    assert log.count(f"GET /v2/{seeded['repo']}/tags/list") == 1
    registry.clear_log()
    second = _resolve(tmp_path, images * 2)
    assert registry.request_log() == []
    assert [f.suggestion for f in second] == [f.suggestion for f in first]


def test_pin_styles(tmp_path: Path, seeded: dict[str, Any]) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    images = [f"{web}:latest", f"{web}:main"]
    styles = {
        style: [f.suggestion for f in _resolve(tmp_path, images, Config(pin_style=style))]
        for style in ("tag+digest", "digest", "tag")
    }
    assert styles == {
        "tag+digest": [f"{web}:1.27.3@{seeded['mainline']}", f"{web}:main@{seeded['main']}"],
        "digest": [f"{web}@{seeded['mainline']}", f"{web}@{seeded['main']}"],
        "tag": [f"{web}:1.27.3", None],  # nothing more specific than main
    }


def test_require_digest(tmp_path: Path, seeded: dict[str, Any]) -> None:
    h, pg = seeded["host"], seeded["pg"]
    web = f"{h}/{seeded['repo']}"
    cfg = Config(require_digest=True)
    got = [
        (f.rule, f.as_written, f.suggestion)
        for f in _resolve(tmp_path, [f"{web}:1.27.3", f"{h}/{pg}:16.4"], cfg)
    ]
    assert got == [
        ("PIN005", f"{web}:1.27.3", f"{web}:1.27.3@{seeded['mainline']}"),
        # The partial version turned out exact: now it is an exact tag without digest.
        ("PIN005", f"{h}/{pg}:16.4", f"{h}/{pg}:16.4@{seeded['pg16']}"),
    ]


def test_unknown_images_are_pin102(tmp_path: Path, seeded: dict[str, Any]) -> None:
    h, repo = seeded["host"], seeded["repo"]
    missing_digest = "sha256:" + "0" * 64
    images = [
        f"{h}/{repo}:9.9.9",
        f"{h}/nope:latest",
        f"{h}/{repo}@{missing_digest}",
        f"{h}/{repo}:1.27.3",
    ]
    findings = _resolve(tmp_path, images)
    got = [(f.rule, f.line, f.as_written, f.severity, f.suggestion) for f in findings]
    assert sorted(got) == sorted(
        [
            ("PIN001", 2, f"{h}/nope:latest", Severity.ERROR, None),
            ("PIN102", 1, f"{h}/{repo}:9.9.9", Severity.ERROR, None),
            ("PIN102", 2, f"{h}/nope:latest", Severity.ERROR, None),
            ("PIN102", 3, f"{h}/{repo}@{missing_digest}", Severity.ERROR, None),
        ]
    )
    messages = {f.as_written: f.message for f in findings if f.rule == "PIN102"}
    assert messages[f"{h}/nope:latest"] == (
        f"{h}/nope:latest does not exist: {h}: repository nope not found"
    )
    assert "tag 9.9.9 not found" in messages[f"{h}/{repo}:9.9.9"]
    assert f"digest {missing_digest} not found" in messages[f"{h}/{repo}@{missing_digest}"]


def test_pin102_can_be_suppressed_and_deselected(tmp_path: Path, seeded: dict[str, Any]) -> None:
    h = seeded["host"]
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"# pinlint: ignore[PIN102]\nFROM {h}/gone:1.0.0\nFROM {h}/gone:2.0.0\n")
    for cfg, expected in ((Config(), [3]), (Config(ignore=["PIN102"]), [])):
        result = lint.lint_paths([str(dockerfile)], cfg)
        findings = resolve_findings(result.occurrences, result.findings, cfg)
        assert [f.line for f in findings if f.rule == "PIN102"] == expected


def test_rollback_is_recorded(registry: Registry) -> None:
    # The Ollama case: latest moved back from 0.6.3 to 0.6.2.
    repo = registry.new_repo("ollama")
    registry.push_index(repo, ["0.6.3", "0.6"], content="0.6.3")
    old = registry.push_index(repo, ["0.6.2", "latest"], content="0.6.2")
    new = registry.manifest_bytes(repo, "0.6.3")
    ref = reference.parse(f"{registry.host}/{repo}:latest")
    [res] = asyncio.run(resolve_references({"x": ref}, Config())).values()
    assert (res.digest, res.exact_tag, res.newest_tag) == (old.digest, "0.6.2", "0.6.3")
    assert res.newest_digest == "sha256:" + hashlib.sha256(new).hexdigest()


def test_platform_pin_stays_platform_specific(registry: Registry) -> None:
    repo = registry.new_repo("plat")
    index = registry.push_index(repo, ["1.0.0"])
    amd64 = index.manifests["linux/amd64"]
    refs = {
        "in": reference.parse(f"{registry.host}/{repo}:1.0.0@{amd64}"),
        "index": reference.parse(f"{registry.host}/{repo}:1.0.0@{index.digest}"),
    }
    got = asyncio.run(resolve_references(refs, Config()))
    assert (got["in"].pinned_in_tag, got["in"].suggested_digest, got["in"].digest) == (
        True,
        amd64,
        index.digest,
    )
    assert (got["index"].pinned_in_tag, got["index"].suggested_digest) == (True, index.digest)


def test_registry_failure_is_a_clear_message(
    tmp_path: Path, auth_registry: AuthRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = auth_registry.new_repo("private")
    auth_registry.push_image(repo, "latest")
    h = auth_registry.host
    wrong = "wrong-" + auth_registry.password
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    auth = base64.b64encode(f"{auth_registry.username}:{wrong}".encode()).decode()
    (config_dir / "config.json").write_text(json.dumps({"auths": {h: {"auth": auth}}}))
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM {h}/{repo}:latest\n")

    code = main(["--resolve", "--format", "json", str(dockerfile)])
    out, err = capsys.readouterr()
    [finding] = json.loads(out)
    assert code == 1
    assert finding["suggestion"] is None
    assert finding["message"].endswith(
        f"(not resolved: {h}: 401 unauthorized; run docker login {h})"
    )
    assert err == ""
    for text in (out, err, *(p.read_text() for p in (tmp_path / "cache").glob("*"))):
        assert wrong not in text
        assert auth not in text


def test_unverifiable_pin_is_said_on_stderr(
    tmp_path: Path, auth_registry: AuthRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pinned reference has no finding to carry a registry failure: one stderr line."""
    repo = auth_registry.new_repo("private-pinned")
    digest = auth_registry.push_image(repo, "1.2.3")
    h = auth_registry.host
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM {h}/{repo}:1.2.3@{digest}\nFROM {h}/{repo}@{digest}\n")

    code = main(["--resolve", "--quiet", str(dockerfile)])
    out, err = capsys.readouterr()
    assert (code, out) == (0, "")
    assert err == (
        f"pinlint: {h}: 401 unauthorized; run docker login {h} (2 pinned references not checked)\n"
    )
    assert auth_registry.password not in err


def test_offline_answers_from_the_cache_only(
    tmp_path: Path, seeded: dict[str, Any], registry: Registry
) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    cold = _resolve(tmp_path, [f"{web}:latest"], Config(offline=True))
    assert cold[0].suggestion is None
    assert cold[0].message.endswith(
        f"(not resolved: {seeded['host']}: not in the cache (--offline))"
    )
    warm = _resolve(tmp_path, [f"{web}:latest"])
    registry.clear_log()
    offline = _resolve(tmp_path, [f"{web}:latest"], Config(offline=True))
    assert offline[0].suggestion == warm[0].suggestion == f"{web}:1.27.3@{seeded['mainline']}"
    assert registry.request_log() == []


def test_no_cache_writes_nothing(tmp_path: Path, seeded: dict[str, Any]) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    [finding] = _resolve(tmp_path, [f"{web}:latest"], Config(no_cache=True))
    assert finding.suggestion is not None
    assert not (tmp_path / "cache").exists()


class _SlowServer:
    """A registry that never answers in time."""

    def __init__(self) -> None:
        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(2)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_server() -> Iterator[_SlowServer]:
    server = _SlowServer()
    yield server
    server.close()


def test_run_timeout(slow_server: _SlowServer, seeded: dict[str, Any]) -> None:
    refs = {
        "slow": reference.parse(f"{slow_server.host}/a:latest"),
        "fine": reference.parse(f"{seeded['host']}/{seeded['repo']}:1.27.3"),
    }
    started = time.monotonic()
    got = asyncio.run(resolve_references(refs, Config(), run_timeout=0.5))
    assert time.monotonic() - started < 1.5
    assert str(got["slow"].error) == f"{slow_server.host}: no answer within 0.5 s for the whole run"
    assert got["fine"].digest == seeded["mainline"]


def test_request_timeout(slow_server: _SlowServer) -> None:
    refs = {"slow": reference.parse(f"{slow_server.host}/a:1.0.0")}
    got = asyncio.run(resolve_references(refs, Config(), request_timeout=0.3))
    assert str(got["slow"].error) == f"{slow_server.host}: the registry did not answer in time"


def test_docker_hub_uses_the_tags_api() -> None:
    # MockTransport: the Docker Hub tags API shape, and Docker Hub's registry and token
    # endpoints (tests never reach Docker Hub).
    index = "sha256:" + "1" * 64
    older = "sha256:" + "2" * 64
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.host == "registry-1.docker.io":
            if request.headers.get("Authorization") != "Bearer anon-token":
                challenge = (
                    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'
                )
                return httpx.Response(401, headers={"WWW-Authenticate": challenge})
            assert request.url.path == "/v2/library/nginx/manifests/latest"
            return httpx.Response(
                200,
                headers={
                    "Docker-Content-Digest": index,
                    "Content-Type": "application/vnd.oci.image.index.v1+json",
                },
            )
        if request.url.host == "auth.docker.io":
            assert request.url.params["scope"] == "repository:library/nginx:pull"
            return httpx.Response(200, json={"token": "anon-token", "expires_in": 300})
        assert request.url.host == "hub.docker.com"
        results = [
            {"name": "latest", "digest": index},
            {"name": "mainline", "digest": index},
            {"name": "1.27.3", "digest": index},
            {"name": "1.27", "digest": index},
            {"name": "1.26.2", "digest": older},
        ]
        return httpx.Response(200, json={"count": len(results), "next": None, "results": results})

    refs = {"nginx": reference.parse("nginx:latest")}
    got = asyncio.run(resolve_references(refs, Config(), transport=httpx.MockTransport(handler)))
    res = got["nginx"]
    assert (res.digest, res.exact_tag, res.newest_tag, res.newest_digest) == (
        index,
        "1.27.3",
        "1.27.3",
        index,
    )
    # No HEAD per candidate tag: the Hub tags API gave every digest in one page.
    assert sorted(seen) == [
        "GET auth.docker.io/token",
        "GET hub.docker.com/v2/repositories/library/nginx/tags",
        "GET registry-1.docker.io/v2/",
        "HEAD registry-1.docker.io/v2/library/nginx/manifests/latest",
    ]


def test_progress_bar_only_for_many_references(seeded: dict[str, Any]) -> None:
    web = f"{seeded['host']}/{seeded['repo']}"
    few = {t: reference.parse(f"{web}:{t}") for t in ("latest", "1", "stable")}
    many = {
        t: reference.parse(f"{web}:{t}") for t in ("latest", "1", "stable", "1.26", "main", "edge")
    }
    for refs, drawn in ((few, False), (many, True)):
        stream = io.StringIO()
        asyncio.run(resolve_references(refs, Config(), progress=stream))
        text = stream.getvalue()
        assert ("resolving [" in text) is drawn
        if drawn:
            # At once, before any answer: a hung registry is no blank screen.
            assert text.startswith("\rresolving [" + "." * 30 + f"] 0/{len(many)}")
            assert f"{len(many)}/{len(many)}" in text
            assert text.endswith("\r\x1b[K")  # the line is cleared at the end


def test_progress_bar_drawing() -> None:
    stream = io.StringIO()
    bar = _Progress(2, stream)
    bar.advance()
    bar.advance()
    bar.close()
    assert stream.getvalue() == (
        "\rresolving [" + "#" * 15 + "." * 15 + "] 1/2\rresolving [" + "#" * 30 + "] 2/2\r\x1b[K"
    )


def test_progress_bar_shown_later() -> None:
    # Few references: drawn only once the run is slow (PROGRESS_DELAY), then kept up.
    stream = io.StringIO()
    bar = _Progress(3, stream, shown=False)
    bar.advance()
    assert stream.getvalue() == ""
    bar.show()
    bar.advance()
    bar.advance()
    bar.close()
    assert stream.getvalue() == (
        "\rresolving [" + "#" * 10 + "." * 20 + "] 1/3"
        "\rresolving [" + "#" * 20 + "." * 10 + "] 2/3"
        "\rresolving [" + "#" * 30 + "] 3/3\r\x1b[K"
    )
    quiet = io.StringIO()
    never = _Progress(1, quiet, shown=False)
    never.advance()
    never.show()  # too late: nothing left to show
    never.close()
    assert quiet.getvalue() == ""


def test_apply_keeps_findings_without_occurrence_and_unresolved() -> None:
    finding = Finding("f", 1, 1, "PIN900", Severity.ERROR, "broken", "")
    assert apply_resolutions([], [finding], {}, Config()) == [finding]
    res = Resolution("x")
    assert res.suggested_digest is None


def test_importing_resolve_is_cheap() -> None:
    code = (
        "import sys, pinlint.resolve; "
        "print(sorted(m for m in ('asyncio', 'httpx', 'platformdirs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_docker_hub_references_through_a_mirror(registry: Registry) -> None:
    repo = registry.new_repo("library/mirrored")
    index = registry.push_index(repo, ["latest", "2.1.0", "2.1"])
    name = repo.removeprefix("library/")
    cfg = Config(registry_mirrors={"docker.io": f"http://{registry.host}"})
    refs = {"r": reference.parse(f"{name}:latest")}
    [res] = asyncio.run(resolve_references(refs, cfg)).values()
    assert (res.error, res.digest, res.exact_tag) == (None, index.digest, "2.1.0")
    assert f"HEAD /v2/{repo}/manifests/latest" in registry.request_log()


def test_identity_token_is_exchanged_with_oauth2(
    token_registry: TokenRegistry, tmp_path: Path
) -> None:
    repo = token_registry.new_repo("oauth")
    token_registry.push_image(repo, "1.0.0")
    token_registry.tokens.clear()
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    entry = {"auth": base64.b64encode(b"tester:").decode(), "identitytoken": "refresh-secret"}
    (config_dir / "config.json").write_text(json.dumps({"auths": {token_registry.host: entry}}))
    refs = {"r": reference.parse(f"{token_registry.host}/{repo}:1.0.0")}
    [res] = asyncio.run(resolve_references(refs, Config())).values()
    assert res.error is None
    [request] = token_registry.token_requests()
    assert request.method == "POST"
    assert request.authorization is None  # the refresh token is never sent as Basic
    assert request.form is not None
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["scope"] == f"repository:{repo}:pull"
    assert request.form["service"] == token_registry.tokens.service


def test_table_form_of_exact_tags_is_exact_when_resolving(
    tmp_path: Path, registry: Registry
) -> None:
    # ``[exact-tags]`` as a table (repository glob = regex of its exact tags) counts in
    # --resolve as in the lint pass: the tag is kept and only its digest added, however
    # the registry tags the same image (no listing asked for, no sibling suggested).
    repo = registry.new_repo("mycorp/app")
    h = registry.host
    build = registry.push_index(repo, ["build-42", "1.4.2", "1.4", "latest"])
    registry.clear_log()
    cfg = Config(require_digest=True, exact_tag_schemes={f"{h}/mycorp/*": "build-[0-9]+"})
    got = [(f.rule, f.suggestion) for f in _resolve(tmp_path, [f"{h}/{repo}:build-42"], cfg)]
    assert got == [("PIN005", f"{h}/{repo}:build-42@{build.digest}")]
    assert f"GET /v2/{repo}/tags/list" not in registry.request_log()
    # Without the table, build-42 is a moving tag and 1.4.2 the version it stands for.
    got = [(f.rule, f.suggestion) for f in _resolve(tmp_path, [f"{h}/{repo}:build-42"])]
    assert got == [("PIN003", f"{h}/{repo}:1.4.2@{build.digest}")]
