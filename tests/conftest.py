"""Shared fixtures: real registries (see registry_server.py for the harness).

Each registry is started once per test session (tens of milliseconds, but three of
them per run add up) and shared: use a fresh repository name per test
(``registry.new_repo("name")``). The function-scoped fixtures clear the request log
(and the token endpoint's records and knobs) before each test, so ``request_log()``
shows only what the test itself caused.

A missing ``docker-registry``/``skopeo`` (or Python package) fails the test under
``CI=true`` and skips it elsewhere, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import registry_server
from helpers import isolate
from registry_server import (
    AuthRegistry,
    Registry,
    SkopeoDigest,
    TokenRegistry,
    require_tool,
    start_auth_registry,
    start_registry,
    start_token_registry,
)


@pytest.fixture(scope="session")
def registry_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with start_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="session")
def auth_registry_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthRegistry]:
    with start_auth_registry(tmp_path_factory.mktemp("auth-registry")) as running:
        yield running


@pytest.fixture(scope="session")
def token_registry_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    with start_token_registry(tmp_path_factory.mktemp("token-registry")) as running:
        yield running


@pytest.fixture
def registry(registry_session: Registry) -> Registry:
    """An anonymous registry; request log cleared for this test."""
    registry_session.clear_log()
    return registry_session


@pytest.fixture
def auth_registry(auth_registry_session: AuthRegistry) -> AuthRegistry:
    """``auth: htpasswd`` (bcrypt): .username/.password; request log cleared."""
    auth_registry_session.clear_log()
    return auth_registry_session


@pytest.fixture
def token_registry(token_registry_session: TokenRegistry) -> TokenRegistry:
    """``auth: token`` + token endpoint (.tokens); logs cleared, token knobs reset."""
    token_registry_session.tokens.reset()
    token_registry_session.clear_log()
    return token_registry_session


@pytest.fixture(scope="session")
def skopeo_digest() -> SkopeoDigest:
    """``skopeo_digest("HOST/repo:tag", creds="user:pw")`` -> "sha256:…" of the raw manifest."""
    require_tool("skopeo")
    return registry_server.skopeo_digest


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real user credentials or cache, loopback only (see ``helpers.isolate``).

    Modules whose every test talks to a registry use it for all their tests with
    ``pytestmark = pytest.mark.usefixtures("isolated")``.
    """
    isolate(monkeypatch, tmp_path)
