"""Tests of the registry harness itself, against the real registry and skopeo."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_server import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    MANIFEST_ACCEPT,
    OCI_INDEX,
    OCI_MANIFEST,
    AuthRegistry,
    Registry,
    RegistryError,
    SkopeoDigest,
    TokenRegistry,
    require_module,
    require_tool,
    start_registry,
    upload_url,
)
from token_server import TokenServer, parse_challenge


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def scope_set(*scopes: str) -> set[tuple[str, frozenset[str]]]:
    # distribution writes a scope's actions in map order: "pull,push" or "push,pull".
    result = set()
    for scope in scopes:
        resource, _, actions = scope.rpartition(":")
        result.add((resource, frozenset(actions.split(","))))
    return result


# --- pushing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("oci", "media_type"), [(False, DOCKER_MANIFEST), (True, OCI_MANIFEST)])
def test_push_image(
    registry: Registry, skopeo_digest: SkopeoDigest, oci: bool, media_type: str
) -> None:
    repo = registry.new_repo("push-image")
    digest = registry.push_image(repo, "1.0.0", content="a", oci=oci)

    data, served_type = registry.manifest(repo, "1.0.0")
    assert served_type == media_type
    assert json.loads(data)["mediaType"] == media_type
    assert digest == sha256(data)
    assert skopeo_digest(f"{registry.host}/{repo}:1.0.0") == digest
    assert skopeo_digest(f"{registry.host}/{repo}@{digest}") == digest


def test_push_image_records_platform_in_config(registry: Registry) -> None:
    repo = registry.new_repo("platform")
    registry.push_image(repo, "arm", platform="linux/arm/v7")
    manifest = json.loads(registry.manifest_bytes(repo, "arm"))
    response = registry.client.get(f"/v2/{repo}/blobs/{manifest['config']['digest']}")
    assert response.status_code == 200
    config = response.json()
    assert (config["os"], config["architecture"], config["variant"]) == ("linux", "arm", "v7")


def test_push_image_without_tag_is_by_digest(registry: Registry) -> None:
    repo = registry.new_repo("untagged")
    digest = registry.push_image(repo, content="untagged")
    assert sha256(registry.manifest_bytes(repo, digest)) == digest
    tags = registry.client.get(f"/v2/{repo}/tags/list").json().get("tags")
    assert not tags


def test_push_image_digest_depends_on_content_only(registry: Registry) -> None:
    repo = registry.new_repo("content")
    first = registry.push_image(repo, "a", content="one")
    again = registry.push_image(repo, "b", content=b"one")
    other = registry.push_image(repo, "c", content="two")
    arm = registry.push_image(repo, "d", content="one", platform="linux/arm64")
    assert first == again
    assert len({first, other, arm}) == 3


def test_pushing_a_tag_again_moves_it(registry: Registry, skopeo_digest: SkopeoDigest) -> None:
    repo = registry.new_repo("moving")
    old = registry.push_image(repo, "latest", content="old")
    new = registry.push_image(repo, "latest", content="new")
    assert old != new
    assert skopeo_digest(f"{registry.host}/{repo}:latest") == new
    assert sha256(registry.manifest_bytes(repo, old)) == old  # still there by digest


@pytest.mark.parametrize(
    ("oci", "index_type", "child_type"),
    [(True, OCI_INDEX, OCI_MANIFEST), (False, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST)],
)
def test_push_index(
    registry: Registry, skopeo_digest: SkopeoDigest, oci: bool, index_type: str, child_type: str
) -> None:
    repo = registry.new_repo("index")
    platforms = ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")
    index = registry.push_index(repo, ["1.2.3", "1.2", "latest"], platforms=platforms, oci=oci)

    assert index.media_type == index_type
    assert list(index.manifests) == list(platforms)
    assert len(set(index.manifests.values())) == len(platforms)
    for tag in ("1.2.3", "1.2", "latest"):
        data, served_type = registry.manifest(repo, tag)
        assert served_type == index_type
        assert sha256(data) == index.digest
        assert skopeo_digest(f"{registry.host}/{repo}:{tag}") == index.digest
    body = json.loads(registry.manifest_bytes(repo, "latest"))
    entries = {
        "/".join(filter(None, (m["platform"]["os"], m["platform"]["architecture"],
                               m["platform"].get("variant")))): m
        for m in body["manifests"]
    }  # fmt: skip
    assert set(entries) == set(platforms)
    for platform, digest in index.manifests.items():
        assert entries[platform]["digest"] == digest
        assert entries[platform]["mediaType"] == child_type
        assert skopeo_digest(f"{registry.host}/{repo}@{digest}") == digest


def test_push_index_without_tags_is_by_digest(registry: Registry) -> None:
    repo = registry.new_repo("index-untagged")
    index = registry.push_index(repo, [])
    assert sha256(registry.manifest_bytes(repo, index.digest)) == index.digest


def test_push_index_rejects_a_single_string(registry: Registry) -> None:
    with pytest.raises(TypeError):
        registry.push_index(registry.new_repo("str"), "latest")


def test_tag_by_tag_and_by_digest(registry: Registry, skopeo_digest: SkopeoDigest) -> None:
    repo = registry.new_repo("tag")
    index = registry.push_index(repo, ["1.27.3"], oci=False)
    image = registry.push_image(repo, "single", content="single")

    assert registry.tag(repo, "1.27.3", "stable") == index.digest
    assert registry.tag(repo, image, "pinned") == image
    assert registry.manifest(repo, "stable") == registry.manifest(repo, "1.27.3")
    assert registry.manifest(repo, "stable")[1] == DOCKER_MANIFEST_LIST
    assert skopeo_digest(f"{registry.host}/{repo}:stable") == index.digest
    assert skopeo_digest(f"{registry.host}/{repo}:pinned") == image


def test_delete_manifest(registry: Registry) -> None:
    repo = registry.new_repo("delete")
    digest = registry.push_image(repo, "gone", content="gone")
    registry.delete_manifest(repo, digest)
    with pytest.raises(RegistryError, match="404"):
        registry.manifest_bytes(repo, digest)


def test_new_repo_names_are_unique_and_valid(registry: Registry) -> None:
    names = {registry.new_repo("Some Test[param-1]") for _ in range(3)}
    assert len(names) == 3
    for name in names:
        registry.push_image(name, "x")  # the registry accepts the name


# --- request log -----------------------------------------------------------------------


def test_request_log_sees_client_requests_not_seeding(registry: Registry) -> None:
    repo = registry.new_repo("log")
    registry.push_image(repo, "latest")
    with httpx.Client(base_url=registry.url) as client:
        client.head(f"/v2/{repo}/manifests/latest", headers={"Accept": MANIFEST_ACCEPT})
        client.get(f"/v2/{repo}/tags/list", params={"n": 10})
        client.head(f"/v2/{repo}/manifests/nope")

    assert registry.request_log() == [
        f"HEAD /v2/{repo}/manifests/latest",
        f"GET /v2/{repo}/tags/list?n=10",
        f"HEAD /v2/{repo}/manifests/nope",
    ]
    assert [r.status for r in registry.requests()] == [200, 200, 404]
    seeding = registry.request_log(include_harness=True)
    assert f"PUT /v2/{repo}/manifests/latest" in seeding
    assert any(line.startswith(f"POST /v2/{repo}/blobs/uploads/") for line in seeding)


def test_request_log_clear_and_mark(registry: Registry) -> None:
    repo = registry.new_repo("mark")
    with httpx.Client(base_url=registry.url) as client:
        client.head(f"/v2/{repo}/manifests/a")
        mark = registry.mark()
        client.head(f"/v2/{repo}/manifests/b")
        assert registry.request_log(since=mark) == [f"HEAD /v2/{repo}/manifests/b"]
        assert len(registry.request_log()) == 2
        registry.clear_log()
        assert registry.request_log() == []
        client.head(f"/v2/{repo}/manifests/c")
    assert registry.request_log() == [f"HEAD /v2/{repo}/manifests/c"]


def test_request_log_is_complete_right_after_responses(registry: Registry) -> None:
    # Every answered request is in the log when request_log() returns, even in bursts.
    repo = registry.new_repo("burst")
    registry.push_image(repo, "t", content="burst")
    with httpx.Client(base_url=registry.url) as client:
        for round_ in range(5):
            for _ in range(20):
                client.get(f"/v2/{repo}/manifests/t", headers={"Accept": MANIFEST_ACCEPT})
            assert len(registry.request_log()) == 20 * (round_ + 1)


def test_request_log_is_cleared_by_the_fixture(registry: Registry) -> None:
    # Other tests used the same registry before; the fixture shows none of it.
    assert registry.request_log(include_harness=True) == []


# --- htpasswd --------------------------------------------------------------------------


def test_auth_registry_basic_auth(auth_registry: AuthRegistry) -> None:
    repo = auth_registry.new_repo("basic")
    digest = auth_registry.push_image(repo, "1.0.0", content="basic")
    path = f"/v2/{repo}/manifests/1.0.0"
    headers = {"Accept": MANIFEST_ACCEPT}
    with httpx.Client(base_url=auth_registry.url) as client:
        anonymous = client.head(path, headers=headers)
        wrong = client.head(path, headers=headers, auth=(auth_registry.username, "wrong"))
        right = client.head(
            path, headers=headers, auth=(auth_registry.username, auth_registry.password)
        )
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == f'Basic realm="{auth_registry.realm}"'
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert right.headers["Docker-Content-Digest"] == digest
    assert [r.status for r in auth_registry.requests()] == [401, 401, 200]


def test_auth_registry_skopeo(auth_registry: AuthRegistry, skopeo_digest: SkopeoDigest) -> None:
    repo = auth_registry.new_repo("basic-skopeo")
    index = auth_registry.push_index(repo, ["latest"])
    creds = f"{auth_registry.username}:{auth_registry.password}"
    assert skopeo_digest(f"{auth_registry.host}/{repo}:latest", creds=creds) == index.digest
    with pytest.raises(RegistryError):
        skopeo_digest(f"{auth_registry.host}/{repo}:latest")
    with pytest.raises(RegistryError):
        skopeo_digest(f"{auth_registry.host}/{repo}:latest", creds=f"{auth_registry.username}:x")


# --- Bearer tokens ---------------------------------------------------------------------


def _token(client: httpx.Client, challenge: str, auth: tuple[str, str] | None = None) -> str:
    scheme, params = parse_challenge(challenge)
    assert scheme == "bearer"
    query: dict[str, str] = {k: params[k] for k in ("service", "scope") if k in params}
    response = client.get(params["realm"], params=query, auth=auth)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_token_flow_by_hand(token_registry: TokenRegistry) -> None:
    repo = token_registry.new_repo("bearer")
    digest = token_registry.push_image(repo, "1.0.0", content="bearer")
    token_registry.clear_log()
    path = f"{token_registry.url}/v2/{repo}/manifests/1.0.0"
    headers = {"Accept": MANIFEST_ACCEPT}

    with httpx.Client() as client:
        first = client.head(path, headers=headers)
        assert first.status_code == 401
        scheme, params = parse_challenge(first.headers["WWW-Authenticate"])
        assert (scheme, params) == (
            "bearer",
            {
                "realm": token_registry.realm,
                "service": token_registry.service,
                "scope": f"repository:{repo}:pull",
            },
        )
        token = _token(client, first.headers["WWW-Authenticate"])
        retry = client.head(path, headers={**headers, "Authorization": f"Bearer {token}"})

    assert retry.status_code == 200
    assert retry.headers["Docker-Content-Digest"] == digest
    [request] = token_registry.token_requests()
    assert request.service == token_registry.service
    assert request.scopes == (f"repository:{repo}:pull",)
    assert request.authorization is None
    assert request.granted == (f"repository:{repo}:pull",)
    assert token_registry.request_log() == [f"HEAD /v2/{repo}/manifests/1.0.0"] * 2
    assert [r.status for r in token_registry.requests()] == [401, 200]


def test_token_registry_checks_the_token(token_registry: TokenRegistry, tmp_path: Path) -> None:
    repo = token_registry.new_repo("checked")
    other = token_registry.new_repo("other")
    token_registry.push_image(repo, "1", content="checked")
    token_registry.push_image(other, "1", content="other")
    path = f"{token_registry.url}/v2/{repo}/manifests/1"

    with httpx.Client() as client:
        challenge = client.head(f"{token_registry.url}/v2/{other}/manifests/1")
        other_token = _token(client, challenge.headers["WWW-Authenticate"])
        wrong_repo = client.head(path, headers={"Authorization": f"Bearer {other_token}"})
        garbage = client.head(path, headers={"Authorization": "Bearer not-a-token"})
        basic = client.head(path, auth=(token_registry.username, token_registry.password))
        # Signed by a key the registry does not trust, with the right claims.
        with TokenServer(tmp_path, service=token_registry.service) as impostor:
            forged = impostor.issue("", [("repository", repo, ["pull"])])
        forged_response = client.head(path, headers={"Authorization": f"Bearer {forged}"})
        good = token_registry.tokens.issue("", [("repository", repo, ["pull"])])
        good_response = client.head(path, headers={"Authorization": f"Bearer {good}"})

    assert wrong_repo.status_code == 401
    assert 'error="insufficient_scope"' in wrong_repo.headers["WWW-Authenticate"]
    assert garbage.status_code == 401
    assert basic.status_code == 401
    assert forged_response.status_code == 401
    assert good_response.status_code == 200


@pytest.mark.parametrize(
    "forgery",
    [{"issuer": "someone-else"}, {"audience": "another-registry"}, {"expires_in": -3600}],
    ids=["issuer", "audience", "expired"],
)
def test_token_registry_checks_claims(
    token_registry: TokenRegistry, forgery: dict[str, Any]
) -> None:
    repo = token_registry.new_repo("claims")
    token_registry.push_image(repo, "1", content="claims")
    access = [("repository", repo, ["pull"])]
    path = f"{token_registry.url}/v2/{repo}/manifests/1"
    bad = token_registry.tokens.issue("", access, **forgery)
    good = token_registry.tokens.issue("", access)
    with httpx.Client() as client:
        rejected = client.head(path, headers={"Authorization": f"Bearer {bad}"})
        accepted = client.head(path, headers={"Authorization": f"Bearer {good}"})
    assert rejected.status_code == 401
    assert accepted.status_code == 200


def test_token_endpoint_credentials(token_registry: TokenRegistry) -> None:
    repo = token_registry.new_repo("push-scope")
    upload = f"{token_registry.url}/v2/{repo}/blobs/uploads/"
    creds = (token_registry.username, token_registry.password)
    with httpx.Client() as client:
        challenge = client.post(upload)
        assert challenge.status_code == 401
        www = challenge.headers["WWW-Authenticate"]
        assert scope_set(parse_challenge(www)[1]["scope"]) == scope_set(
            f"repository:{repo}:pull,push"
        )

        anonymous = _token(client, www)
        denied = client.post(upload, headers={"Authorization": f"Bearer {anonymous}"})
        authed = _token(client, www, auth=creds)
        allowed = client.post(upload, headers={"Authorization": f"Bearer {authed}"})
        realm = parse_challenge(www)[1]["realm"]
        wrong = client.get(realm, params={"scope": f"repository:{repo}:pull"}, auth=("x", "y"))

    assert denied.status_code == 401
    assert allowed.status_code == 202
    assert wrong.status_code == 401
    granted = [r.granted for r in token_registry.token_requests()]
    assert [scope_set(*g) for g in granted] == [
        scope_set(f"repository:{repo}:pull"),
        scope_set(f"repository:{repo}:pull,push"),
        set(),
    ]
    auths = [r.authorization for r in token_registry.token_requests()]
    assert auths[0] is None
    assert auths[1] is not None
    assert auths[1].startswith("Basic ")


def test_token_requests_leave_out_seeding(token_registry: TokenRegistry) -> None:
    repo = token_registry.new_repo("seeded")
    token_registry.push_image(repo, "1", content="seeded")
    assert token_registry.token_requests() == []
    seeding = token_registry.token_requests(include_harness=True)
    assert [scope_set(*r.scopes) for r in seeding] == [scope_set(f"repository:{repo}:pull,push")]
    token_registry.clear_log()
    assert token_registry.token_requests(include_harness=True) == []


def test_token_endpoint_oauth_post(token_registry: TokenRegistry) -> None:
    tokens = token_registry.tokens
    form = {
        "grant_type": "password",
        "service": tokens.service,
        "scope": "repository:a/b:pull,push",
        "client_id": "test-client",
        "username": token_registry.username,
    }
    with httpx.Client() as client:
        good = client.post(tokens.realm, data={**form, "password": token_registry.password})
        bad = client.post(tokens.realm, data={**form, "password": "wrong"})
    assert good.status_code == 200
    assert "access_token" in good.json()
    assert bad.status_code == 401
    first, second = token_registry.token_requests()
    assert first.method == "POST"
    assert first.granted == ("repository:a/b:pull,push",)
    assert first.form is not None
    assert "password" not in first.form
    assert first.form["client_id"] == "test-client"
    assert second.granted == ()


def test_token_endpoint_knobs(token_registry: TokenRegistry) -> None:
    tokens = token_registry.tokens
    with httpx.Client() as client:
        tokens.token_fields = ("access_token",)
        only_access = client.get(tokens.realm, params={"service": tokens.service}).json()
        tokens.fail_status = 503
        failing = client.get(tokens.realm, params={"service": tokens.service})
    assert "access_token" in only_access
    assert "token" not in only_access
    assert failing.status_code == 503


def test_token_registry_seeding_and_skopeo(
    token_registry: TokenRegistry, skopeo_digest: SkopeoDigest
) -> None:
    repo = token_registry.new_repo("token-skopeo")
    index = token_registry.push_index(repo, ["latest", "2"])
    assert token_registry.tag(repo, "latest", "3") == index.digest
    assert skopeo_digest(f"{token_registry.host}/{repo}:3") == index.digest  # anonymous pull
    skopeo_requests = token_registry.token_requests()
    assert [r.scopes for r in skopeo_requests] == [(f"repository:{repo}:pull",)]


# --- helpers and lifecycle -------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (
            "http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=s",
            "http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=s&digest=sha256:x",
        ),
        (
            "/v2/a/blobs/uploads/u?_state=s",
            "http://h:1/v2/a/blobs/uploads/u?_state=s&digest=sha256:x",
        ),
        ("/v2/a/blobs/uploads/u", "http://h:1/v2/a/blobs/uploads/u?digest=sha256:x"),
    ],
)
def test_upload_url(location: str, expected: str) -> None:
    assert upload_url("http://h:1/v2/a/blobs/uploads/", location, "sha256:x") == expected


def test_parse_challenge() -> None:
    header = 'Bearer realm="http://h/token",service="reg",scope="repository:a:pull,push"'
    assert parse_challenge(header) == (
        "bearer",
        {"realm": "http://h/token", "service": "reg", "scope": "repository:a:pull,push"},
    )
    assert parse_challenge('Basic realm="r"') == ("basic", {"realm": "r"})


@pytest.mark.parametrize("ci", ["true", None])
def test_missing_tool_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci == "true" else pytest.skip.Exception
    with pytest.raises(expected, match="no-such-registry-binary not found"):
        require_tool("no-such-registry-binary")
    with pytest.raises(expected, match="no_such_module_xyz"):
        require_module("no_such_module_xyz")


def test_present_tool_is_found() -> None:
    assert Path(require_tool("docker-registry")).name == "docker-registry"


def _port_open(host: str) -> bool:
    address, port = host.rsplit(":", 1)
    try:
        with socket.create_connection((address, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_close_stops_the_registry(tmp_path: Path) -> None:
    running = start_registry(tmp_path)
    assert running.process.poll() is None
    assert _port_open(running.host)
    running.close()
    running.close()  # idempotent
    assert running.process.poll() is not None
    assert not _port_open(running.host)


def test_registry_dies_with_a_killed_test_process(tmp_path: Path) -> None:
    # Teardown never runs after SIGKILL; the registry must not outlive its parent.
    require_tool("docker-registry")
    support_dir = Path(__file__).parent / "support"
    script = (
        "import sys, time; from pathlib import Path;"
        f"sys.path.insert(0, {str(support_dir)!r});"
        "from registry_server import start_registry;"
        f"r = start_registry(Path({str(tmp_path)!r}));"
        "print(r.host, r.process.pid, flush=True); time.sleep(60)"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert child.stdout is not None
        host, pid = child.stdout.readline().decode().split()
        assert _port_open(host)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert child.stdout is not None
        child.stdout.close()
    deadline = time.monotonic() + 5
    while _port_open(host) and time.monotonic() < deadline:
        time.sleep(0.02)
    leaked = _port_open(host)
    if leaked:
        os.kill(int(pid), signal.SIGKILL)  # clean up before failing
    assert not leaked
