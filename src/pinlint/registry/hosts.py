"""Registry hosts: which may speak plain HTTP, and what a run learns of each (the ping).

The first request to a host is ``GET /v2/`` (what docker calls the ping): it decides the
scheme (plain HTTP only for loopback hosts and ``insecure-registries``) and tells which
authentication the host wants, so that every later request carries its token from the
start instead of paying a 401 round trip per repository.  A host that cannot be
resolved or reached is remembered, and later requests to it fail at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence

from pinlint.registry import (
    InsecureRegistry,
    InvalidResponse,
    NotInCache,
    RegistryError,
    Unreachable,
)
from pinlint.registry.auth import Challenge, parse_challenges
from pinlint.registry.transport import DNS_FAILED, REFUSED, Transport, status_error
from pinlint.registry.types import DOCKER_HUB, DOCKER_HUB_API

__all__ = ["Host", "Hosts", "is_loopback", "netloc", "plain_http_allowed"]


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` and ``::1``, with or without a port."""
    name = _strip_port(host)
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def plain_http_allowed(host: str, insecure: Sequence[str]) -> bool:
    """Plain HTTP only for loopback hosts and ``insecure-registries`` entries.

    An entry is a host, a ``host:port``, or a CIDR range (as docker's daemon.json).
    """
    if is_loopback(host):
        return True
    bare = _strip_port(host)
    for entry in insecure:
        entry = entry.strip().lower()
        entry = entry.removeprefix("http://").removeprefix("https://").rstrip("/")
        if entry in (host.lower(), bare.lower()):
            return True
        if "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
                if ipaddress.ip_address(bare) in network:
                    return True
            except ValueError:
                continue
    return False


def netloc(url: str) -> str:
    """``host[:port]`` of a URL."""
    import httpx  # lazy: httpx

    return httpx.URL(url).netloc.decode("ascii")


def _explicit_port(base: str) -> int | None:
    """The explicit port of a base URL, if any."""
    import httpx  # lazy: httpx

    return httpx.URL(base).port


@dataclasses.dataclass
class Host:
    """What this run learnt about one registry host."""

    name: str  # the registry as the user names it, for messages
    base: str | None = None  # "https://registry-1.docker.io", decided by the ping
    challenges: list[Challenge] = dataclasses.field(default_factory=list)
    failure: RegistryError | None = None  # set once the host proved unreachable
    ready: bool = False


class Hosts:
    """The hosts of one run, each pinged once (concurrent first requests wait for it)."""

    def __init__(
        self,
        transport: Transport,
        *,
        mirrors: Mapping[str, str],
        insecure: Sequence[str],
        offline: bool,
    ) -> None:
        self._transport = transport
        self._mirrors = mirrors
        self._insecure = insecure
        self._offline = offline
        self._hosts: dict[str, Host] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def known(self, key: str, name: str, base: str) -> Host:
        """A host whose base URL is known without a ping (Docker Hub's tags API)."""
        host = self._hosts.get(key) or Host(name, base=base)
        host.ready = True
        self._hosts[key] = host
        return host

    async def get(self, domain: str) -> Host:
        """The host state for ``domain``, pinging it first if this is the first request."""
        if self._offline:
            raise NotInCache(domain)
        host = self._hosts.get(domain)
        if host is not None and host.ready:
            if host.failure is not None:
                raise host.failure
            return host
        lock = self._locks.setdefault(domain, asyncio.Lock())
        async with lock:
            host = self._hosts.get(domain)
            if host is None:
                host = self._hosts[domain] = Host(domain)
            if not host.ready:
                try:
                    await self._ping(host, self._candidate_bases(domain))
                except RegistryError as e:
                    host.failure = self._name_mirror(domain, e)
                finally:
                    host.ready = True
        if host.failure is not None:
            raise host.failure
        return host

    def _name_mirror(self, domain: str, error: RegistryError) -> RegistryError:
        """The error with the mirror named when it was the mirror that failed: "docker.io:
        cannot connect" sends the user to the wrong host."""
        mirror = self._mirrors.get(domain)
        if not mirror or error.host != domain:
            return error
        from urllib.parse import urlsplit

        where = urlsplit(mirror if "://" in mirror else f"https://{mirror}").netloc
        # The same class and fields (copy.copy would call __init__ with the message).
        named = type(error).__new__(type(error))
        named.__dict__.update(error.__dict__)
        named.host = f"{domain} (mirror {where})"
        named.args = (f"{named.host}: {error.reason}",)
        return named

    def _candidate_bases(self, domain: str) -> list[str]:
        """Base URLs to try, in order; the ping picks the first that answers."""
        mirror = self._mirrors.get(domain)
        if mirror:
            import httpx  # lazy: httpx (a mirror's URL, as the user wrote it)

            url = httpx.URL(mirror if "://" in mirror else f"https://{mirror}")
            where = url.netloc.decode("ascii")
            if url.scheme == "http" and not plain_http_allowed(where, self._insecure):
                raise InsecureRegistry(
                    domain, f"mirror {where} uses plain HTTP; list it in insecure-registries"
                )
            base = str(url).rstrip("/")
            base = base.removesuffix("/v2")
            return [base]
        api = DOCKER_HUB_API.removeprefix("https://") if domain == DOCKER_HUB else domain
        if is_loopback(domain):
            # Local registries are nearly always plain HTTP: try that first, one round
            # trip instead of a failed TLS handshake on every run.
            return [f"http://{api}", f"https://{api}"]
        if plain_http_allowed(domain, self._insecure):
            return [f"https://{api}", f"http://{api}"]
        return [f"https://{api}"]

    async def _ping(self, host: Host, bases: list[str]) -> None:
        last: RegistryError | None = None
        for base in bases:
            host.base = base
            host.failure = None
            try:
                response = await self._transport.send(host.name, "GET", f"{base}/v2/", {})
            except Unreachable as e:
                last = e
                if e.reason == DNS_FAILED:
                    break  # the other scheme resolves the same name: fail fast
                if e.reason == REFUSED and _explicit_port(base) is not None:
                    break  # the same port refuses whatever scheme we speak
                continue
            if response.status_code == 400 and base.startswith("http://"):
                # A TLS port answering plain HTTP ("Client sent an HTTP request to an
                # HTTPS server"): try the next scheme.
                last = InvalidResponse(host.name, "plain HTTP refused")
                continue
            if response.status_code == 401:
                host.challenges = parse_challenges(response.headers.get_list("WWW-Authenticate"))
                return
            if response.status_code < 300 or response.status_code == 404:
                # 404: not every registry (or mirror) answers the ping; the API may
                # still work, and each request will say so if not.
                return
            last = status_error(host.name, response, None, None)
            break
        assert last is not None
        raise last
