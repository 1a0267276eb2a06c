"""A real CNCF distribution registry for tests, seeded over plain HTTP.

``start_registry()`` runs Debian's ``docker-registry serve CONFIG`` on
``127.0.0.1:<free port>`` with in-memory storage and deletes enabled, and returns a
``Registry`` that pushes images, indexes and tags the way ``docker push`` does, and
reads back what the registry saw from its access log.

Three flavours: anonymous (``start_registry``), Basic auth against an htpasswd file
(``start_auth_registry``), and Bearer tokens issued by ``token_server.TokenServer``
(``start_token_registry``). The pushing client authenticates itself in each.
``start_registry(tls=make_tls_files(dir))`` serves HTTPS with a throwaway CA's
certificate.

Request log: distribution writes one Apache "combined" line per request to stdout (the
``gorilla/handlers`` access log), inside the handler, so before the client has the end
of a response. stdout goes to a file; ``request_log()`` first sends a sync request
and waits for its line, so every request answered before the call is in the result.
The harness's own requests (seeding, sync) carry a ``User-Agent`` starting with
``registry-harness`` and are left out unless asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn, Protocol, TypeVar
from urllib.parse import urljoin

import httpx
import pytest

from token_server import BearerAuth, TokenRequest, TokenServer

__all__ = [
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "MANIFEST_ACCEPT",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "AuthRegistry",
    "Index",
    "LoggedRequest",
    "Registry",
    "RegistryError",
    "SkopeoDigest",
    "TokenRegistry",
    "require_module",
    "require_tool",
    "skopeo_digest",
    "start_auth_registry",
    "start_registry",
    "start_token_registry",
]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST))

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

REGISTRY_BINARY = "docker-registry"
SKOPEO_BINARY = "skopeo"
HARNESS_AGENT = "registry-harness"
SYNC_AGENT = HARNESS_AGENT + "-sync/"  # log sync requests: never shown
START_TIMEOUT = 10.0

_INSTALL_HINT = {
    REGISTRY_BINARY: "apt-get install docker-registry",
    SKOPEO_BINARY: "apt-get install skopeo",
}


_R = TypeVar("_R", bound="Registry")


class RegistryError(Exception):
    """The registry answered a seeding request with an unexpected status."""


def _unavailable(reason: str) -> NoReturn:
    # A missing component fails under CI (where it must be installed) and skips elsewhere.
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """Path of the executable `name`; pytest.fail under CI=true, pytest.skip otherwise."""
    path = shutil.which(name)
    if path is None:
        hint = _INSTALL_HINT.get(name)
        _unavailable(f"{name} not found on PATH" + (f" ({hint})" if hint else ""))
    return path


def require_module(name: str) -> None:
    """Like require_tool, for an importable Python package."""
    try:
        __import__(name)
    except ImportError:
        _unavailable(f"Python package {name!r} is not installed (pip install {name})")


class Index(NamedTuple):
    digest: str  # of the index / manifest list
    manifests: dict[str, str]  # platform ("linux/arm64/v8") -> image manifest digest
    media_type: str


class TLSFiles(NamedTuple):
    """A server certificate for 127.0.0.1 and localhost, its key, and the CA that signed
    it (PEM files)."""

    certificate: Path
    key: Path
    ca: Path


def make_tls_files(directory: Path) -> TLSFiles:
    """A throwaway CA and a certificate it signs for ``127.0.0.1`` and ``localhost``
    (``trustme``), written to ``directory``."""
    require_module("trustme")
    import trustme

    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    files = TLSFiles(directory / "server.pem", directory / "server.key", directory / "ca.pem")
    issued.cert_chain_pems[0].write_to_path(str(files.certificate))
    for pem in issued.cert_chain_pems[1:]:
        pem.write_to_path(str(files.certificate), append=True)
    issued.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    return files


def _verify(tls: TLSFiles | None) -> ssl.SSLContext | bool:
    """What the harness's own clients trust: the throwaway CA of an HTTPS registry."""
    return ssl.create_default_context(cafile=str(tls.ca)) if tls is not None else True


class LoggedRequest(NamedTuple):
    method: str
    target: str  # path and query as sent: "/v2/a/tags/list?n=10"
    status: int
    user_agent: str

    def __str__(self) -> str:
        return f"{self.method} {self.target}"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload_url(base: str, location: str, digest: str) -> str:
    """The URL to PUT a monolithic upload to: Location may be relative and has a query."""
    url = urljoin(base, location)
    return url + ("&" if "?" in url else "?") + "digest=" + digest


