"""The per-run project context: other files of the scanned tree, read once and safely.

Exercised through the compose ``.env``, the first source that reads a second file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import time_limit
from pinlint import lint
from pinlint.config import Config
from pinlint.formats import MAX_FILE_SIZE, Project, ScanOptions, compose
from pinlint.formats.yamlfile import scan

COMPOSE = "services:\n  web:\n    image: ${IMG}\n"


def _image(path: Path, project: Project | None = None) -> str | None:
    [occ] = scan(str(path), path.read_text(), ScanOptions(), project)
    return occ.image


def test_env_beside_the_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("IMG=nginx:1.27.3\n")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    assert _image(tmp_path / "compose.yaml", Project([str(tmp_path)])) == "nginx:1.27.3"


def test_env_symlink_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    # A secret outside the scanned tree must not reach a finding's message.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secrets.env").write_text("IMG=registry.example/token-abc123:1\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".env").symlink_to(outside / "secrets.env")
    (tree / "compose.yaml").write_text(COMPOSE)
    assert _image(tree / "compose.yaml", Project([str(tree)])) is None
    # Named on its own, a file's tree is its directory: the same answer.
    assert _image(tree / "compose.yaml", Project([str(tree / "compose.yaml")])) is None
    result = lint.lint_paths([str(tree)], Config())
    assert all("token-abc123" not in f.message for f in result.findings)


def test_env_symlink_inside_the_tree_is_followed(tmp_path: Path) -> None:
    (tmp_path / "shared.env").write_text("IMG=nginx:1.27.3\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".env").symlink_to(tmp_path / "shared.env")
    (sub / "compose.yaml").write_text(COMPOSE)
    assert _image(sub / "compose.yaml", Project([str(tmp_path)])) == "nginx:1.27.3"


def test_env_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".env")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    with time_limit(10):
        assert _image(tmp_path / "compose.yaml", Project([str(tmp_path)])) is None


def test_env_directory_or_oversized_or_binary_is_no_env(tmp_path: Path) -> None:
    makers: tuple[tuple[str, Callable[[Path], object]], ...] = (
        ("dir", lambda p: p.mkdir()),
        ("big", lambda p: p.write_bytes(b"IMG=a:1\n" + b"#" * MAX_FILE_SIZE)),
        ("bad", lambda p: p.write_bytes(b"IMG=caf\xe9:1\n")),
    )
    for name, make in makers:
        sub = tmp_path / name
        sub.mkdir()
        make(sub / ".env")
        (sub / "compose.yaml").write_text(COMPOSE)
        assert _image(sub / "compose.yaml", Project([str(tmp_path)])) is None, name


def test_env_read_once_per_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("IMG=nginx:1.27.3\n")
    for name in ("compose.yaml", "compose.prod.yaml", "docker-compose.yml"):
        (tmp_path / name).write_text(COMPOSE)
    reads: list[str] = []
    real = compose.parse_dotenv

    def counting(source: str) -> dict[str, str]:
        reads.append(source)
        return real(source)

    monkeypatch.setattr(compose, "parse_dotenv", counting)
    result = lint.lint_paths([str(tmp_path)], Config())
    assert sorted(o.image or "" for o in result.occurrences) == ["nginx:1.27.3"] * 3
    assert len(reads) == 1


def test_env_not_read_without_variables(tmp_path: Path) -> None:
    # The .env is read only when a reference uses a variable (most compose files).
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    project = Project([str(tmp_path)])
    _image(tmp_path / "compose.yaml", project)
    assert project._facts == {}


def test_fact_is_computed_once() -> None:
    project = Project()
    calls: list[int] = []

    def compute(call: int, value: str) -> str:
        calls.append(call)
        return value

    assert project.fact(("t", 1), lambda: compute(1, "a")) == "a"
    assert project.fact(("t", 1), lambda: compute(2, "b")) == "a"
    assert calls == [1]
