"""The transport's own parts: URLs split for sending, answers' headers, the request's
headers on the wire (``pinlint.registry.transport``)."""

from __future__ import annotations

import asyncio
import string
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import time_limit
from hostile_server import Reply, Request, hostile
from pinlint import reference
from pinlint.config import Config
from pinlint.registry import transport
from pinlint.registry.transport import Headers, Transport, _parse, _target
from pinlint.resolve import resolve_references

pytestmark = pytest.mark.usefixtures("isolated")

_ORIGIN_TEXTS = [
    "http://127.0.0.1:5000",
    "http://localhost:5000",
    "https://registry.example.com",
    "https://registry.example.com:443",
    "http://registry.example.com:80",
    "https://registry.example.com:80",
    "https://Registry.Example.COM:8443",
    "HTTPS://registry.example.com",
    "http://[::1]:5000",
    "https://user:secret@registry.example.com",
    "https://registry.example.com:",
    "https://registry.example.com:0443",
    "https://registry.example.com:99999",
    "http://127.0.0.01:5000",
    "http://256.1.1.1:5000",
    "http://1.2.3:5000",
    "http://1.2.3.4.5:5000",
    "http://a..b:5000",
    "http://reg_istry.example:5000",
    "https://bücher.example",
    "ftp://registry.example.com",
]
# Characters a path may hold, the kept ones and the ones httpx rewrites.
_PATH_ALPHABET = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%#[] \"<>\\^`{|}é"


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(_ORIGIN_TEXTS), st.text(alphabet=_PATH_ALPHABET, max_size=40))
def test_a_url_is_sent_as_httpx_would_send_it(origin: str, path: str) -> None:
    url = f"{origin}/{path}"
    transport._ORIGINS.clear()
    try:
        expected = _parse(url)
    except httpx.InvalidURL:
        transport._ORIGINS.clear()
        with pytest.raises(httpx.InvalidURL):
            _target(url)
        return
    # The first split of a registry URL takes the short way without httpx when it may,
    # the second from what the first (or httpx's parse above) remembered.
    transport._ORIGINS.clear()
    assert _target(url) == expected
    assert _target(url) == expected
    parsed = httpx.URL(url)
    assert expected.target == parsed.raw_path.decode("ascii")
    assert expected.origin[1] == parsed.raw_host.decode("ascii")
    assert expected.host_header == parsed.netloc.decode("ascii")


def test_the_short_way_is_taken_for_a_registry_url() -> None:
    url = "http://127.0.0.1:5000/v2/library/app/manifests/sha256:" + "a" * 64
    _target(url)
    assert "http://127.0.0.1:5000" in transport._ORIGINS
    split = _target(url)
    assert split.origin == ("http", "127.0.0.1", 5000)
    assert split.host_header == "127.0.0.1:5000"
    assert split.target == "/v2/library/app/manifests/sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://127.0.0.1:5000/v2/a/../b/tags/list", "/v2/b/tags/list"),
        ("http://127.0.0.1:5000/v2/a b", "/v2/a%20b"),
        ("http://127.0.0.1:5000/v2/x#frag", "/v2/x"),
        ("http://127.0.0.1:5000/v2/é", "/v2/%C3%A9"),
    ],
)
def test_a_url_httpx_would_rewrite_is_rewritten(url: str, target: str) -> None:
    _target("http://127.0.0.1:5000/v2/")  # the origin is known: the short way is open
    assert _target(url).target == target


def test_headers_ignore_case_and_keep_repeats() -> None:
    headers = Headers(
        [("WWW-Authenticate", 'Bearer realm="a"'), ("www-authenticate", "Basic"), ("Link", "x")]
    )
    assert headers.get("www-authenticate") == 'Bearer realm="a", Basic'
    assert headers.get_list("Www-Authenticate") == ['Bearer realm="a"', "Basic"]
    assert headers["LINK"] == "x"
    assert "link" in headers
    assert headers.get("Location") is None
    assert headers.get("Location", "") == ""
    assert headers.get_list("Location") == []
    with pytest.raises(KeyError):
        headers["Location"]


def _transport() -> Transport:
    return Transport(
        plain_http=lambda netloc: True,
        concurrency=4,
        timeout=10.0,
        max_tries=1,
        retry_after_cap=1.0,
        backoff=0.0,
        offline=False,
        transport=None,
    )


