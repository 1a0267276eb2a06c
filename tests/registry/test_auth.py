from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from pinlint.registry.auth import (
    Challenge,
    Credential,
    CredentialError,
    CredentialStore,
    TokenCache,
    basic_header,
    parse_challenges,
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(autouse=True)
def _no_user_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never read the real ~/.docker/config.json or podman's auth file in tests.
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker-config"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)


# --- challenges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
            'scope="repository:library/nginx:pull"',
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/nginx:pull",
                    },
                )
            ],
            id="docker-hub",
        ),
        pytest.param(
            'Basic realm="Registry Realm"',
            [Challenge("basic", {"realm": "Registry Realm"})],
            id="basic",
        ),
        pytest.param(
            'Bearer realm="https://a/token", scope="repository:x:pull,push", '
            'Basic realm="fallback"',
            [
                Challenge(
                    "bearer", {"realm": "https://a/token", "scope": "repository:x:pull,push"}
                ),
                Challenge("basic", {"realm": "fallback"}),
            ],
            id="two-challenges-one-header-comma-inside-quotes",
        ),
        pytest.param(
            r'Bearer realm="with \"escaped\" quotes\\",service=unquoted-token',
            [
                Challenge(
                    "bearer", {"realm": 'with "escaped" quotes\\', "service": "unquoted-token"}
                )
            ],
            id="escapes-and-token-values",
        ),
        pytest.param(
            "Negotiate abc123==, Bearer realm=r",
            [Challenge("negotiate", {}), Challenge("bearer", {"realm": "r"})],
            id="token68-then-another-challenge",
        ),
        pytest.param(
            "Basic, Bearer REALM=r",
            [Challenge("basic", {}), Challenge("bearer", {"realm": "r"})],
            id="case",
        ),
        pytest.param("", [], id="empty"),
    ],
)
def test_parse_challenges(header: str, expected: list[Challenge]) -> None:
    assert parse_challenges(header) == expected


def test_parse_challenges_several_header_values() -> None:
    got = parse_challenges(['Basic realm="a"', 'Bearer realm="b",service="s"'])
    assert [c.scheme for c in got] == ["basic", "bearer"]
    assert got[1].params == {"realm": "b", "service": "s"}


# --- credentials --------------------------------------------------------------------------


def test_credential_repr_hides_secrets() -> None:
    cred = Credential("alice", "hunter2-secret")
    token = Credential("", "", identity_token="refresh-secret")
    for text in (repr(cred), str(cred), repr(token), f"{token}", repr([cred])):
        assert "hunter2-secret" not in text
        assert "refresh-secret" not in text
    assert "alice" in repr(cred)


def test_basic_header() -> None:
    assert basic_header(Credential("u", "p:w")) == "Basic " + _b64("u:p:w")


def _write_config(directory: Path, data: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(data))
    return path


def test_docker_config_auths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_config(
        tmp_path / "docker",
        {
            "auths": {
                "registry.example.com": {"auth": _b64("bob:pa:ss")},
                "https://ghcr.io/v2/": {"auth": _b64("carol:tok")},
                "https://index.docker.io/v1/": {"auth": _b64("hubuser:hubpass")},
                "id.example.com": {"auth": _b64("x:"), "identitytoken": "refresh-me"},
            }
        },
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    store = CredentialStore()
    assert store.lookup("registry.example.com") == Credential("bob", "pa:ss")
    assert store.lookup("ghcr.io") == Credential("carol", "tok")
    # Docker Hub is looked up under any of its names.
    assert store.lookup("docker.io") == Credential("hubuser", "hubpass")
    assert store.lookup("registry-1.docker.io") == Credential("hubuser", "hubpass")
    got = store.lookup("id.example.com")
    assert got is not None
    assert got.identity_token == "refresh-me"
    assert store.lookup("other.example.com") is None


def test_registry_auth_file_comes_first_and_namespaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    podman = tmp_path / "auth.json"
    podman.write_text(
        json.dumps(
            {
                "auths": {
                    "quay.io": {"auth": _b64("generic:one")},
                    "quay.io/team": {"auth": _b64("team:two")},
                }
            }
        )
    )
    _write_config(tmp_path / "docker", {"auths": {"quay.io": {"auth": _b64("docker:three")}}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(podman))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    store = CredentialStore()
    assert store.lookup("quay.io", "team/app") == Credential("team", "two")
    assert store.lookup("quay.io", "teamster/app") == Credential("generic", "one")
    assert store.lookup("quay.io") == Credential("generic", "one")


def test_home_docker_config_when_no_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    _write_config(tmp_path / ".docker", {"auths": {"r.example": {"auth": _b64("h:p")}}})
    assert CredentialStore().lookup("r.example") == Credential("h", "p")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="broken-json"),
        pytest.param("[]", id="not-an-object"),
        pytest.param('{"auths": {"r.example": {"auth": "%%%not-base64"}}}', id="bad-base64"),
        pytest.param('{"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}}', id="no-colon"),
    ],
)
def test_broken_auth_files_mean_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "config.json").write_text(content)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    assert CredentialStore().lookup("r.example") is None