def _parse_platform(platform: str) -> dict[str, str]:
    parts = platform.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"platform must be os/arch[/variant], got {platform!r}")
    result = {"architecture": parts[1], "os": parts[0]}
    if len(parts) == 3:
        result["variant"] = parts[2]
    return result


def _as_bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


def _layer(content: bytes) -> tuple[bytes, bytes]:
    """A reproducible gzipped tar holding `content`: (tar, tar.gz)."""
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("content")
        info.size = len(content)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    raw = tar_buf.getvalue()
    return raw, gzip.compress(raw, mtime=0)


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, indent=3).encode()


_LOG_LINE = re.compile(
    r"""^\S+\ \S+\ \S+\ \[[^\]]*\]\ "(?P<method>\S+)\ (?P<target>\S+)\ [^"]*"\ (?P<status>\d{3})
    \ \S+\ "(?:[^"\\]|\\.)*"\ "(?P<agent>(?:[^"\\]|\\.)*)"$""",
    re.VERBOSE,
)


def _die_with_parent(command: list[str]) -> list[str]:
    # If the test process dies without teardown (SIGKILL), the kernel sends SIGTERM to
    # the registry, so no registry outlives the test run. util-linux's setpriv sets the
    # parent-death signal and execs (same pid, no shell, safe with threads, unlike a
    # preexec_fn). The signal follows the parent *thread*: fixtures start registries from
    # the main thread. Without setpriv (not Linux) teardown alone stops the registry.
    setpriv = shutil.which("setpriv")
    if setpriv is None or not sys.platform.startswith("linux"):
        return command
    return [setpriv, "--pdeathsig", "TERM", "--", *command]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config_yaml(
    port: int, auth: Mapping[str, Mapping[str, str]] | None, tls: TLSFiles | None = None
) -> str:
    # JSON is YAML: no YAML writer needed, and no quoting surprises in paths.
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {
            "inmemory": {},
            "delete": {"enabled": True},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
        "health": {"storagedriver": {"enabled": False}},
    }
    if auth is not None:
        config["auth"] = {kind: dict(options) for kind, options in auth.items()}
    if tls is not None:
        config["http"]["tls"] = {"certificate": str(tls.certificate), "key": str(tls.key)}
    return json.dumps(config, indent=2)


