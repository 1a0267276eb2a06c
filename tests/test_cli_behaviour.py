"""The command line as a user meets it: ``--exclude``, the closing line, the text of
PIN900 and PIN901.  Exact output and exit code, offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import plain_env, run_pinlint
from helpers import run_main as run
from helpers import write_file as write


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_env(monkeypatch)


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


# --- PIN900 quotes the text it could not parse ------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        pytest.param(
            "Dockerfile",
            "FROM alpine:3.20.1\nRUN <<EOF\necho hi\n",
            'Dockerfile:2:1: PIN900 unterminated heredoc in "RUN <<EOF"',
            id="dockerfile-heredoc",
        ),
        pytest.param(
            "Dockerfile",
            "# escape=x\nFROM alpine:3.20.1\n",
            "Dockerfile:1:10: PIN900 invalid escape token 'x' does not match ` or \\ "
            'in "# escape=x"',
            id="dockerfile-directive",
        ),
        pytest.param(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27.3\n   bad: [\n  db:\n",
            "compose.yaml:4:4: PIN900 invalid YAML: did not find expected key while parsing "
            'a block mapping in "bad: ["',
            id="yaml-middle",
        ),
        pytest.param(
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: 'nginx:1.27.3\n",
            "pod.yaml:5:27: PIN900 invalid YAML: found unexpected end of stream while "
            'scanning a quoted scalar in "- image: \'nginx:1.27.3"',
            id="yaml-end-of-stream",
        ),
        pytest.param(
            ".devcontainer.json",
            '{\n  "image": "mcr.microsoft.com/devcontainers/base:1.2.3"\n  "features": {}\n}\n',
            ".devcontainer.json:3:3: PIN900 invalid JSON: Expecting ',' delimiter "
            'in ""features": {}"',
            id="json",
        ),
        pytest.param(
            "docker-bake.hcl",
            'target "app" {\n  args = {\n',
            "docker-bake.hcl:2:11: PIN900 invalid HCL: expected '}' in \"args = {\"",
            id="hcl-end-of-file",
        ),
        pytest.param(
            "compose.yaml",
            'services:\n  web:\n    image: "\x1b[2Jnginx:1.27.3"\n',
            "compose.yaml:3:13: PIN900 invalid YAML: unacceptable character #x001b: control "
            'characters are not allowed in "image: "\\x1b[2Jnginx:1.27.3""',
            id="terminal-escape",
        ),
        pytest.param(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27.3\n    command: ["
            + ", ".join(f"v{i}" for i in range(40))
            + " : : x, "
            + ", ".join(f"w{i}" for i in range(40))
            + "]\n",
            "compose.yaml:4:206: PIN900 invalid YAML: did not find expected node content while "
            'parsing a flow node in "…34, v35, v36, v37, v38, v39 : : x, w0, w1, w2, w3, w4, '
            'w5, w…"',
            id="long-line-bounded",
        ),
        pytest.param(
            "Dockerfile",
            b"FROM alpine:3.20.1\n# caf\xe9 au lait\n",
            "Dockerfile:2:6: PIN900 not valid UTF-8 (byte 0xe9 at offset 24; read with it "
            'replaced) in "# caf\ufffd au lait"',
            id="bad-byte",
        ),
        pytest.param(
            "Dockerfile",
            b"FROM alpine\x00\n",
            "Dockerfile:1:1: PIN900 binary file (NUL byte at offset 11)",
            id="binary-no-quote",
        ),
    ],
)
def test_parse_error_quotes_the_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: str | bytes,
    line: str,
) -> None:
    write(tmp_path, name, content)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, name) == (
        1,
        f"{line} [error]\nFound 1 finding (1 error) in 1 file; 1 file read.\n",
        "",
    )


# --- PIN901: a directive that ignores nothing -------------------------------------------

PINNED = "redis:7.4.1@sha256:" + "a" * 64

COMPOSE_DIRECTIVES = f"""\
services:
  a:
    image: nginx:latest # pinlint: ignore[PIN004]
  b:
    image: redis:7.4.1 # pinlint: ignore
  c:
    image: {PINNED} # pinlint: ignore
  d:
    image: nginx:latest # pinlint: ignore[latest-tag]
  e:
    image: nginx:latest # pinlint: ignore[moving-tag]
  f:
    image: nginx:latest # pinlint: ignore[PIN001,PIN004]
  g:
    image: redis:7.4.1 # pinlint: ignore[PIN005]
  h:
    image: redis:7.4.1 # pinlint: ignore[PIN104]
  i:
    # pinlint: ignore
    image: python:3
