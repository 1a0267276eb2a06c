"""The connections under the registry client (``pinlint.registry.connections``).

Keep-alive against a real registry over HTTP and HTTPS (a throwaway CA from
``trustme``), and what a hostile server does to a connection: hang up between
requests, flood faster than pinlint reads, go silent.  Servers run on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import time_limit
from hostile_server import Reply, Request, hostile
from pinlint import reference
from pinlint.config import Config
from pinlint.registry import connections
from pinlint.registry.client import RegistryClient
from pinlint.registry.connections import READ_BUFFER, AsyncioBackend, ConnectionPool, Timeouts
from pinlint.registry.types import Repository
from pinlint.resolve import resolve_references
from registry_server import Registry, make_tls_files, start_registry

pytestmark = pytest.mark.usefixtures("isolated")

DIGEST = "sha256:" + "a" * 64
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _open_registry(request: Request) -> Reply:
    if request.path == "/v2/":
        return Reply(200, {}, b"{}")
    return Reply(200, {"Docker-Content-Digest": DIGEST, "Content-Type": OCI_INDEX})


async def _heads(host: str, tags: list[str], *, concurrency: int) -> list[str]:
    repo = Repository(host, "app")
    async with RegistryClient(concurrency=concurrency) as client:
        infos = await asyncio.gather(*(client.manifest_info(repo, tag) for tag in tags))
    return [info.digest for info in infos]


def test_sequential_requests_share_one_connection() -> None:
    with hostile(_open_registry) as server, time_limit(60):
        digests = asyncio.run(_heads(server.host, [f"t{i}" for i in range(10)], concurrency=1))
    assert digests == [DIGEST] * 10
    assert len(server.seen("HEAD")) == 10
    assert server.connections == 1  # the ping and ten HEADs, one after another


def test_concurrent_requests_open_at_most_the_limit() -> None:
    def slow(request: Request) -> Reply:
        if request.method == "HEAD":
            time.sleep(0.05)
        return _open_registry(request)

    with hostile(slow) as server, time_limit(60):
        digests = asyncio.run(_heads(server.host, [f"t{i}" for i in range(24)], concurrency=4))
    assert digests == [DIGEST] * 24
    assert 2 <= server.connections <= 4


def test_a_connection_the_server_hung_up_is_not_reused() -> None:
    # The server closes the connection after each manifest answer without saying so, as
    # one whose keep-alive timeout ran out: once the client has seen the hang-up, the
    # next request goes on a new connection, and none is sent on a dead one (that would
    # fail and be retried).
    def hang_up(request: Request) -> Reply:
        reply = _open_registry(request)
        reply.hang_up = request.path != "/v2/"
        return reply

    with hostile(hang_up) as server, time_limit(60):

        async def go() -> tuple[list[str], int]:
            repo = Repository(server.host, "app")
            async with RegistryClient(concurrency=1) as client:
                digests = []
                for i in range(5):
                    digests.append((await client.manifest_info(repo, f"t{i}")).digest)
                    while server.closed < i + 1:
                        await asyncio.sleep(0.01)
                    await asyncio.sleep(0.01)  # the hang-up reaches the client
                return digests, client.requests_sent

        digests, sent = asyncio.run(go())
    assert digests == [DIGEST] * 5
    assert sent == 6  # the ping and five HEADs: no retry
    assert len(server.seen("HEAD")) == 5
    assert server.connections == 5  # the ping's connection served the first HEAD too


# --- HTTP/1.1 on h11 ---------------------------------------------------------------------


@contextlib.contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[int]]]:
    """A TCP server on 127.0.0.1 that reads each request's head and then runs
    ``answer(connection)``, which writes raw bytes; yields (host, [connections])."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted = [0]
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            with contextlib.suppress(OSError):
                answer(conn)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted[0] += 1
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(5)
        listener.close()


_TIMEOUTS = Timeouts(connect=5.0, read=5.0, write=5.0)


