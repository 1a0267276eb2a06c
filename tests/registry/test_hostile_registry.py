"""Hostile registries: servers on 127.0.0.1 that lie, steal, stall and flood.

Each test runs a small programmable server (``tests/support/hostile_server.py``) and
resolves references against it as ``pinlint --resolve`` does, then checks what the
victim would see: no credential reaching another host, bounded memory and time, one
"not resolved" line instead of a crash, nothing bad in the cache.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import json
import os
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import time_limit
from hostile_server import Reply, Request, Server, hostile
from pinlint import reference
from pinlint.config import Config
from pinlint.registry import transport
from pinlint.registry.client import RegistryClient
from pinlint.registry.types import Repository
from pinlint.resolution import Resolution
from pinlint.resolve import resolve_references

pytestmark = pytest.mark.usefixtures("isolated")

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "x", "digest": "sha256:" + "1" * 64, "size": 1},
        "layers": [],
    }
).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
OCI = "application/vnd.oci.image.manifest.v1+json"


def _manifest_reply(request: Request, digest: str = DIGEST) -> Reply:
    return Reply(
        200,
        {"Docker-Content-Digest": digest, "Content-Type": OCI},
        MANIFEST if request.method == "GET" else b"",
    )


def _resolve(images: list[str], cfg: Config | None = None) -> dict[str, Resolution]:
    refs = {image: reference.parse(image) for image in images}
    return asyncio.run(resolve_references(refs, cfg or Config(no_cache=True)))


def _docker_config(tmp_path: Path, auths: dict[str, dict[str, str]]) -> None:
    directory = Path(str(tmp_path / "docker-config"))
    directory.mkdir(exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"auths": auths}), encoding="utf-8")


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


# --- secrets ---------------------------------------------------------------------------


def test_token_is_not_handed_to_a_registry_that_names_another_realm(tmp_path: Path) -> None:
    """B's challenge names A's realm and service: B must not get the token minted with
    A's credentials (in the Action: the ghcr.io login made from GITHUB_TOKEN)."""
    secret_token = "TOKEN-FOR-A-" + "s" * 20
    holder: dict[str, Server] = {}

    def answer_a(request: Request) -> Reply:
        a = holder["a"]
        if request.path.startswith("/token"):
            good = request.headers.get("Authorization") == "Basic " + _basic("alice", "pw")
            return Reply(200, {}, json.dumps({"token": secret_token if good else "anon"}).encode())
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return _manifest_reply(request)
        challenge = f'Bearer realm="{a.url}/token",service="registry-a"'
        return Reply(401, {"WWW-Authenticate": challenge})

    def answer_b(request: Request) -> Reply:
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return _manifest_reply(request)
        challenge = f'Bearer realm="{holder["a"].url}/token",service="registry-a"'
        return Reply(401, {"WWW-Authenticate": challenge})

    with hostile(answer_a) as a, hostile(answer_b) as b:
        holder["a"] = a
        _docker_config(tmp_path, {a.host: {"auth": _basic("alice", "pw")}})
        results = _resolve([f"{a.host}/app:1.0", f"{b.host}/app:1.0"])
        assert results[f"{a.host}/app:1.0"].digest == DIGEST
        sent_to_b = [r.headers.get("Authorization", "") for r in b.requests]
        assert any(h.startswith("Bearer ") for h in sent_to_b), "B was asked with a token"
        assert all(secret_token not in h for h in sent_to_b), sent_to_b
        # A's token endpoint saw B's token request without A's password.
        token_requests = a.seen("GET", "/token")
        assert len(token_requests) == 2
        assert sum("Authorization" in r.headers for r in token_requests) == 1