@dataclass
class Registry:
    """A running ``docker-registry`` and a client that seeds it. Close it (or use `with`).

    Repository names must be unique per test when the registry is shared: ``new_repo()``
    makes one.
    """

    host: str  # "127.0.0.1:PORT"
    process: subprocess.Popen[bytes]
    workdir: Path
    startup_seconds: float  # from spawn to the first answer of GET /v2/
    auth: httpx.Auth | None = None
    tls: TLSFiles | None = None  # serves HTTPS with this certificate
    client: httpx.Client = field(init=False)
    _sync_client: httpx.Client = field(init=False, repr=False)
    _log_offset: int = field(init=False, default=0)
    _sync_ids: Iterator[int] = field(init=False, default_factory=itertools.count)
    _repo_ids: Iterator[int] = field(init=False, default_factory=itertools.count)

    def __post_init__(self) -> None:
        verify = _verify(self.tls)
        self.client = httpx.Client(
            base_url=self.url,
            auth=self.auth,
            headers={"User-Agent": f"{HARNESS_AGENT}/seed"},
            timeout=30,
            verify=verify,
        )
        self._sync_client = httpx.Client(base_url=self.url, timeout=10, verify=verify)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls is not None else 'http'}://{self.host}"

    @property
    def access_log_path(self) -> Path:
        return self.workdir / "access.log"

    @property
    def error_log_path(self) -> Path:
        return self.workdir / "registry.log"

    # --- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        self.client.close()
        self._sync_client.close()
        _stop(self.process)

    def __enter__(self: _R) -> _R:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_repo(self, hint: str = "repo") -> str:
        """A repository name not used before on this registry: "<hint>-<n>"."""
        clean = re.sub(r"[^a-z0-9/]+", "-", hint.lower()).strip("-/") or "repo"
        return f"{clean}-{next(self._repo_ids)}"

    # --- seeding ---------------------------------------------------------------------

    def push_blob(self, repo: str, data: bytes) -> str:
        """Monolithic upload: POST an upload, PUT <Location>&digest=. Returns the digest."""
        digest = sha256_digest(data)
        started = self.client.post(f"/v2/{repo}/blobs/uploads/")
        _expect(started, 202)
        url = upload_url(str(started.request.url), started.headers["Location"], digest)
        done = self.client.put(
            url, content=data, headers={"Content-Type": "application/octet-stream"}
        )
        _expect(done, 201)
        return digest

    def put_manifest(self, repo: str, reference: str, data: bytes, media_type: str) -> str:
        """PUT manifest bytes under a tag or digest; returns the digest the registry gave."""
        response = self.client.put(
            f"/v2/{repo}/manifests/{reference}", content=data, headers={"Content-Type": media_type}
        )
        _expect(response, 201)
        digest: str = response.headers.get("Docker-Content-Digest", "")
        if digest != sha256_digest(data):
            raise RegistryError(f"registry digest {digest!r} != sha256 of the bytes pushed")
        return digest

    def push_image(
        self,
        repo: str,
        tag: str | None = None,
        *,
        platform: str = "linux/amd64",
        content: bytes | str = b"",
        oci: bool = False,
    ) -> str:
        """Config + one layer (holding `content`) + a single-platform manifest.

        Docker v2 schema 2 unless `oci`. Tagged `tag` if given, else pushed by digest.
        Reproducible: same arguments, same digest. Returns the manifest digest.
        """
        data, media_type = self._image_manifest(repo, platform, _as_bytes(content), oci)
        return self.put_manifest(repo, tag or sha256_digest(data), data, media_type)

    def push_index(
        self,
        repo: str,
        tags: Sequence[str],
        *,
        platforms: Sequence[str] = ("linux/amd64", "linux/arm64"),
        content: bytes | str = b"",
        oci: bool = True,
    ) -> Index:
        """One image per platform (by digest), then an OCI index (Docker manifest list if
        not `oci`) under every tag in `tags` (by digest if `tags` is empty)."""
        if isinstance(tags, str):
            raise TypeError("tags must be a sequence of tags, not one string")
        entries = []
        manifests: dict[str, str] = {}
        for platform in platforms:
            data, media_type = self._image_manifest(repo, platform, _as_bytes(content), oci)
            digest = self.put_manifest(repo, sha256_digest(data), data, media_type)
            manifests[platform] = digest
            entries.append(
                {
                    "mediaType": media_type,
                    "size": len(data),
                    "digest": digest,
                    "platform": _parse_platform(platform),
                }
            )
        index_type = OCI_INDEX if oci else DOCKER_MANIFEST_LIST
        index = _json_bytes({"schemaVersion": 2, "mediaType": index_type, "manifests": entries})
        digest = sha256_digest(index)
        for ref in tags or [digest]:
            self.put_manifest(repo, ref, index, index_type)
        return Index(digest=digest, manifests=manifests, media_type=index_type)

    def _image_manifest(
        self, repo: str, platform: str, content: bytes, oci: bool
    ) -> tuple[bytes, str]:
        tar, tar_gz = _layer(content)
        config = _json_bytes(
            {
                **_parse_platform(platform),
                "created": "1970-01-01T00:00:00Z",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar)]},
                "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "test"}],
            }
        )
        config_digest = self.push_blob(repo, config)
        layer_digest = self.push_blob(repo, tar_gz)
        media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {
                "mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                "size": len(config),
                "digest": config_digest,
            },
            "layers": [
                {
                    "mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                    "size": len(tar_gz),
                    "digest": layer_digest,
                }
            ],
        }
        return _json_bytes(manifest), media_type

    def manifest(self, repo: str, reference: str) -> tuple[bytes, str]:
        """(exact bytes, Content-Type) of a manifest by tag or digest."""
        response = self.client.get(
            f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT}
        )
        _expect(response, 200)
        return response.content, response.headers["Content-Type"].split(";")[0].strip()

    def manifest_bytes(self, repo: str, reference: str) -> bytes:
        return self.manifest(repo, reference)[0]

    def tag(self, repo: str, reference: str, new_tag: str) -> str:
        """Put the manifest at `reference` (tag or digest) under `new_tag`; returns its digest."""
        data, media_type = self.manifest(repo, reference)
        return self.put_manifest(repo, new_tag, data, media_type)

    def delete_manifest(self, repo: str, digest: str) -> None:
        """Delete by digest (every tag pointing at it goes too)."""
        _expect(self.client.delete(f"/v2/{repo}/manifests/{digest}"), 202)

    # --- request log -----------------------------------------------------------------

    def _read_log(self, start: int) -> tuple[list[LoggedRequest], int]:
        with self.access_log_path.open("rb") as f:
            f.seek(start)
            data = f.read()
        end = data.rfind(b"\n") + 1  # only whole lines
        entries = []
        for line in data[:end].decode("utf-8", "replace").splitlines():
            match = _LOG_LINE.match(line)
            if match is not None:
                entries.append(
                    LoggedRequest(
                        method=match["method"],
                        target=match["target"],
                        status=int(match["status"]),
                        user_agent=match["agent"],
                    )
                )
        return entries, start + end

    def _sync(self) -> int:
        """Wait until every request answered so far is in the log; returns the log size."""
        agent = f"{SYNC_AGENT}{next(self._sync_ids)}"
        self._sync_client.get("/v2/", headers={"User-Agent": agent})
        deadline = time.monotonic() + 10
        while True:
            entries, end = self._read_log(self._log_offset)
            if any(e.user_agent == agent for e in entries):
                return end
            if time.monotonic() > deadline:
                raise RegistryError(f"sync request never reached {self.access_log_path}")
            time.sleep(0.002)

    def mark(self) -> int:
        """A position in the log: pass it to requests(since=...)."""
        return self._sync()

    def clear_log(self) -> None:
        """Forget every request so far: request_log() starts after this point."""
        self._log_offset = self._sync()

    def requests(
        self, *, since: int | None = None, include_harness: bool = False
    ) -> list[LoggedRequest]:
        """Requests the registry answered since clear_log() (or the given mark), in order."""
        self._sync()
        entries, _ = self._read_log(max(self._log_offset, since or 0))
        hidden = HARNESS_AGENT if not include_harness else SYNC_AGENT
        return [e for e in entries if not e.user_agent.startswith(hidden)]

    def request_log(self, *, since: int | None = None, include_harness: bool = False) -> list[str]:
        """Like requests(), as "METHOD /target" strings: "HEAD /v2/x/manifests/latest"."""
        return [str(e) for e in self.requests(since=since, include_harness=include_harness)]


