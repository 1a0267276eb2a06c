"""Hostile configs and baselines: a config in the checked tree is untrusted.

Each test commits the attack (a config file in the tree, or one above it, a baseline) and
runs pinlint as a user would, in a child process with a time limit: one line naming the
file and exit 2, or the config is not used at all; never a traceback, never a hang.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import run_pinlint


def _tree(root: Path, config: str | bytes | None = None, name: str = ".pinlint.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text("FROM nginx:1.27\n", encoding="utf-8")
    if config is not None:
        data = config.encode() if isinstance(config, str) else config
        (root / name).write_bytes(data)
    return root


def _one_line_exit_2(proc: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("name", "config", "needle"),
    [
        pytest.param("pyproject.toml", "tool = 1\n", "", id="tool-not-a-table"),
        pytest.param("pyproject.toml", "[tool]\npinlint = 1\n", "table", id="pinlint-not-table"),
        pytest.param(".pinlint.toml", b"ignore = ['\xff']\n", "UTF-8", id="not-utf8"),
        pytest.param(".pinlint.toml", "x = " + "[" * 100_000 + "\n", "TOML", id="deep-nesting"),
        pytest.param(".pinlint.toml", "concurrency = 100000000000000000000\n", "1 to", id="huge"),
        pytest.param(".pinlint.toml", "concurrency = 1e20\n", "whole number", id="float"),
        pytest.param(".pinlint.toml", "cache-ttl = nan\n", "seconds", id="nan"),
        pytest.param(".pinlint.toml", "cache-ttl = inf\n", "seconds", id="inf"),
        pytest.param(
            ".pinlint.toml",
            'registry-mirrors = {"docker.io" = "https://[::1"}\n',
            "not a registry URL",
            id="mirror-bracket",
        ),
        pytest.param(
            ".pinlint.toml",
            'registry-mirrors = {"docker.io" = "ftp://mirror.example"}\n',
            "not a registry URL",
            id="mirror-scheme",
        ),
        pytest.param(
            ".pinlint.toml",
            'registry-mirrors = {"docker.io" = "mirror.example:port"}\n',
            "not a registry URL",
            id="mirror-port",
        ),
    ],
)
def test_malformed_config_is_one_line(tmp_path: Path, name: str, config: str, needle: str) -> None:
    tree = _tree(tmp_path / "repo", config, name)
    # Found by the search (a .pinlint.toml) or named (the Action's config input).
    proc = run_pinlint(tmp_path, tree, "--config", name, ".", timeout=60)
    _one_line_exit_2(proc, name, needle)
    if name == ".pinlint.toml":
        _one_line_exit_2(run_pinlint(tmp_path, tree, ".", timeout=60), name, needle)


def test_config_that_never_ends(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "repo")
    proc = run_pinlint(tmp_path, tree, "--config", "/dev/zero", ".", timeout=60)
    _one_line_exit_2(proc, "/dev/zero", "too large")


def test_redos_pattern_in_the_tree_config(tmp_path: Path) -> None:
    # (a|aa)+$ against sixty "a" and a "-": Python's re takes longer than the universe.
    tree = _tree(tmp_path / "repo", 'exact-tags = ["(a|aa)+$"]\n')
    (tree / "Dockerfile").write_text("FROM nginx:" + "a" * 60 + "-\n", encoding="utf-8")
    proc = run_pinlint(tmp_path, tree, ".", timeout=60)
    _one_line_exit_2(proc, "exact-tags", "(a|aa)+$", "took more than")
    # A table-form pattern is bounded the same way.
    (tree / ".pinlint.toml").write_text('[exact-tags]\n"*" = "(a|aa)+$"\n', encoding="utf-8")
    proc = run_pinlint(tmp_path, tree, ".", timeout=60)
    _one_line_exit_2(proc, "exact-tags", "took more than")


def test_sane_patterns_still_work(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "repo", 'exact-tags = ["[0-9]+\\\\.[0-9]+"]\n')
    proc = run_pinlint(tmp_path, tree, ".", timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_config_above_the_repository_is_not_used(tmp_path: Path) -> None:
    # A runner's work directory (or /tmp) with a config that would silence everything.
    (tmp_path / ".pinlint.toml").write_text('ignore = ["PIN"]\n', encoding="utf-8")
    repo = _tree(tmp_path / "work" / "repo")
    (repo / ".git").mkdir()
    (repo / "Dockerfile").write_text("FROM nginx:latest\n", encoding="utf-8")
    proc = run_pinlint(tmp_path, repo, ".", timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert b"PIN001" in proc.stdout
    # The repository's own config, and --config, are used as before.
    (repo / "pyproject.toml").write_text('[tool.pinlint]\nignore = ["PIN001"]\n')
    assert run_pinlint(tmp_path, repo, ".").returncode == 0
    (repo / "pyproject.toml").unlink()
    config = str(tmp_path / ".pinlint.toml")
    assert run_pinlint(tmp_path, repo, "--config", config, ".").returncode == 0


@pytest.mark.parametrize(
    "baseline",
    [
        pytest.param('{"findings": [{"path": "a", "rule": "b", "image": "c", "count": 1e999}]}'),
        pytest.param('{"findings": ' + "[" * 100_000 + "]" * 100_000 + "}", id="deep"),
        pytest.param('{"findings": [{"path": "a", "rule": "b", "image": "c", "count": 1.5}]}'),
        pytest.param('{"findings": 3}', id="not-a-list"),
        pytest.param('{"findings": [1]}', id="not-objects"),
        pytest.param("[]", id="array"),
    ],
)
def test_malformed_baseline_is_one_line(tmp_path: Path, baseline: str) -> None:
    tree = _tree(tmp_path / "repo")
    (tree / "baseline.json").write_text(baseline, encoding="utf-8")
    proc = run_pinlint(tmp_path, tree, "--baseline", "baseline.json", ".", timeout=60)
    _one_line_exit_2(proc, "baseline.json", "not a pinlint baseline")


def test_unreadable_config_is_one_line(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "repo")
    (tree / ".pinlint.toml").mkdir()  # a directory where the config should be
    proc = run_pinlint(tmp_path, tree, "--config", ".pinlint.toml", ".", timeout=60)
    _one_line_exit_2(proc, ".pinlint.toml")
    assert os.path.isdir(tree / ".pinlint.toml")