def test_refresh_token_is_not_reposted_to_another_origin(tmp_path: Path) -> None:
    refresh = "REFRESH-" + "r" * 24
    holder: dict[str, Server] = {}

    def thief(request: Request) -> Reply:
        return Reply(200, {}, json.dumps({"token": "stolen"}).encode())

    def registry(request: Request) -> Reply:
        if request.path.startswith("/token"):
            # 307 repeats the method and the body at the new location.
            return Reply(307, {"Location": f"{holder['thief'].url}/collect"})
        challenge = f'Bearer realm="{holder["registry"].url}/token",service="r"'
        return Reply(401, {"WWW-Authenticate": challenge})

    with hostile(registry) as reg, hostile(thief) as steal:
        holder.update(registry=reg, thief=steal)
        _docker_config(tmp_path, {reg.host: {"auth": _basic("u", "x"), "identitytoken": refresh}})
        results = _resolve([f"{reg.host}/app:1.0"])
        assert results[f"{reg.host}/app:1.0"].error is not None
        assert all(refresh.encode() not in r.body for r in steal.requests)
        assert steal.seen("POST") == []
        assert any(refresh.encode() in r.body for r in reg.seen("POST", "/token"))


# --- memory and time ------------------------------------------------------------------


def _open_registry(handler: Callable[[Request], Reply | None]) -> Callable[[Request], Reply]:
    """An anonymous registry whose answers ``handler`` may override (None: default)."""

    def answer(request: Request) -> Reply:
        reply = handler(request)
        if reply is not None:
            return reply
        if request.path == "/v2/":
            return Reply(200, {}, b"{}")
        if "/manifests/" in request.path:
            return _manifest_reply(request)
        if request.path.endswith("/tags/list"):
            return Reply(200, {}, json.dumps({"tags": ["1.0", "1.0.3"]}).encode())
        return Reply(404)

    return answer


def _endless() -> Iterator[bytes]:
    chunk = b"[" + b" " * 65535
    while True:
        yield chunk


@pytest.mark.parametrize("where", ["ping", "manifest", "tags"])
def test_endless_body_is_abandoned(where: str) -> None:
    def handler(request: Request) -> Reply | None:
        if where == "ping" and request.path == "/v2/":
            return Reply(200, {}, _endless())
        if where == "manifest" and "/manifests/" in request.path:
            if request.method == "HEAD":
                return Reply(200, {"Content-Type": OCI})  # no digest: pinlint GETs
            return Reply(200, {"Content-Type": OCI}, _endless())
        if where == "tags" and request.path.endswith("/tags/list"):
            return Reply(200, {}, _endless())
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        started = time.monotonic()
        results = _resolve([image])
        assert time.monotonic() - started < 30
    result = results[image]
    if where == "tags":
        # The listing is abandoned, not the reference: it still gets its digest.
        assert result.digest == DIGEST
    else:
        assert result.error is not None
        assert "larger than" in str(result.error)


@pytest.mark.slow  # waits out a request deadline
def test_slow_drip_ends_by_the_request_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "REQUEST_DEADLINE", 2.0)

    def drip() -> Iterator[bytes]:
        while True:
            time.sleep(0.2)  # well inside the read timeout, for ever
            yield b" "

    def handler(request: Request) -> Reply | None:
        if "/manifests/" in request.path and request.method == "GET":
            return Reply(200, {"Content-Type": OCI}, drip())
        if "/manifests/" in request.path:
            return Reply(200, {"Content-Type": OCI})
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        started = time.monotonic()
        result = _resolve([image])[image]
        assert time.monotonic() - started < 20
    assert result.error is not None
    assert "no complete answer within 2 s" in str(result.error)


def test_retry_after_nan_does_not_sleep_for_ever() -> None:
    def handler(request: Request) -> Reply | None:
        if "/manifests/" in request.path:
            return Reply(429, {"Retry-After": "nan"})
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        result = _resolve([image])[image]
    assert result.error is not None
    assert "429" in str(result.error)


# --- malformed answers -----------------------------------------------------------------