@dataclass
class AuthRegistry(Registry):
    """A registry with ``auth: htpasswd`` (bcrypt); the seeding client sends Basic auth."""

    username: str = ""
    password: str = ""
    realm: str = ""


@dataclass
class TokenRegistry(Registry):
    """A registry with ``auth: token`` and its token endpoint (``token_server``)."""

    username: str = ""
    password: str = ""
    token_server: TokenServer | None = None

    @property
    def tokens(self) -> TokenServer:
        assert self.token_server is not None
        return self.token_server

    @property
    def realm(self) -> str:
        return self.tokens.realm

    @property
    def service(self) -> str:
        return self.tokens.service

    def token_requests(self, *, include_harness: bool = False) -> list[TokenRequest]:
        """What the token endpoint got since clear_log(); the harness's own requests
        (seeding) are left out unless asked for."""
        return [
            r
            for r in list(self.tokens.requests)
            if include_harness or not (r.user_agent or "").startswith(HARNESS_AGENT)
        ]

    def clear_log(self) -> None:
        """Clear the registry's request log and the token endpoint's records."""
        super().clear_log()
        self.tokens.clear()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.tokens.close()


def _expect(response: httpx.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise RegistryError(
            f"{response.request.method} {response.request.url} -> "
            f"{response.status_code}: {response.text[:500]}"
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _spawn(
    workdir: Path,
    auth: Mapping[str, Mapping[str, str]] | None,
    *,
    tls: TLSFiles | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the registry on a free port; retry if another process takes the port first.

    ``env``: variables added to the registry's environment (the 1,000-reference bench
    sets Go's ``GOMAXPROCS`` and ``GOGC``)."""
    binary = require_tool(REGISTRY_BINARY)
    last_error = ""
    for _ in range(5):
        port = _free_port()
        config = workdir / "config.yml"
        config.write_text(_config_yaml(port, auth, tls))
        started = time.monotonic()
        with (
            (workdir / "access.log").open("wb") as out,
            (workdir / "registry.log").open("wb") as err,
        ):
            process = subprocess.Popen(
                _die_with_parent([binary, "serve", str(config)]),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={**os.environ, **env} if env else None,
            )
        try:
            if _wait_ready(process, port, workdir / "registry.log", tls):
                return process, f"127.0.0.1:{port}", time.monotonic() - started
        except BaseException:
            _stop(process)
            raise
        _stop(process)
        last_error = (workdir / "registry.log").read_text(errors="replace")[-2000:]
        if "address already in use" not in last_error:
            break
    raise RegistryError(f"{REGISTRY_BINARY} did not start:\n{last_error}")


def _wait_ready(
    process: subprocess.Popen[bytes], port: int, error_log: Path, tls: TLSFiles | None
) -> bool:
    # The registry logs "listening on ADDR" after binding. Poll the log rather than the
    # port: an answer on the port could come from another process that took it.
    deadline = time.monotonic() + START_TIMEOUT
    needle = f"listening on 127.0.0.1:{port}".encode()
    while needle not in error_log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    scheme = "https" if tls is not None else "http"
    verify = _verify(tls)
    agent = {"User-Agent": f"{HARNESS_AGENT}/ready"}
    with httpx.Client(timeout=5, headers=agent, verify=verify) as client:
        while True:
            try:
                response = client.get(f"{scheme}://127.0.0.1:{port}/v2/")
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    return False
                time.sleep(0.002)
                continue
            return "Docker-Distribution-Api-Version" in response.headers


def _ready(registry: _R) -> _R:
    try:
        registry.clear_log()  # the readiness probe is not part of any test
    except BaseException:
        registry.close()
        raise
    return registry


def start_registry(
    workdir: Path, *, tls: TLSFiles | None = None, env: Mapping[str, str] | None = None
) -> Registry:
    """An anonymous registry (no auth). `workdir` holds config and logs.

    With ``tls`` it serves HTTPS only; ``env`` is added to its environment."""
    process, host, seconds = _spawn(workdir, None, tls=tls, env=env)
    registry = Registry(
        host=host, process=process, workdir=workdir, startup_seconds=seconds, tls=tls
    )
    return _ready(registry)


def start_auth_registry(
    workdir: Path, *, username: str = "tester", password: str | None = None
) -> AuthRegistry:
    """``auth: htpasswd`` with one bcrypt user; the password is random unless given."""
    require_module("bcrypt")
    import bcrypt

    password = password if password is not None else "pw-" + secrets.token_urlsafe(12)
    realm = "test-registry-realm"
    htpasswd = workdir / "htpasswd"
    # Cost 4 (the minimum): distribution checks the hash on every request.
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    htpasswd.write_text(f"{username}:{hashed}\n")
    process, host, seconds = _spawn(workdir, {"htpasswd": {"realm": realm, "path": str(htpasswd)}})
    registry = AuthRegistry(
        host=host,
        process=process,
        workdir=workdir,
        startup_seconds=seconds,
        auth=httpx.BasicAuth(username, password),
        username=username,
        password=password,
        realm=realm,
    )
    return _ready(registry)


def start_token_registry(
    workdir: Path, *, username: str = "tester", password: str | None = None
) -> TokenRegistry:
    """``auth: token`` plus a TokenServer that signs the tokens the registry checks."""
    require_module("cryptography")
    password = password if password is not None else "pw-" + secrets.token_urlsafe(12)
    tokens = TokenServer(workdir, username=username, password=password)
    try:
        auth = {
            "token": {
                "realm": tokens.realm,
                "service": tokens.service,
                "issuer": tokens.issuer,
                "rootcertbundle": str(tokens.cert_path),
            }
        }
        process, host, seconds = _spawn(workdir, auth)
    except BaseException:
        tokens.close()
        raise
    registry = TokenRegistry(
        host=host,
        process=process,
        workdir=workdir,
        startup_seconds=seconds,
        auth=BearerAuth(username, password, user_agent=f"{HARNESS_AGENT}/seed"),
        username=username,
        password=password,
        token_server=tokens,
    )
    return _ready(registry)


def skopeo_digest(ref: str, *, creds: str | None = None) -> str:
    """sha256 of ``skopeo inspect --raw --tls-verify=false docker://REF`` (an independent
    client). `ref` is "HOST/repo:tag" or "HOST/repo@sha256:…"; `creds` is "user:password".
    """
    binary = require_tool(SKOPEO_BINARY)
    ref = ref.removeprefix("docker://")
    command = [binary, "inspect", "--raw", "--tls-verify=false"]
    command += ["--creds", creds] if creds is not None else ["--no-creds"]
    result = subprocess.run(
        [*command, f"docker://{ref}"],
        capture_output=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RegistryError(
            f"skopeo inspect {ref} failed: {result.stderr.decode(errors='replace')}"
        )
    return sha256_digest(result.stdout)


class SkopeoDigest(Protocol):
    """Type of the `skopeo_digest` fixture."""

    def __call__(self, ref: str, *, creds: str | None = None) -> str: ...