def _helper(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / f"docker-credential-{name}"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_credential_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    log = tmp_path / "asked"
    # A helper speaks the docker-credential protocol: server URL on stdin, JSON out.
    _helper(
        bin_dir,
        "fake",
        f'read server; echo "$1 $server" >> {log}\n'
        'if [ "$server" = "helped.example.com" ]; then\n'
        '  echo \'{"ServerURL":"helped.example.com","Username":"hu","Secret":"hs"}\'\n'
        'elif [ "$server" = "https://index.docker.io/v1/" ]; then\n'
        '  echo \'{"ServerURL":"x","Username":"<token>","Secret":"idtok"}\'\n'
        "else\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _write_config(
        tmp_path / "docker",
        {
            "credHelpers": {"helped.example.com": "fake"},
            "credsStore": "fake",
            "auths": {"stored.example.com": {"auth": _b64("s:t")}},
        },
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    store = CredentialStore()
    assert store.lookup("helped.example.com") == Credential("hu", "hs")
    hub = store.lookup("docker.io")
    assert hub is not None
    assert hub.identity_token == "idtok"
    # The store has nothing: the plain auths entry still counts.
    assert store.lookup("stored.example.com") == Credential("s", "t")
    assert store.lookup("nothing.example.com") is None
    # Asked once per host, even when asked again.
    store.lookup("helped.example.com")
    asked = log.read_text().splitlines()
    assert asked.count("get helped.example.com") == 1
    assert "get https://index.docker.io/v1/" in asked


def test_missing_helper_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_config(tmp_path / "docker", {"credsStore": "does-not-exist-anywhere"})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    with pytest.raises(
        CredentialError, match="docker-credential-does-not-exist-anywhere not found"
    ):
        CredentialStore().lookup("r.example")


# --- tokens -------------------------------------------------------------------------------


def test_token_cache_reuses_until_expiry() -> None:
    now = [1000.0]
    cache = TokenCache(clock=lambda: now[0])
    key = ("https://auth/token", "svc", "repository:a:pull")
    assert cache.get(key) is None
    cache.put(key, "tok", 300)
    now[0] += 290
    assert cache.get(key) == "tok"
    assert cache.get((key[0], key[1], "repository:b:pull")) is None
    now[0] += 10  # within the safety margin before expiry: fetch a new one
    assert cache.get(key) is None


def test_token_cache_default_lifetime() -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.put(("r", "s", "x"), "tok", None)
    now[0] = TokenCache.DEFAULT_EXPIRES_IN - TokenCache.MARGIN - 1
    assert cache.get(("r", "s", "x")) == "tok"
    now[0] = TokenCache.DEFAULT_EXPIRES_IN
    assert cache.get(("r", "s", "x")) is None


def test_helper_asked_once_per_host_across_repositories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "asked"
    _helper(
        tmp_path / "bin",
        "count",
        f'read server; echo "$server" >> {log}\n'
        'echo \'{"ServerURL":"h","Username":"u","Secret":"s"}\'\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    _write_config(tmp_path / "docker", {"credHelpers": {"h.example": "count"}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    store = CredentialStore()
    for repo in ("a", "b/c", "d"):
        assert store.lookup("h.example", repo) == Credential("u", "s")
    assert log.read_text().splitlines() == ["h.example"]