async def _exchange(
    pool: ConnectionPool, host: str, path: str = "/v2/", *, whole: bool = True
) -> tuple[int, dict[bytes, bytes], bytes]:
    """GET ``path``: status, headers and the body (whole, or its first chunk)."""
    address, _, port = host.rpartition(":")
    head, body = await pool.request(
        "GET", ("http", address, int(port)), path, [(b"Host", host.encode())], b"", _TIMEOUTS
    )
    chunks = []
    try:
        async for chunk in body:
            chunks.append(chunk)
            if not whole:
                break
    finally:
        body.close()
    return head.status_code, dict(head.headers), b"".join(chunks)


async def _pool_get(pool: ConnectionPool, host: str) -> tuple[int, dict[bytes, bytes], bytes]:
    return await _exchange(pool, host)


def test_a_1xx_answer_before_the_response_is_skipped() -> None:
    def answer(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Registry: yes\r\n\r\n{}"
        )

    async def go(host: str) -> tuple[int, dict[bytes, bytes], bytes]:
        pool = ConnectionPool(ssl.create_default_context)
        try:
            return await _pool_get(pool, host)
        finally:
            await pool.aclose()

    with raw_server(answer) as (host, _), time_limit(60):
        status, headers, body = asyncio.run(go(host))
    assert status == 200
    assert headers[b"x-registry"] == b"yes"
    assert body == b"{}"


def test_endless_headers_are_refused_in_bounded_memory() -> None:
    # A registry that never ends its header block: h11 holds at most MAX_HEADER_BYTES of
    # an unfinished head, then the request fails; the server cannot push more than that
    # and the sockets' buffers before the client hangs up.
    sent = [0]

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
        while sent[0] < 256 * 1024 * 1024:
            conn.sendall(line)
            sent[0] += len(line)

    async def go(host: str) -> None:
        pool = ConnectionPool(ssl.create_default_context)
        try:
            await _pool_get(pool, host)
        finally:
            assert not pool._open  # the connection was dropped
            await pool.aclose()

    with raw_server(answer) as (host, _), time_limit(60):
        with pytest.raises(connections.ConnectionLost):
            asyncio.run(go(host))
        time.sleep(0.2)
    assert sent[0] < 32 * 1024 * 1024


def test_a_body_cut_short_fails_and_its_connection_is_dropped() -> None:
    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        conn.shutdown(socket.SHUT_WR)

    async def go(host: str) -> None:
        pool = ConnectionPool(ssl.create_default_context)
        try:
            with pytest.raises(connections.ConnectionLost):
                await _pool_get(pool, host)
            assert not pool._idle.get(("http", "127.0.0.1", int(host.rsplit(":", 1)[1])))
            assert not pool._open
        finally:
            await pool.aclose()

    with raw_server(answer) as (host, _), time_limit(60):
        asyncio.run(go(host))


def test_a_server_that_closes_without_an_answer_is_a_protocol_error() -> None:
    def answer(conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_WR)

    async def go(host: str) -> None:
        pool = ConnectionPool(ssl.create_default_context)
        try:
            await _pool_get(pool, host)
        finally:
            await pool.aclose()

    with (
        raw_server(answer) as (host, _),
        time_limit(60),
        pytest.raises(connections.ConnectionLost, match="without sending a response"),
    ):
        asyncio.run(go(host))


def _counting_server(request: Request) -> Reply:
    if request.path == "/v2/big":
        return Reply(200, {}, b"x" * (1024 * 1024))
    return _open_registry(request)


def test_connection_close_and_an_unread_body_each_take_a_new_connection() -> None:
    # Kept alive: two answers read whole.  Not kept: one that says "Connection: close",
    # and one whose body the client stopped reading (its rest is still on the wire).
    def answer(request: Request) -> Reply:
        if request.path == "/v2/close":
            return Reply(200, {"Connection": "close"}, b"{}")
        return _counting_server(request)

    async def go(host: str) -> list[int]:
        pool = ConnectionPool(ssl.create_default_context)
        counts = []
        try:
            for path in ("/v2/", "/v2/", "/v2/close", "/v2/", "/v2/big", "/v2/"):
                # /v2/big: the first chunk only
                await _exchange(pool, host, path, whole=path != "/v2/big")
                counts.append(server.connections)
        finally:
            await pool.aclose()
        return counts

    with hostile(answer) as server, time_limit(60):
        counts = asyncio.run(go(server.host))
    assert counts == [1, 1, 1, 2, 2, 3]