def test_digest_that_is_not_one_is_neither_used_nor_cached(tmp_path: Path) -> None:
    bad = "sha256:../../etc/passwd\x1b[2J"

    def handler(request: Request) -> Reply | None:
        if "/manifests/" in request.path:
            return Reply(200, {"Docker-Content-Digest": bad, "Content-Type": OCI}, b"")
        return None

    cfg = Config()
    with hostile(_open_registry(handler)) as server:
        image = f"{server.host}/app:1.0"
        result = _resolve([image], cfg)[image]
    assert result.error is not None
    assert result.digest is None
    cache = tmp_path / "cache"
    cached = "".join(p.read_text(errors="replace") for p in cache.rglob("*") if p.is_file())
    assert "etc/passwd" not in cached
    # And --offline, from that cache, neither crashes nor answers.
    offline = _resolve([image], Config(offline=True))[image]
    assert offline.digest is None


@pytest.mark.parametrize("where", ["tags", "index", "token"])
def test_json_nesting_bomb(tmp_path: Path, where: str) -> None:
    bomb = b"[" * 200_000 + b"]" * 200_000
    holder: dict[str, Server] = {}

    platform = "sha256:" + "2" * 64

    def handler(request: Request) -> Reply | None:
        if where == "tags" and request.path.endswith("/tags/list"):
            return Reply(200, {}, b'{"tags": ' + bomb + b"}")
        if where == "index" and request.path.endswith(platform):
            return Reply(200, {"Docker-Content-Digest": platform, "Content-Type": OCI})
        if where == "index" and "/manifests/" in request.path:
            body = b'{"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": '
            body += bomb + b"}"
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            headers = {
                "Docker-Content-Digest": digest,
                "Content-Type": "application/vnd.oci.image.index.v1+json",
            }
            return Reply(200, headers, body if request.method == "GET" else b"")
        if where == "token":
            if request.path.startswith("/token"):
                return Reply(200, {}, bomb)
            if request.path == "/v2/" or "Authorization" not in request.headers:
                realm = f'Bearer realm="{holder["s"].url}/token",service="s"'
                return Reply(401, {"WWW-Authenticate": realm})
        return None

    with hostile(_open_registry(handler)) as server:
        holder["s"] = server
        # A pin to one platform's manifest makes pinlint read the index it is in.
        image = f"{server.host}/app:1.0"
        pinned = f"{server.host}/app:1.0@{platform}"
        results = _resolve([image, pinned] if where == "index" else [image])
    assert all(isinstance(r, Resolution) for r in results.values())
    if where == "index":
        assert "index" in str(results[pinned].error)
    if where == "tags":
        assert results[image].digest == DIGEST  # the listing is lost, not the reference
    elif where == "token":
        assert "token" in str(results[image].error)


def test_tag_names_from_a_listing_are_checked() -> None:
    evil = ["1.0.3\x1b[2J", "../../../etc", "1.0." + "9" * 200, "1.0.3 ::error::x"]

    def handler(request: Request) -> Reply | None:
        if request.path.endswith("/tags/list"):
            return Reply(200, {}, json.dumps({"tags": ["1.0", *evil]}).encode())
        return None

    async def listing(host: str) -> tuple[str, ...]:
        async with RegistryClient() as client:
            return (await client.tags(Repository(host, "app"))).tags

    with hostile(_open_registry(handler)) as server:
        assert asyncio.run(listing(server.host)) == ("1.0",)
        image = f"{server.host}/app:1.0"
        assert _resolve([image])[image].digest == DIGEST


def test_too_many_tags_abandon_the_listing_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from pinlint.registry import client

    monkeypatch.setattr(client, "MAX_TAGS", 1000)
    many = [f"0.0.{n}" for n in range(5000)]

    def handler(request: Request) -> Reply | None:
        if request.path.endswith("/tags/list"):
            return Reply(200, {}, json.dumps({"tags": ["1.0", *many]}).encode())
        return None

    with hostile(_open_registry(handler)) as server:
        image = f"{server.host}/app:1.0"
        result = _resolve([image])[image]
    assert result.digest == DIGEST


