"""A TCP proxy on loopback that adds a fixed delay to every chunk, in each direction.

With the default 25 ms each way, every request/response exchange costs one 50 ms round
trip more than on loopback, as a registry on another continent would.  Chunks are
queued with the time they may leave and sent in order, so a slow direction does not
stall the other one and a burst is delayed, not serialised.  Everything is bounded:
queued chunks per direction (back-pressure on the reader), connections, the connect
timeout, an idle timeout, and the standalone run's duration.

What it does not model: TCP and TLS handshakes (a new connection costs no extra round
trip here, so a client that opens many connections is favoured), bandwidth, loss.

In a benchmark::

    with LatencyProxy("127.0.0.1", registry_port, delay=0.025) as proxy:
        ...  # talk to proxy.host ("127.0.0.1:PORT")

Standalone::

    python bench/latency_proxy.py 127.0.0.1:5000 [--delay 0.025] [--port 0] [--seconds 600]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import sys
import threading
from collections.abc import Sequence

CHUNK = 64 * 1024
MAX_QUEUED_CHUNKS = 64  # per direction of a connection
MAX_CONNECTIONS = 256
CONNECT_TIMEOUT = 5.0
IDLE_TIMEOUT = 120.0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LatencyProxy:
    """Listens on ``listen_host:port`` (0: a free port), forwards to ``target``."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        delay: float = 0.025,
        listen_host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not (_loopback(target_host) and _loopback(listen_host)):
            raise ValueError("the proxy only listens on and connects to loopback addresses")
        if not 0 <= delay <= 10:
            raise ValueError("delay must be between 0 and 10 seconds")
        self.target = (target_host, target_port)
        self.delay = delay
        self.listen_host = listen_host
        self.port = port
        self.connections = 0  # accepted so far
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    @property
    def host(self) -> str:
        """``host:port`` to put in image references."""
        return f"{self.listen_host}:{self.port}"

    # -- lifecycle in a background thread ---------------------------------------------

    def start(self) -> LatencyProxy:
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self._listen())
            except BaseException as e:  # reported to start()'s caller
                errors.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=serve, name="latency-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("latency proxy did not start")
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the proxy --------------------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.listen_host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if not self._slots.acquire(blocking=False):
            writer.close()
            return
        self._tasks.add(task)
        self.connections += 1
        try:
            await self._relay(reader, writer)
        except asyncio.CancelledError:
            # Shutting down. Ending normally keeps asyncio's stream callback from
            # logging the cancellation as an error.
            writer.close()
        finally:
            self._tasks.discard(task)
            self._slots.release()

    async def _relay(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        try:
            s_reader, s_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), CONNECT_TIMEOUT
            )
        except (OSError, asyncio.TimeoutError):
            c_writer.close()
            return
        pipes = [
            asyncio.ensure_future(self._pipe(c_reader, s_writer)),
            asyncio.ensure_future(self._pipe(s_reader, c_writer)),
        ]
        try:
            # Both directions end on their own after an end of stream; a failure in one
            # (reset, idle timeout) ends the connection.
            await asyncio.wait(pipes, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for pipe in pipes:
                pipe.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)
            for w in (c_writer, s_writer):
                w.close()
            for w in (c_writer, s_writer):
                with contextlib.suppress(OSError, asyncio.TimeoutError):
                    await asyncio.wait_for(w.wait_closed(), 1)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction; each chunk leaves ``delay`` seconds after it arrived."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(MAX_QUEUED_CHUNKS)

        async def receive() -> None:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(CHUNK), IDLE_TIMEOUT)
                except (OSError, asyncio.TimeoutError):
                    data = b""  # reset or idle: end this direction like an end of stream
                await queue.put((loop.time() + self.delay, data))
                if not data:  # end of stream, passed on in order
                    return

        async def send() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()

        receiver = asyncio.ensure_future(receive())
        try:
            await send()
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError, asyncio.TimeoutError):
                await receiver


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="HOST:PORT to forward to (loopback)")
    parser.add_argument("--delay", type=float, default=0.025, help="seconds, each direction")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    try:
        proxy = LatencyProxy(host or "127.0.0.1", int(port), delay=args.delay, port=args.port)
    except ValueError as e:
        parser.error(str(e))
    with proxy:
        print(f"{proxy.host} -> {host}:{port}, +{args.delay * 1000:.0f} ms each way", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait(min(args.seconds, 24 * 3600))
    return 0


if __name__ == "__main__":
    sys.exit(main())