"""


def test_directive_whose_rule_does_not_fire_is_pin901(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "compose.yaml", COMPOSE_DIRECTIVES)
    monkeypatch.chdir(tmp_path)
    latest = 'PIN001 nginx:latest uses the moving tag "latest" [error]'
    # c: a pin only --resolve checks; d, i: used (by name, and alone on the line above);
    # g: PIN005 is off in this run; h: an online rule an offline run cannot judge.
    assert run(capsys, "compose.yaml") == (
        1,
        f"compose.yaml:3:12: {latest}\n"
        'compose.yaml:3:25: PIN901 "# pinlint: ignore[PIN004]": no PIN004 finding on line 3 '
        "to ignore [warning]\n"
        'compose.yaml:5:24: PIN901 "# pinlint: ignore" has nothing to ignore: no finding on '
        "line 5 [warning]\n"
        f"compose.yaml:11:12: {latest}\n"
        'compose.yaml:11:25: PIN901 "# pinlint: ignore[moving-tag]": no moving-tag finding '
        "on line 11 to ignore [warning]\n"
        'compose.yaml:13:25: PIN901 "# pinlint: ignore[PIN001,PIN004]": no PIN004 finding '
        "on line 13 to ignore [warning]\n"
        "Found 6 findings (2 errors, 4 warnings) in 1 file; 1 file read.\n",
        "",
    )
    # With require-digest, PIN005 fires on b, g and h: the directives of b and g are
    # used, h's (PIN104) does not silence it.
    code, out, _ = run(capsys, "--require-digest", "--quiet", "compose.yaml")
    assert (code, [line.split(" ", 2)[:2] for line in out.splitlines()]) == (
        1,
        [
            ["compose.yaml:3:12:", "PIN001"],
            ["compose.yaml:3:25:", "PIN901"],
            ["compose.yaml:11:12:", "PIN001"],
            ["compose.yaml:11:25:", "PIN901"],
            ["compose.yaml:13:25:", "PIN901"],
            ["compose.yaml:17:12:", "PIN005"],
        ],
    )
    # With --resolve the online rules run next: a bare directive on a reference may be
    # there for them (b), and is not judged; those naming offline rules still are.
    from helpers import isolate

    isolate(monkeypatch, tmp_path)
    code, out, _ = run(capsys, "--resolve", "--offline", "--quiet", "compose.yaml")
    assert (code, [line.split(" ", 2)[:2] for line in out.splitlines()]) == (
        1,
        [
            ["compose.yaml:3:12:", "PIN001"],
            ["compose.yaml:3:25:", "PIN901"],
            ["compose.yaml:11:12:", "PIN001"],
            ["compose.yaml:11:25:", "PIN901"],
            ["compose.yaml:13:25:", "PIN901"],
        ],
    )
    # --ignore PIN901 turns the rule off.
    assert run(capsys, "--ignore", "unused-ignore", "--quiet", "compose.yaml") == (
        1,
        f"compose.yaml:3:12: {latest}\ncompose.yaml:11:12: {latest}\n",
        "",
    )


def test_directive_in_a_dockerfile_judged_where_the_reference_is_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The finding of an ARG default is at the default; a directive above the FROM that
    # uses it silences it, and is used.
    write(
        tmp_path,
        "Dockerfile",
        "ARG BASE=python:3\n# pinlint: ignore[PIN004]\nFROM ${BASE}\n"
        "# pinlint: ignore\nFROM alpine:3.20.1\n# pinlint: ignore[PIN003]\nFROM node:20\n",
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "Dockerfile") == (
        1,
        'Dockerfile:4:1: PIN901 "# pinlint: ignore" has nothing to ignore: no finding on '
        "line 5 [warning]\n"
        'Dockerfile:6:1: PIN901 "# pinlint: ignore[PIN003]": no PIN003 finding on line 7 to '
        "ignore [warning]\n"
        'Dockerfile:7:6: PIN004 node:20 uses the partial version "20" [error]\n'
        "Found 3 findings (1 error, 2 warnings) in 1 file; 1 file read.\n",
        "",
    )


def test_explain_of_parse_error_and_unused_ignore_says_directives_do_not_silence_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silence = (
        "Silence it:\n"
        '  everywhere   ignore = ["PIN901"] in [tool.pinlint] or .pinlint.toml, or --ignore '
        "PIN901\n"
        '  one file     exclude = ["path/to/file"] in the configuration, or --exclude\n'
        "A # pinlint: ignore directive does not silence it.\n"
        "Rules are named by id or name: --ignore unused-ignore works too.\n"
    )
    code, out, err = run(capsys, "--explain", "unused-ignore")
    assert (code, out.endswith("\n\n" + silence), err) == (0, True, "")
    assert "one line" not in run(capsys, "--explain", "PIN900")[1]
    assert "one line" in run(capsys, "--explain", "PIN001")[1]
    # What the explanation says: a directive naming PIN901 or PIN900 silences nothing.
    write(
        tmp_path, "compose.yaml", "services:\n  a:\n    image: [nginx:1.27.3  # pinlint: ignore\n"
    )
    write(
        tmp_path,
        "Dockerfile",
        "# pinlint: ignore[PIN901]\n# pinlint: ignore [PIN004]\nFROM python:3\n",
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--quiet", ".") == (
        1,
        'Dockerfile:1:1: PIN901 "# pinlint: ignore[PIN901]" has nothing to ignore: no image '
        "reference on line 2 [warning]\n"
        'Dockerfile:2:1: PIN901 "# pinlint: ignore [PIN004]" is not a directive pinlint '
        'reads; write "# pinlint: ignore" or "# pinlint: ignore[RULE,...]" [warning]\n'
        'Dockerfile:3:6: PIN004 python:3 uses the partial version "3" [error]\n'
        "compose.yaml:3:44: PIN900 invalid YAML: did not find expected ',' or ']' while "
        'parsing a flow sequence in "image: [nginx:1.27.3  # pinlint: ignore" [error]\n',
        "",
    )


# --- the console entry: ends without the interpreter's shutdown -------------------------


def test_console_entry_writes_all_output_through_a_pipe(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process ends with os._exit once main() returns: every byte must be flushed
    # first, also when it is far more than a pipe holds (64 KiB).  Output buffered as
    # a user's shell has it (a development shell may set PYTHONUNBUFFERED).
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    for i in range(300):
        write(tmp_path, f"s{i:03}/Dockerfile", "FROM nginx:latest\nFROM python:3\n" * 5)
    monkeypatch.chdir(tmp_path)
    expected = run(capsys, ".")
    for fmt in ("text", "json"):
        p = run_pinlint(tmp_path, tmp_path, "--format", fmt, ".")
        assert (p.returncode, p.stdout.decode(), p.stderr.decode()) == run(
            capsys, "--format", fmt, "."
        )
    assert len(expected[1]) > 150_000
    # And far less than the buffer in front of the pipe (8 KiB): one file.
    p = run_pinlint(tmp_path, tmp_path, "s000/Dockerfile")
    assert (p.returncode, p.stdout.decode(), p.stderr.decode()) == run(capsys, "s000/Dockerfile")
    assert p.stdout.count(b"\n") == 11


def test_console_entry_when_the_reader_goes_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``pinlint | head -1``: exit 1, no traceback and no "Exception ignored" message.
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    for i in range(300):
        write(tmp_path, f"s{i:03}/Dockerfile", "FROM nginx:latest\n" * 10)
    with subprocess.Popen(
        [sys.executable, "-m", "pinlint", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.readline().startswith(b"s000/Dockerfile:1:6: PIN001")
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 1
    assert err == b""


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["s000/Dockerfile"], id="one-file"),
        pytest.param(["."], id="streamed-tree"),
        pytest.param(["--format", "json", "."], id="streamed-json"),
        pytest.param([f"s{i:03}/Dockerfile" for i in range(300)], id="files-named"),
    ],
)
def test_output_that_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], unbuffered: bool
) -> None:
    # A full disk (/dev/full): one line and exit 2, whether the write fails while the
    # report is written, as it streams, or when it is flushed at the end; never a
    # silent success or a traceback.
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    if unbuffered:
        monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    for i in range(300):
        write(tmp_path, f"s{i:03}/Dockerfile", "FROM nginx:latest\nFROM python:3\n" * 5)
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [sys.executable, "-m", "pinlint", *args],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
        )
    message = b"pinlint: cannot write the output: No space left on device\n"
    assert (p.returncode, p.stderr) == (2, message)
