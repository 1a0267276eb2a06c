"""Credentials and authentication challenges for registries.

Where credentials come from, in the order docker and podman look:

1. podman's ``REGISTRY_AUTH_FILE`` (same format as docker's ``config.json``);
2. ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``:
   ``credHelpers[host]``, then ``credsStore`` (both run ``docker-credential-<name> get``),
   then ``auths[host]`` (base64 ``auth`` = ``user:password``, or ``identitytoken``).

Nothing here ever formats a secret: :class:`Credential` has a ``repr`` without it,
and errors say which file or helper failed, never what it contained.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "Challenge",
    "Credential",
    "CredentialStore",
    "TokenCache",
    "basic_header",
    "parse_challenges",
]

# Docker Hub is spelled many ways in config files; docker itself writes the v1 URL.
DOCKER_HUB_KEYS = (
    "https://index.docker.io/v1/",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
)
_DOCKER_HUB_ALIASES = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
_HELPER_TIMEOUT = 20.0  # seconds; some helpers open a browser or a keyring prompt


@dataclasses.dataclass(frozen=True)
class Credential:
    username: str
    password: str = dataclasses.field(default="", repr=False)
    # An OAuth2 refresh token (``identitytoken`` in config.json, or a helper's answer
    # with username ``<token>``): exchanged at the token realm, never sent as Basic.
    identity_token: str | None = dataclasses.field(default=None, repr=False)

    def __repr__(self) -> str:
        kind = "identity token" if self.identity_token else "password"
        return f"Credential(username={self.username!r}, {kind}=<hidden>)"

    def identity(self) -> str:
        """Which credential this is, for keys: a hash, so no secret sits in a key."""
        import hashlib

        secret = "\0".join((self.username, self.password, self.identity_token or ""))
        return hashlib.sha256(secret.encode()).hexdigest()[:32]

    __str__ = __repr__


def basic_header(credential: Credential) -> str:
    raw = f"{credential.username}:{credential.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


# --- WWW-Authenticate (RFC 9110 section 11.6.1) -------------------------------------------


@dataclasses.dataclass(frozen=True)
class Challenge:
    scheme: str  # lower case: "bearer", "basic"
    params: Mapping[str, str]  # names in lower case

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")


_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*(?=\s*(?:,|$))")
_PARAM_RE = re.compile(
    r"""
    (?P<name>[!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*
    (?:
        "(?P<quoted>(?:[^"\\]|\\.)*)"        # quoted-string, backslash escapes
      | (?P<value>[!#$%&'*+\-.^_`|~0-9A-Za-z]*)
    )
    """,
    re.VERBOSE,
)
_SEPARATORS_RE = re.compile(r"[\s,]*")
_ESCAPE_RE = re.compile(r"\\(.)")


def parse_challenges(values: list[str] | str) -> list[Challenge]:
    """Parse one or more ``WWW-Authenticate`` header values into challenges.

    A header may hold several challenges (``Bearer realm="a",service="b", Basic
    realm="c"``): a bare token starts a new challenge, ``name=value`` pairs belong to
    the challenge before them.  Quoted strings may contain commas and ``\\"``.
    """
    if isinstance(values, str):
        values = [values]
    challenges: list[tuple[str, dict[str, str]]] = []
    for value in values:
        pos = 0
        # True right after a scheme, before any comma: the only place a token68 may be.
        after_scheme = False
        while True:
            sep = _SEPARATORS_RE.match(value, pos)
            assert sep is not None  # the pattern matches the empty string
            if "," in sep.group():
                after_scheme = False
            pos = sep.end()
            if pos >= len(value):
                break
            if after_scheme and (token68 := _TOKEN68_RE.match(value, pos)):
                # ``Negotiate abc==``: credentials-style data, no registry sends it.
                after_scheme = False
                pos = token68.end()
                continue
            param = _PARAM_RE.match(value, pos)
            if param is not None and challenges:
                raw = param.group("quoted")
                val = _ESCAPE_RE.sub(r"\1", raw) if raw is not None else param.group("value")
                challenges[-1][1][param.group("name").lower()] = val
                after_scheme = False
                pos = param.end()
                continue
            token = _TOKEN_RE.match(value, pos)
            if token is None:
                break  # garbage: keep what parsed so far
            challenges.append((token.group().lower(), {}))
            after_scheme = True
            pos = token.end()
    return [Challenge(scheme, params) for scheme, params in challenges]


# --- Bearer tokens ------------------------------------------------------------------------


class TokenCache:
    """Bearer tokens per (realm, service, scope), reused until shortly before expiry."""

    # Registries default to 60 s when ``expires_in`` is missing (distribution's token
    # spec); refresh a little early so a request never carries a token that expires
    # on the way.
    DEFAULT_EXPIRES_IN = 60.0
    MARGIN = 5.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._now = clock
        self._tokens: dict[tuple[str, ...], tuple[str, float]] = {}

    def get(self, key: tuple[str, ...]) -> str | None:
        entry = self._tokens.get(key)
        if entry is None:
            return None
        token, expires = entry
        if self._now() >= expires:
            del self._tokens[key]
            return None
        return token

    def put(self, key: tuple[str, ...], token: str, expires_in: float | None) -> None:
        lifetime = expires_in if expires_in and expires_in > 0 else self.DEFAULT_EXPIRES_IN
        self._tokens[key] = (token, self._now() + max(lifetime - self.MARGIN, 1.0))

    def forget(self, key: tuple[str, ...]) -> None:
        self._tokens.pop(key, None)


# --- credential lookup --------------------------------------------------------------------


class CredentialError(Exception):
    """A credential helper or auth file failed; the message names it, never a secret."""


def _host_of(key: str) -> str:
    """``https://registry.example.com/v2/`` -> ``registry.example.com``."""
    key = key.strip()
    key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", key, flags=re.IGNORECASE)
    return key.split("/", 1)[0].lower()


def _is_docker_hub(host: str) -> bool:
    return host in _DOCKER_HUB_ALIASES


@dataclasses.dataclass
class _AuthFile:
    path: Path
    auths: dict[str, dict[str, object]]
    cred_helpers: dict[str, str]
    creds_store: str | None

    @classmethod
    def load(cls, path: Path) -> _AuthFile | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            # A broken auth file must not stop the run, and its content (secrets)
            # must not appear in a message: treat it as absent.
            return None
        if not isinstance(data, dict):
            return None
        auths = data.get("auths")
        helpers = data.get("credHelpers")
        store = data.get("credsStore")
        return cls(
            path=path,
            auths={k: v for k, v in auths.items() if isinstance(v, dict)}
            if isinstance(auths, dict)
            else {},
            cred_helpers={k: v for k, v in helpers.items() if isinstance(v, str)}
            if isinstance(helpers, dict)
            else {},
            creds_store=store if isinstance(store, str) and store else None,
        )

    def helper_for(self, host: str) -> tuple[str, str] | None:
        """The helper to ask for ``host`` and the server URL to ask it about."""
        for key, helper in self.cred_helpers.items():
            if _host_of(key) == host or (_is_docker_hub(host) and _is_docker_hub(_host_of(key))):
                return helper, key
        if self.creds_store:
            return self.creds_store, DOCKER_HUB_KEYS[0] if _is_docker_hub(host) else host
        return None

    def entry_for(self, host: str, repository: str | None) -> dict[str, object] | None:
        # podman allows per-namespace entries (``quay.io/org``): the longest match wins.
        best: tuple[int, dict[str, object]] | None = None
        for key, entry in self.auths.items():
            stripped = re.sub(r"^[a-z][a-z0-9+.-]*://", "", key.strip(), flags=re.IGNORECASE)
            stripped = stripped.rstrip("/")
            if stripped.endswith("/v1") or stripped.endswith("/v2"):
                stripped = stripped[:-3]
            key_host, _, key_path = stripped.partition("/")
            key_host = key_host.lower()
            if not (key_host == host or (_is_docker_hub(host) and _is_docker_hub(key_host))):
                continue
            in_namespace = repository is not None and (
                repository == key_path or repository.startswith(key_path + "/")
            )
            if key_path and not in_namespace:
                continue
            score = len(key_path)
            if best is None or score > best[0]:
                best = (score, entry)
        return best[1] if best else None


def _credential_from_entry(entry: Mapping[str, object]) -> Credential | None:
    identity = entry.get("identitytoken")
    auth = entry.get("auth")
    username = entry.get("username")
    password = entry.get("password")
    user = ""
    secret = ""
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        user, sep, secret = decoded.partition(":")
        if not sep:
            user, secret = "", ""
    elif isinstance(username, str) and isinstance(password, str):
        user, secret = username, password
    if isinstance(identity, str) and identity:
        return Credential(user, "", identity_token=identity)
    if user or secret:
        return Credential(user, secret)
    return None


def _run_helper(helper: str, server: str, deadline: float | None = None) -> Credential | None:
    """``docker-credential-<helper> get`` with the server URL on stdin.

    Killed after ``_HELPER_TIMEOUT`` seconds, or at ``deadline`` (``time.monotonic``)
    when that comes first: a helper that hangs must not hold the run past its end.
    """
    program = f"docker-credential-{helper}"
    timeout = _HELPER_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
        if timeout <= 0:
            raise CredentialError(f"credential helper {program} not run: the run is over time")
    try:
        proc = subprocess.run(
            [program, "get"],
            input=server.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise CredentialError(f"credential helper {program} not found") from None
    except subprocess.TimeoutExpired:
        raise CredentialError(f"credential helper {program} timed out") from None
    except OSError as e:
        raise CredentialError(f"credential helper {program} failed: {e.strerror}") from None
    if proc.returncode != 0:
        # "credentials not found in native keychain" is the protocol's way of saying
        # there is nothing stored; its stderr is not shown (it could echo input).
        return None
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        raise CredentialError(
            f"credential helper {program} answered something unreadable"
        ) from None
    if not isinstance(answer, dict):
        return None
    user = answer.get("Username")
    secret = answer.get("Secret")
    if not isinstance(user, str) or not isinstance(secret, str) or not secret:
        return None
    if user == "<token>":
        return Credential("", "", identity_token=secret)
    return Credential(user, secret)


class CredentialStore:
    """Looks credentials up per registry host, once per run, in memory only."""

    def __init__(self, files: list[Path] | None = None) -> None:
        self._paths = files if files is not None else self.default_files()
        self._files: list[_AuthFile] | None = None
        self._found: dict[tuple[str, str | None], Credential | None] = {}
        self._helped: dict[tuple[str, str], Credential | None] = {}
        # The client looks up from worker threads; a helper must run once per key.
        self._lock = threading.Lock()
        # ``time.monotonic()`` by which helpers must have answered (the run's deadline):
        # lookups waiting for the lock behind a slow helper must not start new ones.
        self.deadline: float | None = None

    @staticmethod
    def default_files(environ: Mapping[str, str] | None = None) -> list[Path]:
        env = os.environ if environ is None else environ
        paths: list[Path] = []
        if env.get("REGISTRY_AUTH_FILE"):
            paths.append(Path(env["REGISTRY_AUTH_FILE"]))
        docker_config = env.get("DOCKER_CONFIG")
        if docker_config:
            paths.append(Path(docker_config) / "config.json")
        else:
            paths.append(Path.home() / ".docker" / "config.json")
        return paths

    def _load(self) -> list[_AuthFile]:
        if self._files is None:
            self._files = [f for f in map(_AuthFile.load, self._paths) if f is not None]
        return self._files

    def lookup(self, host: str, repository: str | None = None) -> Credential | None:
        """The credential for ``host`` (lower case, with port), or ``None``.

        Blocking (it may run a helper): the client calls it in a worker thread.
        Raises :class:`CredentialError` when a configured helper cannot be run.
        """
        with self._lock:
            return self._lookup(host.lower(), repository)

    def _lookup(self, host: str, repository: str | None) -> Credential | None:
        key = (host, repository)
        if key in self._found:
            return self._found[key]
        found: Credential | None = None
        for auth_file in self._load():
            helper = auth_file.helper_for(host)
            if helper is not None:
                # Helpers answer per host, not per repository: ask each once per run.
                if helper not in self._helped:
                    self._helped[helper] = _run_helper(*helper, deadline=self.deadline)
                found = self._helped[helper]
            if found is None:
                entry = auth_file.entry_for(host, repository)
                if entry is not None:
                    found = _credential_from_entry(entry)
            if found is not None:
                break
        self._found[key] = found
        return found