def test_unforeseen_answer_is_not_resolved_not_a_crash() -> None:
    # A Link header whose URL httpx cannot even parse: no check foresees every such.
    def handler(request: Request) -> Reply | None:
        if request.path.endswith("/tags/list"):
            headers = {"Link": '<http://[::1/x>; rel="next"'}
            return Reply(200, headers, json.dumps({"tags": ["1.0"]}).encode())
        return None

    with hostile(_open_registry(handler)) as server:
        image = f"{server.host}/app:1.0"
        pinned = f"{server.host}/app:1.0@sha256:" + "3" * 64
        results = _resolve([image, pinned])
    assert all(isinstance(r, Resolution) for r in results.values())


def test_mirror_of_one_tree_does_not_answer_for_another() -> None:
    """Two checkouts share the user's cache.  One tree's config names a mirror that
    lies; the other tree, which names an honest one, must not get the lie from the
    cache (nor --offline)."""
    evil_manifest = MANIFEST.replace(b'"layers": []', b'"layers": [], "x": 1')
    evil_digest = "sha256:" + hashlib.sha256(evil_manifest).hexdigest()

    def evil(request: Request) -> Reply | None:
        if "/manifests/" in request.path:
            body = evil_manifest if request.method == "GET" else b""
            return Reply(200, {"Docker-Content-Digest": evil_digest, "Content-Type": OCI}, body)
        return None

    image = "docker.io/library/app:1.0"
    with hostile(_open_registry(evil)) as liar, hostile(_open_registry(lambda r: None)) as honest:
        hostile_tree = Config(registry_mirrors={"docker.io": liar.url})
        assert _resolve([image], hostile_tree)[image].digest == evil_digest
        own_tree = Config(registry_mirrors={"docker.io": honest.url})
        assert _resolve([image], own_tree)[image].digest == DIGEST
        assert honest.seen("HEAD", "/v2/library/app/manifests/1.0")
        offline = Config(registry_mirrors={"docker.io": honest.url}, offline=True)
        assert _resolve([image], offline)[image].digest == DIGEST
    # Without a mirror, nothing a mirror said is an answer for docker.io itself.
    assert _resolve([image], Config(offline=True))[image].digest is None


@pytest.mark.slow  # waits out the run deadline
def test_run_deadline_holds_while_credential_helpers_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A credential helper that never answers (a keyring prompt nobody sees), asked for
    # three registries: each would be waited on for the helper timeout, one after another.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-stuck"
    helper.write_text("#!/bin/sh\nexec sleep 300\n", encoding="utf-8")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "docker-config").mkdir(exist_ok=True)
    (tmp_path / "docker-config/config.json").write_text('{"credsStore": "stuck"}')

    def basic_only(request: Request) -> Reply | None:
        if "Authorization" not in request.headers:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="r"'})
        return None

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(hostile(_open_registry(basic_only))) for _ in range(3)]
        refs = {f"{s.host}/app:1.0": reference.parse(f"{s.host}/app:1.0") for s in servers}
        started = time.monotonic()
        results = asyncio.run(resolve_references(refs, Config(no_cache=True), run_timeout=3.0))
        elapsed = time.monotonic() - started
    assert elapsed < 8, f"the run took {elapsed:.1f} s with a 3 s deadline"
    assert all(r.error is not None for r in results.values())


# --- compressed answers ----------------------------------------------------------------


