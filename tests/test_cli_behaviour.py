"""The command line as a user meets it: ``--exclude``, the closing line, the text of
PIN900 and PIN901.  Exact output and exit code, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinlint import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)


# --- --exclude --------------------------------------------------------------------------


@pytest.fixture
def bench_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "bench/heldout/Dockerfile", "FROM nginx:latest\n")
    write(tmp_path, "bench/heldout/deep/compose.yaml", "services:\n  a:\n    image: redis\n")
    write(tmp_path, "bench/heldout-more/Dockerfile", "FROM python:3\n")
    write(tmp_path, "bench/other/Dockerfile", "FROM node:lts\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


OTHERS = (
    'bench/heldout-more/Dockerfile:1:6: PIN004 python:3 uses the partial version "3" [error]\n'
    'bench/other/Dockerfile:1:6: PIN003 node:lts uses the moving tag "lts" [error]\n'
    "Found 2 findings (2 errors) in 2 files; 2 files read.\n"
)


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param("bench/heldout", id="path-prefix"),
        pytest.param("bench/heldout/", id="trailing-slash"),
        pytest.param("./bench/heldout", id="dot-slash"),
        pytest.param("heldout", id="bare-name"),
        pytest.param("bench/held*t", id="glob-prefix"),
    ],
)
def test_exclude_a_directory(
    capsys: pytest.CaptureFixture[str], bench_tree: Path, pattern: str
) -> None:
    # Everything below the directory, at any depth; not its namesake with a suffix.
    assert run(capsys, "--exclude", pattern, ".") == (1, OTHERS, "")
    assert run(capsys, "--exclude", pattern, "bench") == (1, OTHERS, "")


def test_exclude_a_directory_from_the_config(
    capsys: pytest.CaptureFixture[str], bench_tree: Path
) -> None:
    write(bench_tree, ".pinlint.toml", 'exclude = ["bench/heldout"]\n')
    assert run(capsys, ".") == (1, OTHERS, "")


def test_named_file_in_an_excluded_directory_is_skipped(
    capsys: pytest.CaptureFixture[str], bench_tree: Path
) -> None:
    # As documented: a file named on the command line still honours exclude.
    named = ("bench/heldout/Dockerfile", "bench/other/Dockerfile")
    assert run(capsys, "--exclude", "bench/heldout", *named) == (
        1,
        'bench/other/Dockerfile:1:6: PIN003 node:lts uses the moving tag "lts" [error]\n'
        "Found 1 finding (1 error) in 1 file; 1 file read.\n",
        "",
    )
    absolute = str(bench_tree / "bench" / "heldout" / "Dockerfile")
    assert run(capsys, "--exclude", "bench/heldout", absolute) == (
        0,
        "No findings; 0 files read.\n",
        "",
    )


def test_exclude_globs_still_match_names_and_paths(
    capsys: pytest.CaptureFixture[str], bench_tree: Path
) -> None:
    expected = (
        'bench/heldout-more/Dockerfile:1:6: PIN004 python:3 uses the partial version "3" [error]\n'
        "bench/heldout/deep/compose.yaml:3:12: PIN002 redis has no tag and no digest "
        "(it means latest) [error]\n"
        'bench/other/Dockerfile:1:6: PIN003 node:lts uses the moving tag "lts" [error]\n'
        "Found 3 findings (3 errors) in 3 files; 3 files read.\n"
    )
    assert run(capsys, "--exclude", "bench/heldout/Dockerfile", ".") == (1, expected, "")
    # A trailing slash names directories only: no directory is called Dockerfile.
    assert run(capsys, "--exclude", "Dockerfile/", "--exclude", "*.yaml", ".") == (
        1,
        'bench/heldout-more/Dockerfile:1:6: PIN004 python:3 uses the partial version "3" [error]\n'
        'bench/heldout/Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        'bench/other/Dockerfile:1:6: PIN003 node:lts uses the moving tag "lts" [error]\n'
        "Found 3 findings (3 errors) in 3 files; 3 files read.\n",
        "",
    )
    assert run(capsys, "--exclude", "Dockerfile,*.yaml", ".") == (
        0,
        "No findings; 0 files read.\n",
        "",
    )


# --- the closing line -------------------------------------------------------------------


def test_closing_line_counts_files_read_and_named_files_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "README.md", "FROM nginx:latest\n")
    write(tmp_path, "notes.txt", "x\n")
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    write(tmp_path, "deploy/compose.yaml", "services:\n  web:\n    image: redis:7.4.1\n")
    monkeypatch.chdir(tmp_path)
    finding = 'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
    assert run(capsys, "README.md", "Dockerfile") == (
        1,
        finding + "Found 1 finding (1 error) in 1 file; 1 file read, 1 named file skipped "
        "(not a file pinlint reads).\n",
        "pinlint: README.md: not a file pinlint reads\n",
    )
    assert run(capsys, "README.md", "notes.txt", "deploy") == (
        0,
        "No findings; 1 file read, 2 named files skipped (not files pinlint reads).\n",
        "pinlint: README.md: not a file pinlint reads\n"
        "pinlint: notes.txt: not a file pinlint reads\n",
    )
    # A directory walk reads what it recognises and passes over the rest in silence.
    assert run(capsys, ".") == (
        1,
        finding + "Found 1 finding (1 error) in 1 file; 2 files read.\n",
        "",
    )
    # --quiet: the findings only; machine formats: no closing line at all.
    assert run(capsys, "--quiet", "README.md", "Dockerfile") == (
        1,
        finding,
        "pinlint: README.md: not a file pinlint reads\n",
    )
    code, out, _ = run(capsys, "--format", "json", "README.md", "Dockerfile")
    assert (code, out.count('"rule"')) == (1, 1)
