"""The registry client against a real distribution registry, and small real HTTP servers
for what a registry does not do on demand (5xx, redirects, a dropped digest header).

``httpx.MockTransport`` appears only where the issue allows it, and each such test says
so: 429 with ``Retry-After``, ``Link`` pagination, and the Docker Hub tags API.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from pinlint.registry import (
    DigestMismatch,
    InsecureRegistry,
    NotFound,
    NotInCache,
    RateLimited,
    RegistryError,
    ServerError,
    Unauthorized,
    Unreachable,
)
from pinlint.registry.cache import Cache
from pinlint.registry.client import (
    INDEX_MEDIA_TYPES,
    RegistryClient,
    Repository,
    compute_digest,
    plain_http_allowed,
)
from registry_server import AuthRegistry, Registry, SkopeoDigest, TokenRegistry

_T = TypeVar("_T")


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coro)


pytestmark = pytest.mark.usefixtures("isolated")


def _docker_config(tmp_path: Path, host: str, username: str, password: str) -> None:
    directory = tmp_path / "docker-config"
    directory.mkdir(exist_ok=True)
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    (directory / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))


async def _info(client: RegistryClient, host: str, repo: str, ref: str) -> tuple[str, str | None]:
    info = await client.manifest_info(Repository(host, repo), ref)
    return info.digest, info.media_type


# --- a real registry ----------------------------------------------------------------------


def test_digests_equal_what_skopeo_hashes(registry: Registry, skopeo_digest: SkopeoDigest) -> None:
    repo = registry.new_repo("digests")
    oci_index = registry.push_index(repo, ["latest", "1.2.3"], content="a")
    docker_list = registry.push_index(repo, ["list"], content="b", oci=False)
    docker_image = registry.push_image(repo, "single", content="c")
    oci_image = registry.push_image(repo, "single-oci", content="d", oci=True)

    async def go() -> dict[str, tuple[str, str | None]]:
        async with RegistryClient() as client:
            tags = ("latest", "1.2.3", "list", "single", "single-oci")
            got = await asyncio.gather(*(_info(client, registry.host, repo, t) for t in tags))
            return dict(zip(tags, got, strict=True))

    got = run(go())
    assert got["latest"][0] == got["1.2.3"][0] == oci_index.digest
    assert got["list"][0] == docker_list.digest
    assert got["single"][0] == docker_image
    assert got["single-oci"][0] == oci_image
    for tag, (digest, _) in got.items():
        assert digest == skopeo_digest(f"{registry.host}/{repo}:{tag}")
    # The index types were accepted: the tag's digest is the index, not one platform.
    assert got["latest"][1] in INDEX_MEDIA_TYPES
    assert got["list"][1] in INDEX_MEDIA_TYPES
    assert got["single"][1] not in INDEX_MEDIA_TYPES


def test_head_only_one_request_per_tag(registry: Registry) -> None:
    repo = registry.new_repo("head")
    registry.push_index(repo, ["latest"])
    registry.clear_log()

    async def go() -> None:
        async with RegistryClient() as client:
            await asyncio.gather(*(_info(client, registry.host, repo, "latest") for _ in range(5)))

    run(go())
    assert registry.request_log() == ["GET /v2/", f"HEAD /v2/{repo}/manifests/latest"]


def test_tags_and_platforms(registry: Registry) -> None:
    repo = registry.new_repo("tags")
    index = registry.push_index(
        repo, ["1.0.0", "1.0", "latest"], platforms=("linux/amd64", "linux/arm64/v8")
    )
    registry.push_image(repo, "old", content="x")

    async def go() -> tuple[tuple[str, ...], set[tuple[str, str]]]:
        async with RegistryClient() as client:
            r = Repository(registry.host, repo)
            listing = await client.tags(r)
            platforms = await client.platforms(r, index.digest)
            return listing.tags, {(p.platform, p.digest) for p in platforms}

    tags, platforms = run(go())
    assert sorted(tags) == ["1.0", "1.0.0", "latest", "old"]
    assert platforms == {(k, v) for k, v in index.manifests.items()}


@pytest.mark.parametrize(
    ("what", "reference"),
    [("repository", "latest"), ("tag", "9.9.9"), ("digest", "sha256:" + "0" * 64)],
)
def test_not_found(registry: Registry, what: str, reference: str) -> None:
    repo = registry.new_repo("nf")
    registry.push_image(repo, "1.0.0")
    name = repo if what != "repository" else repo + "-missing"

    async def go() -> None:
        async with RegistryClient() as client:
            if what == "repository":
                await client.tags(Repository(registry.host, name))
            await client.manifest_info(Repository(registry.host, name), reference)

    with pytest.raises(NotFound) as info:
        run(go())
    assert info.value.what == what
    assert str(info.value).startswith(f"{registry.host}: ")


def test_warm_cache_sends_nothing_and_offline_opens_no_socket(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = registry.new_repo("cached")
    index = registry.push_index(repo, ["latest", "2.0.0"])
    cache_dir = tmp_path / "c"

    async def go(offline: bool) -> tuple[str, tuple[str, ...], int]:
        cache = Cache(cache_dir)
        async with RegistryClient(cache=cache, offline=offline) as client:
            r = Repository(registry.host, repo)
            digest = (await client.manifest_info(r, "latest")).digest
            tags = (await client.tags(r)).tags
            await client.manifest_info(r, index.digest)
            sent = client.requests_sent
        cache.save()
        return digest, tags, sent

    assert run(go(False))[0] == index.digest
    registry.clear_log()
    digest, tags, sent = run(go(False))
    assert (digest, sorted(tags), sent) == (index.digest, ["2.0.0", "latest"], 0)
    assert registry.request_log() == []

    def no_socket(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    # The event loop's own socketpair is fine; connecting anywhere or resolving is not.
    monkeypatch.setattr(socket.socket, "connect", no_socket)
    monkeypatch.setattr(socket.socket, "connect_ex", no_socket)
    monkeypatch.setattr(socket, "getaddrinfo", no_socket)
    digest, tags, sent = run(go(True))
    assert (digest, sorted(tags), sent) == (index.digest, ["2.0.0", "latest"], 0)

    async def miss() -> None:
        async with RegistryClient(cache=Cache(cache_dir), offline=True) as client:
            await client.manifest_info(Repository(registry.host, repo), "not-cached")

    with pytest.raises(NotInCache, match=r"not in the cache \(--offline\)"):
        run(miss())


def test_offline_docker_hub_tag_listing_is_not_in_cache(tmp_path: Path) -> None:
    """Docker Hub's tags API has its own host: --offline must stop it too, with the
    same error as any other request, never by an internal error."""

    async def miss() -> None:
        async with RegistryClient(cache=Cache(tmp_path / "c"), offline=True) as client:
            await client.tags(Repository("docker.io", "library/nginx"))

    with pytest.raises(NotInCache, match=r"not in the cache \(--offline\)"):
        run(miss())


def test_basic_auth_from_docker_config(
    auth_registry: AuthRegistry, tmp_path: Path, skopeo_digest: SkopeoDigest
) -> None:
    repo = auth_registry.new_repo("basic")
    index = auth_registry.push_index(repo, ["latest"])
    _docker_config(tmp_path, auth_registry.host, auth_registry.username, auth_registry.password)

    async def go() -> str:
        async with RegistryClient() as client:
            return (
                await client.manifest_info(Repository(auth_registry.host, repo), "latest")
            ).digest

    assert run(go()) == index.digest
    creds = f"{auth_registry.username}:{auth_registry.password}"
    assert index.digest == skopeo_digest(f"{auth_registry.host}/{repo}:latest", creds=creds)


def test_basic_auth_wrong_password_is_clear_and_secret_free(
    auth_registry: AuthRegistry, tmp_path: Path
) -> None:
    repo = auth_registry.new_repo("wrong")
    auth_registry.push_image(repo, "latest")
    wrong = "not-the-password-" + auth_registry.password[::-1]
    _docker_config(tmp_path, auth_registry.host, auth_registry.username, wrong)
    cache_dir = tmp_path / "c"

    async def go() -> None:
        cache = Cache(cache_dir)
        try:
            async with RegistryClient(cache=cache) as client:
                await client.manifest_info(Repository(auth_registry.host, repo), "latest")
        finally:
            cache.save()

    with pytest.raises(Unauthorized) as info:
        run(go())
    message = str(info.value)
    assert message == (
        f"{auth_registry.host}: 401 unauthorized; run docker login {auth_registry.host}"
    )
    assert wrong not in repr(info.value.args)
    assert not cache_dir.exists() or wrong not in "".join(
        p.read_text() for p in cache_dir.iterdir()
    )


def test_anonymous_on_basic_registry_says_login(auth_registry: AuthRegistry) -> None:
    repo = auth_registry.new_repo("anon")
    auth_registry.push_image(repo, "latest")

    async def go() -> None:
        async with RegistryClient() as client:
            await client.manifest_info(Repository(auth_registry.host, repo), "latest")

    with pytest.raises(Unauthorized, match="run docker login"):
        run(go())


def test_bearer_flow_token_reused_per_scope(token_registry: TokenRegistry) -> None:
    repo = token_registry.new_repo("bearer")
    other = token_registry.new_repo("bearer-other")
    index = token_registry.push_index(repo, ["latest", "1.0.0"])
    token_registry.push_image(other, "latest")
    token_registry.tokens.clear()

    async def go() -> str:
        async with RegistryClient() as client:
            r = Repository(token_registry.host, repo)
            first = await asyncio.gather(
                client.manifest_info(r, "latest"),
                client.tags(r),
                client.manifest_info(r, "1.0.0"),
                client.manifest_info(Repository(token_registry.host, other), "latest"),
            )
            return first[0].digest

    assert run(go()) == index.digest
    requests = token_registry.token_requests()
    scopes = sorted(s for req in requests for s in req.scopes)
    # One token per repository scope, shared by every request for it.
    assert scopes == sorted([f"repository:{repo}:pull", f"repository:{other}:pull"])
    assert all(req.service == token_registry.tokens.service for req in requests)
    assert all(req.authorization is None for req in requests)  # anonymous pull


def test_bearer_with_credentials_and_wrong_password(
    token_registry: TokenRegistry, tmp_path: Path
) -> None:
    repo = token_registry.new_repo("bearer-cred")
    token_registry.push_image(repo, "latest")
    token_registry.tokens.anonymous_actions = frozenset()  # a private repository
    wrong = "wrong-" + token_registry.password

    async def go() -> str:
        async with RegistryClient() as client:
            return (
                await client.manifest_info(Repository(token_registry.host, repo), "latest")
            ).digest

    _docker_config(tmp_path, token_registry.host, token_registry.username, token_registry.password)
    assert run(go()).startswith("sha256:")
    assert any(
        r.authorization and r.authorization.startswith("Basic ")
        for r in token_registry.token_requests()
    )

    _docker_config(tmp_path, token_registry.host, token_registry.username, wrong)
    with pytest.raises(Unauthorized) as info:
        run(go())
    assert str(info.value) == (
        f"{token_registry.host}: 401 unauthorized; run docker login {token_registry.host}"
    )
    assert wrong not in str(info.value)


# --- small real servers -------------------------------------------------------------------

Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class Server:
    """An HTTP server on 127.0.0.1 answering with ``handler``; records every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer._lock:
                    outer.requests.append((self.command, self.path, headers))
                    outer.active += 1
                    outer.max_active = max(outer.max_active, outer.active)
                try:
                    status, out_headers, out = outer.handler(self.command, self.path, headers, body)
                finally:
                    with outer._lock:
                        outer.active -= 1
                self.send_response(status)
                for k, v in out_headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in out_headers:
                    self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_HEAD = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Server]]:
    servers: list[Server] = []

    def start(handler: Handler) -> Server:
        server = Server(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'
MANIFEST_DIGEST = compute_digest(MANIFEST)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def test_missing_digest_header_means_get_and_hash(serve: Callable[[Handler], Server]) -> None:
    def handler(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/v2/":
            return 200, {}, b"{}"
        # No Docker-Content-Digest: some proxies drop it.
        return 200, {"Content-Type": OCI_MANIFEST}, MANIFEST

    server = serve(handler)

    async def go() -> tuple[str, str | None]:
        async with RegistryClient(backoff=0.01) as client:
            return await _info(client, server.host, "a", "latest")

    assert run(go()) == (MANIFEST_DIGEST, OCI_MANIFEST)
    assert [(m, p) for m, p, _ in server.requests] == [
        ("GET", "/v2/"),
        ("HEAD", "/v2/a/manifests/latest"),
        ("GET", "/v2/a/manifests/latest"),
    ]
    # All four manifest types, on both requests.
    for _, _, headers in server.requests[1:]:
        accept = {a.strip() for a in headers["accept"].split(",")}
        assert accept == {
            "application/vnd.oci.image.index.v1+json",
            OCI_MANIFEST,
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        }


@pytest.mark.parametrize("claim", ["header", "reference"])
def test_get_body_must_match_its_digest(serve: Callable[[Handler], Server], claim: str) -> None:
    tampered = MANIFEST.replace(b"2", b"3")

    def handler(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/v2/":
            return 200, {}, b"{}"
        extra = {"Docker-Content-Digest": MANIFEST_DIGEST} if claim == "header" else {}
        return 200, {"Content-Type": OCI_MANIFEST, **extra}, tampered

    server = serve(handler)

    async def go() -> None:
        async with RegistryClient() as client:
            ref = "latest" if claim == "header" else MANIFEST_DIGEST
            await client.manifest(Repository(server.host, "a"), ref)

    with pytest.raises(DigestMismatch):
        run(go())


def test_5xx_retried_then_succeeds_and_gives_up_after_three(
    serve: Callable[[Handler], Server],
) -> None:
    failures = {"flaky": 2, "broken": 100}

    def handler(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/v2/":
            return 200, {}, b"{}"
        name = path.split("/")[2]
        if failures[name] > 0:
            failures[name] -= 1
            return 503, {}, b"busy"
        return 200, {"Docker-Content-Digest": MANIFEST_DIGEST}, b""

    server = serve(handler)

    async def go(name: str) -> str:
        async with RegistryClient(backoff=0.01) as client:
            return (await client.manifest_info(Repository(server.host, name), "x")).digest

    assert run(go("flaky")) == MANIFEST_DIGEST
    with pytest.raises(ServerError, match="503 server error"):
        run(go("broken"))
    heads = [p for m, p, _ in server.requests if m == "HEAD"]
    assert heads.count("/v2/flaky/manifests/x") == 3
    assert heads.count("/v2/broken/manifests/x") == 3


def test_connection_refused_is_retried_then_the_host_fails_fast() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there

    async def go() -> tuple[list[BaseException | tuple[str, str | None]], int]:
        async with RegistryClient(backoff=0.01) as client:
            got = await asyncio.gather(
                *(_info(client, f"127.0.0.1:{port}", f"r{i}", "latest") for i in range(5)),
                return_exceptions=True,
            )
            return got, client.requests_sent

    got, sent = run(go())
    assert all(isinstance(e, Unreachable) for e in got)
    assert str(got[0]) == f"127.0.0.1:{port}: cannot connect"
    # The ping tried three times (https on the same port is refused all the same); the
    # five references then failed without another request.
    assert sent == 3


def test_dns_failure_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # anyio passes IDNA bytes
        if name == "registry.invalid":
            calls.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    # The resolver is the only fake here: httpx, httpcore and the retry logic are real.
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    async def go() -> list[BaseException | tuple[str, str | None]]:
        async with RegistryClient(backoff=1.0) as client:
            return await asyncio.gather(
                *(_info(client, "registry.invalid", f"r{i}", "latest") for i in range(10)),
                return_exceptions=True,
            )

    started = time.monotonic()
    got = run(go())
    assert time.monotonic() - started < 0.5  # no backoff sleeps
    assert all(isinstance(e, Unreachable) for e in got)
    assert str(got[0]) == "registry.invalid: cannot resolve the host name"
    assert calls == ["registry.invalid"]


def test_authorization_not_forwarded_to_another_host_on_redirect(
    serve: Callable[[Handler], Server], tmp_path: Path
) -> None:
    def cdn(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": OCI_MANIFEST}, MANIFEST

    other = serve(cdn)

    def origin(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if "authorization" not in headers:
            return 401, {"WWW-Authenticate": 'Basic realm="r"'}, b""
        if path == "/v2/":
            return 200, {}, b"{}"
        return 307, {"Location": f"http://{other.host}/blob{path}"}, b""

    server = serve(origin)
    _docker_config(tmp_path, server.host, "user", "redirect-secret")

    async def go() -> tuple[str, str | None]:
        async with RegistryClient() as client:
            return await _info(client, server.host, "a", "latest")

    assert run(go()) == (MANIFEST_DIGEST, OCI_MANIFEST)
    assert all("authorization" in h for m, p, h in server.requests if p != "/v2/" or m != "GET")
    assert other.requests
    assert all("authorization" not in h for _, _, h in other.requests)


def test_per_registry_concurrency_limit(serve: Callable[[Handler], Server]) -> None:
    def handler(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path != "/v2/":
            time.sleep(0.05)
        return 200, {"Docker-Content-Digest": MANIFEST_DIGEST}, b""

    server = serve(handler)

    async def go() -> None:
        async with RegistryClient(concurrency=3) as client:
            await asyncio.gather(*(_info(client, server.host, f"r{i}", "t") for i in range(12)))

    run(go())
    assert server.max_active == 3  # concurrent, but never more than the limit


# --- MockTransport: what distribution cannot be made to do ----------------------------------


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every ``asyncio.sleep`` of the test, recorded and not waited for."""
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    return delays


def test_429_honours_retry_after_capped(slept: list[float]) -> None:
    # MockTransport: distribution never answers 429.
    answers = {"a": ["2", "600"], "b": ["1", "1", "1"]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/":
            return httpx.Response(200)
        queue = answers[request.url.path.split("/")[2]]
        if queue:
            return httpx.Response(429, headers={"Retry-After": queue.pop(0)})
        return httpx.Response(200, headers={"Docker-Content-Digest": MANIFEST_DIGEST})

    async def go(name: str) -> str:
        async with RegistryClient(
            transport=httpx.MockTransport(handler), retry_after_cap=5.0
        ) as client:
            return (await client.manifest_info(Repository("r.example", name), "t")).digest

    assert run(go("a")) == MANIFEST_DIGEST
    assert slept == [2.0, 5.0]  # Retry-After, then the cap instead of ten minutes
    slept.clear()
    with pytest.raises(RateLimited, match=r"r\.example: 429 too many requests"):
        run(go("b"))
    assert slept == [1.0, 1.0]  # three tries, two waits


def test_429_with_a_retry_after_date_waits_until_then(slept: list[float]) -> None:
    # MockTransport: distribution never answers 429.  RFC 9110 allows an HTTP date as well
    # as seconds; a date that has passed means now.
    soon = email.utils.formatdate(time.time() + 3, usegmt=True)
    answers = ["Mon, 01 Jan 2024 00:00:00 GMT", soon]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/":
            return httpx.Response(200)
        if answers:
            return httpx.Response(429, headers={"Retry-After": answers.pop(0)})
        return httpx.Response(200, headers={"Docker-Content-Digest": MANIFEST_DIGEST})

    async def go() -> str:
        async with RegistryClient(
            transport=httpx.MockTransport(handler), retry_after_cap=5.0
        ) as client:
            return (await client.manifest_info(Repository("r.example", "a"), "t")).digest

    assert run(go()) == MANIFEST_DIGEST
    assert slept[0] == 0.0  # the date has passed
    assert 1.0 < slept[1] <= 3.0  # the date, to the second, less the time spent since


def test_tag_list_follows_link_pagination() -> None:
    # MockTransport: distribution 2.8 returns every tag at once unless asked for `n`.
    pages = {
        "/v2/a/tags/list": (["1", "2"], '</v2/a/tags/list?last=2&n=2>; rel="next"'),
        "/v2/a/tags/list?last=2&n=2": (
            ["3", "4"],
            '<https://r.example/v2/a/tags/list?last=4&n=2>; rel="next", <x>; rel="prev"',
        ),
        "/v2/a/tags/list?last=4&n=2": (["5"], None),
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/":
            return httpx.Response(200)
        target = request.url.raw_path.decode()
        seen.append(target)
        tags, link = pages[target]
        headers = {"Link": link} if link else {}
        return httpx.Response(200, json={"name": "a", "tags": tags}, headers=headers)

    async def go() -> tuple[str, ...]:
        async with RegistryClient(transport=httpx.MockTransport(handler)) as client:
            return (await client.tags(Repository("r.example", "a"))).tags

    assert run(go()) == ("1", "2", "3", "4", "5")
    assert seen == list(pages)


def test_docker_hub_tags_api_gives_digests() -> None:
    # MockTransport: the Docker Hub tags API shape (tests never reach Docker Hub).
    digest = {n: "sha256:" + str(n) * 64 for n in range(3)}
    results = [
        {"name": f"t{i}", "digest": digest[i % 3], "images": [{"architecture": "amd64"}]}
        for i in range(250)
    ]
    results.append({"name": "legacy", "images": []})  # no top-level digest
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        assert request.url.host == "hub.docker.com"
        assert request.url.path == "/v2/repositories/library/nginx/tags"
        page = int(request.url.params["page"])
        size = int(request.url.params["page_size"])
        chunk = results[(page - 1) * size : page * size]
        nxt = None if page * size >= len(results) else f"https://hub.docker.com/...&page={page + 1}"
        return httpx.Response(200, json={"count": len(results), "next": nxt, "results": chunk})

    async def go() -> Any:
        async with RegistryClient(transport=httpx.MockTransport(handler)) as client:
            return await client.tags(Repository("docker.io", "library/nginx"))

    listing = run(go())
    assert len(listing.tags) == 251
    assert listing.digests["t4"] == digest[1]
    assert "legacy" in listing.tags
    assert "legacy" not in listing.digests
    assert sorted(int(u.params["page"]) for u in seen) == [1, 2, 3]
    assert {u.params["page_size"] for u in seen} == {"100"}


# --- rules without the network ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "insecure", "allowed"),
    [
        ("localhost:5000", [], True),
        ("localhost", [], True),
        ("127.0.0.1:5000", [], True),
        ("127.8.9.10", [], True),
        ("[::1]:5000", [], True),
        ("registry.example.com", [], False),
        ("10.0.0.5:5000", [], False),
        ("registry.example.com", ["registry.example.com"], True),
        ("registry.example.com:5000", ["registry.example.com:5000"], True),
        ("registry.example.com:5000", ["registry.example.com:6000"], False),
        ("10.0.0.5:5000", ["10.0.0.0/8"], True),
        ("11.0.0.5:5000", ["10.0.0.0/8"], False),
        ("mylocalhost.example", [], False),
    ],
)
def test_plain_http_allowed(host: str, insecure: list[str], allowed: bool) -> None:
    assert plain_http_allowed(host, insecure) is allowed


def test_plain_http_mirror_refused_unless_insecure() -> None:
    async def go(insecure: list[str]) -> None:
        async with RegistryClient(
            mirrors={"docker.io": "http://mirror.example"}, insecure=insecure
        ) as client:
            await client.manifest_info(Repository("docker.io", "library/nginx"), "latest")

    with pytest.raises(InsecureRegistry, match=r"mirror mirror\.example uses plain HTTP"):
        run(go([]))


def test_errors_are_one_hierarchy() -> None:
    for cls in (
        DigestMismatch,
        InsecureRegistry,
        NotFound,
        NotInCache,
        RateLimited,
        ServerError,
        Unauthorized,
        Unreachable,
    ):
        assert issubclass(cls, RegistryError)