def _compress(data: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # "deflate" as some servers send it
    return raw.compress(data) + raw.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate"])
def test_a_compressed_tag_list_is_read(encoding: str) -> None:
    listing = json.dumps({"name": "app", "tags": ["1.0", "1.0.7", "latest"]}).encode()
    wire = "deflate" if encoding == "raw deflate" else encoding

    def handler(request: Request) -> Reply | None:
        if request.path.endswith("/tags/list"):
            return Reply(200, {"Content-Encoding": wire}, _compress(listing, encoding))
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        results = _resolve([image])
        assert "gzip" in server.seen("GET", "/v2/app/tags/list")[0].headers["Accept-Encoding"]
    assert results[image].error is None
    assert results[image].exact_tag == "1.0.7"  # from the compressed listing


@pytest.mark.parametrize("where", ["manifest", "tags"])
def test_a_compression_bomb_stops_at_the_cap(where: str) -> None:
    # 64 MiB of zeros in ~64 KiB of gzip: the cap (4 MiB) counts the bytes it inflates
    # to, and the inflating itself stops there (zlib's max_length), so memory stays
    # bounded by the cap, not by the bomb.
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 128 * 1024

    def handler(request: Request) -> Reply | None:
        if where == "manifest" and "/manifests/" in request.path:
            if request.method == "HEAD":
                return Reply(200, {"Content-Type": OCI})  # no digest: pinlint GETs
            return Reply(200, {"Content-Type": OCI, "Content-Encoding": "gzip"}, bomb)
        if where == "tags" and request.path.endswith("/tags/list"):
            return Reply(200, {"Content-Encoding": "gzip"}, bomb)
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        tracemalloc.start()
        try:
            results = _resolve([image])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 24 * 1024 * 1024
    result = results[image]
    if where == "tags":
        assert result.digest == DIGEST  # the listing is abandoned, not the reference
    else:
        assert result.error is not None
        assert "larger than 4 MiB" in str(result.error)


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", b"not gzip at all"), ("br", b"\x8b\x02\x80"), ("gzip, gzip", b"x")],
)
def test_an_unreadable_or_unknown_encoding_is_one_line(encoding: str, body: bytes) -> None:
    def handler(request: Request) -> Reply | None:
        if "/manifests/" in request.path:
            if request.method == "HEAD":
                return Reply(200, {"Content-Type": OCI})  # no digest: pinlint GETs
            return Reply(200, {"Content-Type": OCI, "Content-Encoding": encoding}, body)
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        result = _resolve([image])[image]
    assert result.digest is None
    assert result.error is not None
    message = str(result.error)
    assert "\n" not in message
    assert server.host in message
    assert "encoding" in message or "compressed answer" in message


def test_an_encoding_on_an_answer_without_a_body_is_ignored() -> None:
    # A HEAD's answer repeats the GET's headers, Content-Encoding included, with nothing
    # to decode: even one pinlint cannot decode is no error there.
    def handler(request: Request) -> Reply | None:
        if "/manifests/" in request.path and request.method == "HEAD":
            headers = {"Docker-Content-Digest": DIGEST, "Content-Type": OCI}
            return Reply(200, {**headers, "Content-Encoding": "br"})
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        image = f"{server.host}/app:1.0"
        result = _resolve([image])[image]
        assert not server.seen("GET", "/v2/app/manifests/")  # the HEAD was enough
    assert result.error is None
    assert result.digest == DIGEST


def test_a_token_with_a_line_break_cannot_add_a_header() -> None:
    # The token endpoint is the registry's to name: a token carrying CR-LF would put a
    # header of its choosing into the next request if it were sent as is.
    holder: dict[str, Server] = {}

    def handler(request: Request) -> Reply | None:
        if request.path.startswith("/token"):
            return Reply(200, {}, json.dumps({"token": "abc\r\nX-Injected: yes"}).encode())
        if "Authorization" not in request.headers:
            realm = f'Bearer realm="{holder["s"].url}/token",service="s"'
            return Reply(401, {"WWW-Authenticate": realm})
        return None

    with hostile(_open_registry(handler)) as server, time_limit(60):
        holder["s"] = server
        image = f"{server.host}/app:1.0"
        result = _resolve([image])[image]
        assert not any("X-Injected" in r.headers for r in server.requests)
    assert result.digest is None
    assert result.error is not None
    assert "\n" not in str(result.error)
