"""``bench/latency_proxy.py``, the 50 ms round trip the resolve bench measures through:
each exchange takes the delay each way, bodies arrive whole and in order, and a server
that closes after answering (HTTP/1.0) reaches the client as an end of stream."""

from __future__ import annotations

import os
import socket
import sys
import time

import httpx

from helpers import time_limit
from hostile_server import Reply, Request, hostile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "bench"))

from latency_proxy import LatencyProxy

BODY = bytes(range(256)) * 4096  # 1 MiB, every byte value


def _answer(request: Request) -> Reply:
    if request.path == "/big":
        return Reply(200, {"Content-Type": "application/octet-stream"}, BODY)
    return Reply(200, {}, b"ok")


def test_round_trips_take_the_delay_and_bodies_arrive_whole() -> None:
    with hostile(_answer) as server, time_limit(60):
        port = int(server.host.rsplit(":", 1)[1])
        with LatencyProxy("127.0.0.1", port, delay=0.05) as proxy:
            with httpx.Client(base_url=f"http://{proxy.host}") as client:
                client.get("/")  # connected
                started = time.monotonic()
                for _ in range(3):
                    assert client.get("/").content == b"ok"
                took = (time.monotonic() - started) / 3
                assert client.get("/big").content == BODY
            assert proxy.connections == 1  # keep-alive passes through
    assert 0.1 <= took < 0.5  # 50 ms each way


def test_a_server_that_closes_ends_the_client_stream() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with listener, LatencyProxy("127.0.0.1", port, delay=0.02) as proxy, time_limit(60):
        host, proxy_port = proxy.host.rsplit(":", 1)
        with socket.create_connection((host, int(proxy_port)), timeout=10) as client:
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
            conn, _ = listener.accept()
            with conn:
                assert conn.recv(100).startswith(b"GET / HTTP/1.0")
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nplain HTTP to TLS")
            received = b""
            while chunk := client.recv(1000):  # ends: the close came through
                received += chunk
    assert received == b"HTTP/1.0 400 Bad Request\r\n\r\nplain HTTP to TLS"
