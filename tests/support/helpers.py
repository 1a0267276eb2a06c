"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real user credentials, no real user cache, loopback only.

    A name that would need DNS is a bug in the test: tests talk to 127.0.0.1 only.
    """
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.setenv("PINLINT_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "::1") and not name.startswith("127."):
            raise AssertionError(f"tests must not resolve {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging if a regex backtracks without end (POSIX only)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def scan_rows(
    text: str, path: str = "deploy/app.yaml", kind: str = "yaml"
) -> list[tuple[Any, ...]]:
    """What a source finds, as ``(line, column, written, image, extra)`` rows.

    ``extra`` is the split name for a reference written in parts, else the line where
    the reference is used when that differs, else None.  Every span is checked to hold
    what it says it holds.
    """
    from pinlint import formats

    found = formats.scan(kind, path, text, formats.ScanOptions())
    rows: list[tuple[Any, ...]] = []
    for o in found:
        assert text[o.start : o.end] == o.written
        assert o.path == path
        extra = o.split.name if o.split is not None else o.use_line
        rows.append((o.line, o.column, o.written, o.image, extra))
    return rows


def rule_of(text: str, path: str = "deploy/app.yaml") -> list[str]:
    """The rule each reference of ``text`` gets offline by default (``-`` for none)."""
    from pinlint import formats, rules

    found = formats.scan("yaml", path, text, formats.ScanOptions())
    out = []
    for o in found:
        f = rules.check(o, rules.selected_rules(None, ()))
        out.append(f"{f.rule} {f.severity.value}" if f else "-")
    return out


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``pinlint ARGV`` in this process: exit code, stdout, stderr."""
    from pinlint import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_file(root: Path, name: str, content: str | bytes) -> Path:
    """``root/name`` with ``content`` exactly (no newline translation), folders made."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CI job's or terminal's choice of output format or colour."""
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)


def run_pinlint(
    tmp_path: Path,
    cwd: Path,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m pinlint ARGS`` in ``cwd`` as a user would run it, bytes captured.

    No variable of an enclosing CI job or of the user's Docker setup reaches it; the
    cache and Docker config are under ``tmp_path``; ``env`` adds variables.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "PINLINT_", "DOCKER_"))
    }
    clean.update(PINLINT_CACHE_DIR=str(tmp_path / "cache"), DOCKER_CONFIG=str(tmp_path / "dc"))
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pinlint", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