def test_the_pool_sends_what_httpx_sends() -> None:
    # The request pinlint's own connections send carries the headers httpx's client
    # would: Host, Accept (the caller's), Accept-Encoding, Connection, User-Agent,
    # Authorization; a form body with its type and length.
    def answer(request: Request) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, b'{"ok": true}')

    async def go(host: str) -> None:
        sender = _transport()
        try:
            head = await sender.send(
                "r", "HEAD", f"http://{host}/v2/a/manifests/1", {"Accept": "x/y"}, auth_header="B t"
            )
            post = await sender.send("r", "POST", f"http://{host}/token", {}, data={"a": "1 2"})
        finally:
            await sender.aclose()
        assert head.status_code == 200
        assert head.method == "HEAD"
        assert head.content == b""
        assert post.json() == {"ok": True}
        assert post.url == f"http://{host}/token"

    with hostile(answer) as server, time_limit(60):
        asyncio.run(go(server.host))
        head, post = server.requests
    assert head.method == "HEAD"
    assert head.path == "/v2/a/manifests/1"
    assert head.headers["Host"] == server.host
    assert head.headers["Accept"] == "x/y"
    assert head.headers["Accept-Encoding"] == "gzip, deflate"
    assert head.headers["Connection"] == "keep-alive"
    assert head.headers["User-Agent"] == "pinlint"
    assert head.headers["Authorization"] == "B t"
    assert post.headers["Accept"] == "*/*"
    assert "Authorization" not in post.headers
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert post.body == b"a=1+2"
    assert post.headers["Content-Length"] == str(len(post.body))


def test_a_proxy_from_the_environment_carries_the_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With HTTP_PROXY set, requests go through httpx's client (which routes them), not
    # pinlint's own connections: the proxy gets them in absolute form and answers for a
    # registry that nothing listens for directly (port 9 on 127.0.0.1).
    digest = "sha256:" + "c" * 64

    def proxy(request: Request) -> Reply:
        if request.path.endswith("/v2/"):
            return Reply(200, {}, b"{}")
        if "/manifests/" in request.path:
            return Reply(200, {"Docker-Content-Digest": digest, "Content-Type": "x/y"})
        return Reply(200, {}, b'{"tags": ["1.0", "1.0.5"]}')

    with hostile(proxy) as server, time_limit(60):
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, server.url)
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        image = "127.0.0.1:9/app:1.0"
        refs = {image: reference.parse(image)}
        result = asyncio.run(resolve_references(refs, Config(no_cache=True)))[image]
        paths = [r.path for r in server.requests]
    assert result.error is None, result.error
    assert result.digest == digest
    assert result.exact_tag == "1.0.5"
    assert "http://127.0.0.1:9/v2/app/manifests/1.0" in paths


def test_a_run_against_a_plain_http_registry_never_imports_httpx(tmp_path: Path) -> None:
    # httpx, httpcore and anyio cost ~35 ms of CPU to import, in each process of a run:
    # the pool, its errors and the URLs of registries need none of them.  email.utils
    # (~4 ms) only reads a Retry-After that is a date.
    digest = "sha256:" + "d" * 64

    def registry(request: Request) -> Reply:
        if request.path == "/v2/":
            return Reply(200, {}, b"{}")
        if "/manifests/" in request.path:
            return Reply(200, {"Docker-Content-Digest": digest, "Content-Type": "x/y"})
        return Reply(200, {}, b'{"tags": ["1.0", "1.0.5"]}')

    code = (
        "import sys; from pinlint.cli import main; main(sys.argv[1:]); "
        "print([m for m in ('httpx', 'httpcore', 'anyio', 'email.utils', 'h11') "
        "if m in sys.modules])"
    )
    with hostile(registry) as server, time_limit(60):
        (tmp_path / "Dockerfile").write_text(f"FROM {server.host}/app:1.0\n")
        run = subprocess.run(
            [sys.executable, "-c", code, "--resolve", "--no-cache", "--format", "json", "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    *output, imported = run.stdout.strip().splitlines()
    assert f"{server.host}/app:1.0.5@{digest}" in "\n".join(output), run.stdout + run.stderr
    assert imported == "['h11']"
