"""Talking to container registries: the client, credentials and the on-disk cache.

This module holds only the error hierarchy, so that importing it stays cheap: the
client (and httpx, ~90 ms to import) is loaded by ``pinlint.resolve`` when a run
actually resolves something.

Every error a registry operation raises is a :class:`RegistryError`;
:mod:`pinlint.registry.transport` maps httpx's errors and HTTP statuses to these in one
place.  ``str(error)`` is the one-line reason shown on a finding
(``registry.example.com: 401 unauthorized; run docker login registry.example.com``).
No credential ever reaches these messages: they are built from the host name, the
status and fixed text only.
"""

from __future__ import annotations

__all__ = [
    "DigestMismatch",
    "Forbidden",
    "InsecureRegistry",
    "InvalidResponse",
    "NotFound",
    "NotInCache",
    "RateLimited",
    "RegistryError",
    "RegistryTimeout",
    "ServerError",
    "Unauthorized",
    "Unreachable",
]


class RegistryError(Exception):
    """A registry operation failed; ``host`` is the registry as the user names it."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled as its state, not by calling ``__init__`` again (whose arguments differ
        # from ``args`` in every subclass): a process resolving part of a run sends its
        # errors back to the one that reports them.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(
    cls: type[RegistryError], args: tuple[object, ...], state: dict[str, object]
) -> RegistryError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class NotFound(RegistryError):
    """The repository, tag or digest does not exist (PIN102 unknown-image)."""

    def __init__(self, host: str, reason: str, *, what: str = "manifest") -> None:
        super().__init__(host, reason)
        self.what = what  # "repository", "tag", "digest" or "manifest"


class Unauthorized(RegistryError):
    """401 after every credential we have was tried."""

    def __init__(self, host: str) -> None:
        # docker's own spelling: Docker Hub is the default registry of ``docker login``.
        hint = "docker login" if host == "docker.io" else f"docker login {host}"
        super().__init__(host, f"401 unauthorized; run {hint}")


class Forbidden(RegistryError):
    """403: the credentials are valid but may not pull this repository."""

    def __init__(self, host: str) -> None:
        super().__init__(host, "403 forbidden; the credentials may not pull this repository")


class RateLimited(RegistryError):
    """429 on every try."""

    def __init__(self, host: str) -> None:
        super().__init__(host, "429 too many requests; try again later")


class ServerError(RegistryError):
    """5xx on every try, or another status the protocol does not expect."""

    def __init__(self, host: str, status: int) -> None:
        super().__init__(host, f"{status} server error")
        self.status = status


class Unreachable(RegistryError):
    """DNS failure, connection refused, TLS failure: the host cannot be talked to."""


class RegistryTimeout(RegistryError):
    """A request, or the whole run, took longer than allowed."""


class InvalidResponse(RegistryError):
    """The registry answered something that is not what the protocol says."""


class DigestMismatch(InvalidResponse):
    """A manifest's bytes do not hash to the digest the registry claims for them."""


class InsecureRegistry(RegistryError):
    """Plain HTTP was needed for a host that is not allowed to use it."""


class NotInCache(RegistryError):
    """``--offline``: the answer is not in the cache, and no request may be sent."""

    def __init__(self, host: str) -> None:
        super().__init__(host, "not in the cache (--offline)")
