"""A small Bearer token endpoint for a registry started with ``auth: token``.

Why ``auth: token`` and not ``auth: silly``: distribution's ``silly`` controller lets any
request through that has a non-empty ``Authorization`` header (a Basic header, or a token
nobody issued) and writes its challenge scope one action at a time
(``repository:a:pull repository:a:push``), unlike real registries. With ``auth: token``
distribution 2.8 verifies a signed JWT: signature (through the ``x5c`` certificate, which
must chain to ``rootcertbundle``), issuer, audience (= service), expiry, and that the
``access`` claim covers the requested repository and actions. It challenges with
``Bearer realm="…",service="…",scope="repository:a:pull,push"``, and with
``error="insufficient_scope"`` when a token lacks an action. So a client passes only if it
runs the whole flow: 401 challenge, token request with that service and scope, retry
with the token it got.

The endpoint records every request it gets (scope, service, Authorization) so tests can
assert the flow. Policy, like Docker Hub: an anonymous request gets ``pull`` only; a
request with the right Basic credentials gets every action it asks for; wrong
credentials get 401.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

__all__ = [
    "BearerAuth",
    "TokenRequest",
    "TokenServer",
    "parse_challenge",
]

TOKEN_PATH = "/token"


@dataclass(frozen=True)
class TokenRequest:
    """One request the token endpoint received."""

    method: str
    path: str
    service: str | None
    scopes: tuple[str, ...]  # every `scope` parameter, split on spaces, in order
    authorization: str | None  # the raw Authorization header, if any
    account: str | None
    status: int  # what the endpoint answered
    granted: tuple[str, ...]  # scopes in the token: "repository:a/b:pull,push"
    user_agent: str | None = None
    form: dict[str, str] | None = None  # a POST's form fields (OAuth2), password removed


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    # "repository:name:pull,push"; "repository(plugin):name:pull"; names have no ':'
    # except a registry host with a port, so split the type off the left and the
    # actions off the right.
    kind, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not (sep and sep2 and kind and name):
        return None
    return kind.split("(", 1)[0], name, [a for a in actions.split(",") if a]


class TokenServer:
    """Token endpoint served from a thread on 127.0.0.1 (port chosen by the kernel).

    ``close()`` stops it. ``reset()`` clears the records and restores the defaults of
    the knobs below, which tests may change:

    - ``anonymous_actions``: actions granted without credentials (default ``{"pull"}``);
    - ``token_fields``: JSON fields carrying the token (default both ``token`` and
      ``access_token``; some registries send only one);
    - ``fail_status``: if set, every request is answered with this status and no token.
    """

    def __init__(
        self,
        directory: Path,
        *,
        service: str = "test-registry",
        issuer: str = "test-token-issuer",
        username: str | None = None,
        password: str | None = None,
        expires_in: int = 300,
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.username = username
        self.password = password
        self.expires_in = expires_in
        self.requests: list[TokenRequest] = []
        self.anonymous_actions: frozenset[str] = frozenset({"pull"})
        self.token_fields: tuple[str, ...] = ("token", "access_token")
        self.fail_status: int | None = None
        self._lock = threading.Lock()
        self._signer = _Signer.generate()
        self.cert_path = directory / "token-signer.pem"
        self.cert_path.write_bytes(self._signer.cert_pem)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self.realm = self.url + TOKEN_PATH
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="token-server",
            daemon=True,
        )
        self._thread.start()

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.requests.clear()

    def reset(self) -> None:
        """Forget the recorded requests and restore the default knobs."""
        self.clear()
        self.anonymous_actions = frozenset({"pull"})
        self.token_fields = ("token", "access_token")
        self.fail_status = None

    def close(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> TokenServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def issue(
        self,
        subject: str,
        access: Sequence[tuple[str, str, Sequence[str]]],
        *,
        issuer: str | None = None,
        audience: str | None = None,
        expires_in: int | None = None,
    ) -> str:
        """A signed token for (type, name, actions) triples; tests may forge their own
        (another issuer, audience or lifetime than this server's)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer if issuer is None else issuer,
            "sub": subject,
            "aud": self.service if audience is None else audience,
            "exp": now + (self.expires_in if expires_in is None else expires_in),
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": [
                {"type": kind, "name": name, "actions": list(actions)}
                for kind, name, actions in access
            ],
        }
        return self._signer.sign(claims)

    # Called from the handler thread.
    def _answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        # `headers` has lower-case names.
        split = urlsplit(target)
        params = {k: list(v) for k, v in parse_qs(split.query).items()}
        authorization = headers.get("authorization")
        form: dict[str, str] | None = None
        if method == "POST":
            # OAuth2 form (containerd, docker with a refresh token): parameters in the
            # body; grant_type=password carries the credentials as fields.
            fields = parse_qs(body.decode("utf-8", "replace"))
            for key, values in fields.items():
                params.setdefault(key, []).extend(values)
            form = {k: v[0] for k, v in fields.items() if k != "password"}
            if fields.get("grant_type") == ["password"] and authorization is None:
                pair = f"{fields.get('username', [''])[0]}:{fields.get('password', [''])[0]}"
                authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        service = params.get("service", [None])[0]
        account = params.get("account", [None])[0]
        scopes = tuple(s for param in params.get("scope", []) for s in param.split())
        status, answer, granted = self._decide(split.path, authorization, scopes)
        record = TokenRequest(
            method=method,
            path=split.path,
            service=service,
            scopes=scopes,
            authorization=headers.get("authorization"),
            account=account,
            status=status,
            granted=granted,
            user_agent=headers.get("user-agent"),
            form=form,
        )
        with self._lock:
            self.requests.append(record)
        return status, answer

    def _decide(
        self, path: str, authorization: str | None, scopes: tuple[str, ...]
    ) -> tuple[int, bytes, tuple[str, ...]]:
        if self.fail_status is not None:
            return self.fail_status, b'{"details": "token endpoint failure"}', ()
        if path != TOKEN_PATH:
            return 404, b'{"details": "not found"}', ()
        subject = ""
        actions_allowed: frozenset[str] | None = self.anonymous_actions
        if authorization is not None:
            if not self._credentials_ok(authorization):
                return 401, b'{"details": "incorrect username or password"}', ()
            subject = self.username or ""
            actions_allowed = None  # everything asked for
        access: list[tuple[str, str, list[str]]] = []
        for scope in scopes:
            parsed = _parse_scope(scope)
            if parsed is None:
                continue
            kind, name, actions = parsed
            if actions_allowed is not None:
                actions = [a for a in actions if a in actions_allowed]
            if actions:
                access.append((kind, name, actions))
        token = self.issue(subject, access)
        payload: dict[str, Any] = {
            "expires_in": self.expires_in,
            "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }
        for name in self.token_fields:
            payload[name] = token
        granted = tuple(f"{kind}:{name}:{','.join(acts)}" for kind, name, acts in access)
        return 200, json.dumps(payload).encode(), granted

    def _credentials_ok(self, authorization: str) -> bool:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic" or self.username is None:
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:
            return False
        user, _, password = decoded.partition(":")
        return secrets.compare_digest(user, self.username) and secrets.compare_digest(
            password, self.password or ""
        )


def _make_handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request_body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body = server._answer(self.command, self.path, headers, request_body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean; requests are in server.requests

    return Handler


@dataclass
class _Signer:
    """ES256 key and the self-signed certificate the registry trusts."""

    key: Any
    cert_pem: bytes
    cert_der: bytes

    @classmethod
    def generate(cls) -> _Signer:
        # Imported here so that a missing package only affects token tests.
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test token signer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(
            key=key,
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
            cert_der=cert.public_bytes(serialization.Encoding.DER),
        )

    def sign(self, claims: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        header = {
            "typ": "JWT",
            "alg": "ES256",
            "x5c": [base64.b64encode(self.cert_der).decode("ascii")],
        }
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        )
        der = self.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # JWS wants the raw 64-byte r || s form, not DER.
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return signing_input + "." + _b64url(signature)


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="x",service="y"`` -> ("bearer", {"realm": "x", "service": "y"})."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    i = 0
    while i < len(rest):
        while i < len(rest) and rest[i] in " ,":
            i += 1
        eq = rest.find("=", i)
        if eq < 0:
            break
        key = rest[i:eq].strip().lower()
        i = eq + 1
        if i < len(rest) and rest[i] == '"':
            i += 1
            value = []
            while i < len(rest) and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < len(rest):
                    i += 1
                value.append(rest[i])
                i += 1
            i += 1
            params[key] = "".join(value)
        else:
            end = rest.find(",", i)
            end = len(rest) if end < 0 else end
            params[key] = rest[i:end].strip()
            i = end
    return scheme.lower(), params


class BearerAuth(httpx.Auth):
    """The harness's own client side of the flow, used to seed a token registry.

    Answers a Bearer challenge by asking the realm for the challenged scope (with Basic
    credentials when given) and retries once. The last token per repository is reused.
    """

    requires_request_body = True

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        user_agent: str | None = None,
    ) -> None:
        self._user_agent = user_agent
        self._basic: str | None = None
        if username is not None:
            pair = f"{username}:{password or ''}".encode()
            self._basic = "Basic " + base64.b64encode(pair).decode("ascii")
        self._tokens: dict[str, str] = {}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        key = _repository(request.url.path)
        cached = self._tokens.get(key)
        if cached is not None:
            request.headers["Authorization"] = f"Bearer {cached}"
        response = yield request
        if response.status_code != 401:
            return
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme != "bearer" or "realm" not in params:
            return
        query: dict[str, str] = {k: params[k] for k in ("service", "scope") if k in params}
        token_request = httpx.Request("GET", params["realm"], params=query)
        if self._basic is not None:
            token_request.headers["Authorization"] = self._basic
        if self._user_agent is not None:
            token_request.headers["User-Agent"] = self._user_agent
        token_response = yield token_request
        token_response.read()
        if token_response.status_code != 200:
            return
        body = token_response.json()
        token = str(body.get("token") or body.get("access_token"))
        self._tokens[key] = token
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


def _repository(path: str) -> str:
    # /v2/<name>/(manifests|blobs|tags)/...: tokens are scoped to one repository.
    for marker in ("/manifests/", "/blobs/", "/tags/"):
        if marker in path:
            return path[len("/v2/") : path.index(marker)]
    return path