def test_an_idle_connection_past_its_keep_alive_expiry_is_not_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connections, "KEEPALIVE_EXPIRY", 0.0)
    with hostile(_open_registry) as server, time_limit(60):
        digests = asyncio.run(_heads(server.host, ["a", "b", "c"], concurrency=1))
    assert digests == [DIGEST] * 3
    assert server.connections == 4  # the ping and three HEADs, each on its own


# --- the network backend ------------------------------------------------------------------


@pytest.fixture
def flood() -> Iterator[tuple[int, list[int]]]:
    """A TCP server that writes as fast as the client takes; (port, [bytes sent])."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = [0]
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(0.2)
        chunk = b"x" * 65536
        with conn:
            while not stop.is_set():
                try:
                    sent[0] += conn.send(chunk)
                except TimeoutError:
                    continue
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], sent
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_a_flood_waits_in_bounded_memory(flood: tuple[int, list[int]]) -> None:
    port, sent = flood

    async def go() -> tuple[int, int, int]:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await asyncio.sleep(1.0)  # read nothing while the server sends
        waiting = len(stream._protocol.buffer)
        first = sent[0]
        got = 0
        while got < 4 * READ_BUFFER:  # reading resumes the socket
            got += len(await stream.read(65536, timeout=5))
        stream.abort()
        return waiting, first, got

    with time_limit(60):
        waiting, sent_while_paused, read = asyncio.run(go())
    # Paused at READ_BUFFER: one more socket read (256 KiB at most) may land on top.
    assert waiting <= READ_BUFFER + 256 * 1024
    assert sent_while_paused < 64 * 1024 * 1024  # the kernel's buffers, not all of it
    assert read >= 4 * READ_BUFFER


def test_a_silent_server_times_out_a_read_and_a_cancel_stays_a_cancel() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    port = listener.getsockname()[1]

    async def go() -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        started = time.monotonic()
        with pytest.raises(connections.ReadTimeout):
            await stream.read(1024, timeout=0.2)
        assert 0.15 < time.monotonic() - started < 5
        task = asyncio.ensure_future(stream.read(1024, timeout=30))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        stream.abort()

    try:
        with time_limit(60):
            asyncio.run(go())
    finally:
        thread.join(5)
        for s in accepted:
            s.close()
        listener.close()


def test_connection_refused_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    with pytest.raises(connections.ConnectFailed) as caught:
        asyncio.run(AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5))
    assert isinstance(caught.value.__cause__, OSError)


def test_a_name_whose_first_address_hangs_connects_by_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A host name with two addresses, the first a black hole (as an IPv6 route that goes
    # nowhere): the race of RFC 8305 connects by the second well within the timeout.
    # The black hole: a listening socket whose backlog is full drops new SYNs.
    stuck = socket.create_server(("127.0.0.1", 0), backlog=0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(stuck.getsockname())
        fillers.append(filler)
    good = socket.create_server(("127.0.0.1", 0))
    addresses = [stuck.getsockname(), good.getsockname()]

    async def getaddrinfo(self: object, host: object, port: object, **kwargs: object) -> list[Any]:
        assert host == "registry.test"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in addresses]

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", getaddrinfo)

    async def go() -> Any:
        stream = await AsyncioBackend().connect_tcp("registry.test", 0, timeout=5)
        peer = stream._transport.get_extra_info("peername")
        stream.abort()
        return peer

    try:
        with time_limit(60):
            started = time.monotonic()
            peer = asyncio.run(go())
            took = time.monotonic() - started
    finally:
        for s in (*fillers, stuck, good):
            s.close()
    assert peer == addresses[1]
    assert took < 3


# --- a real registry, HTTP and HTTPS ------------------------------------------------------


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    workdir = tmp_path_factory.mktemp("tls-registry")
    with start_registry(workdir, tls=make_tls_files(workdir)) as registry:
        yield registry


def _resolve(image: str) -> tuple[str | None, str | None]:
    refs = {image: reference.parse(image)}
    result = asyncio.run(resolve_references(refs, Config(no_cache=True)))[image]
    return result.digest, None if result.error is None else str(result.error)


def test_resolve_over_https_with_the_ca_trusted(
    tls_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_registry.tls is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_registry.tls.ca))
    repo = tls_registry.new_repo("tls")
    index = tls_registry.push_index(repo, ["1.0.0", "latest"])
    tls_registry.clear_log()
    with time_limit(60):
        digest, error = _resolve(f"{tls_registry.host}/{repo}:latest")
    assert error is None
    assert digest == index.digest
    log = tls_registry.request_log()
    assert f"HEAD /v2/{repo}/manifests/latest" in log  # over TLS: the registry speaks no other


def test_https_with_an_unknown_ca_fails_in_one_line(
    tls_registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = make_tls_files(tmp_path)  # trusts another CA only
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca))
    repo = tls_registry.new_repo("tls")
    tls_registry.push_index(repo, ["latest"])
    with time_limit(60):
        digest, error = _resolve(f"{tls_registry.host}/{repo}:latest")
    assert digest is None
    assert error is not None
    assert "\n" not in error
    assert tls_registry.host in error
    assert "TLS handshake failed" in error


def test_keep_alive_against_the_real_registry(registry: Registry) -> None:
    repo = registry.new_repo("keepalive")
    registry.push_index(repo, [f"1.0.{i}" for i in range(20)])
    registry.clear_log()

    async def go() -> tuple[int, set[str]]:
        repository = Repository(registry.host, repo)
        async with RegistryClient(concurrency=1) as client:
            infos = [await client.manifest_info(repository, f"1.0.{i}") for i in range(20)]
            pool = client._transport._pool
            assert isinstance(pool, ConnectionPool)
            connections = len(pool._open)
        return connections, {info.digest for info in infos}

    with time_limit(60):
        connections, digests = asyncio.run(go())
    assert len(digests) == 1
    assert len(registry.request_log()) == 21  # the ping and 20 HEADs
    assert connections == 1


def test_a_url_that_is_not_http_is_refused_before_any_connection() -> None:
    async def go() -> None:
        pool = ConnectionPool(ssl.create_default_context)
        try:
            await pool.request("GET", ("ftp", "127.0.0.1", 21), "/x", [], b"", _TIMEOUTS)
        finally:
            await pool.aclose()

    with pytest.raises(connections.UnsupportedScheme):
        asyncio.run(go())


def test_a_handshake_cancelled_midway_leaves_no_socket_open() -> None:
    # A server that accepts and then never answers the TLS handshake; the run's deadline
    # cancels the request while it waits. The connection must be closed then, not left
    # to the garbage collector (asyncio's start_tls closes it when cancelled; the pool
    # must not hold on to it either).
    listener = socket.create_server(("127.0.0.1", 0))
    closed = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        with conn, contextlib.suppress(OSError):
            while conn.recv(65536):  # the ClientHello, then nothing until the close
                pass
            closed.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]

    async def go() -> None:
        pool = ConnectionPool(ssl.create_default_context)
        task = asyncio.ensure_future(
            pool.request(
                "GET", ("https", "127.0.0.1", port), "/v2/", [(b"Host", b"x")], b"", _TIMEOUTS
            )
        )
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert closed.wait(5)  # before the pool is closed: the cancel closed it

    try:
        with time_limit(60):
            asyncio.run(go())
    finally:
        thread.join(5)
        listener.close()
