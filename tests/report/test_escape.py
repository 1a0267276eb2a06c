"""Output injection: what a hostile file (a pull request) can make pinlint print.

Each test commits the attack to a real tree (a directory name, a YAML double-quoted
image, a file name that is not UTF-8), runs pinlint as the user or CI would (a child
process, bytes captured) and checks what the victim sees: no control sequence reaches
the terminal, no forged workflow command reaches the Actions log, no link reaches the job
summary, and no format crashes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_pinlint
from pinlint.report.escape import json_dumps, printable

ESC = "\x1b"
# Clear the screen, home the cursor, print a fake all-clear and hide the rest.
TERMINAL_ATTACK = f"{ESC}[2J{ESC}[HNo findings.{ESC}[8m\x07"
WORKFLOW_ATTACK = "\n::stop-commands::pwned\n::error file=README.md::fake"


def _pinlint(
    tmp_path: Path, cwd: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[bytes]:
    return run_pinlint(tmp_path, cwd, *args, env=env)


def _hostile_tree(root: Path) -> Path:
    """A directory whose name and files carry terminal and workflow-command attacks."""
    tree = root / "tree"
    evil_dir = tree / f"svc{TERMINAL_ATTACK}{WORKFLOW_ATTACK}"
    evil_dir.mkdir(parents=True)
    (evil_dir / "Dockerfile").write_text("FROM nginx:latest\n", encoding="utf-8")
    # YAML double quotes turn \e, \a and \n into the characters themselves.
    (tree / "compose.yaml").write_text(
        "services:\n"
        '  web:\n    image: "nginx\\e[2J\\e[HNo findings.\\a"\n'
        '  db:\n    image: "redis\\n::stop-commands::pwned\\n::error::fake\\u2028x\\x85y"\n',
        encoding="utf-8",
    )
    return tree


def test_printable_escapes_controls_separators_bidi_and_surrogates() -> None:
    assert printable("nginx:1.27") == "nginx:1.27"
    assert printable("café") == "café"
    assert printable("a\x1b[2Jb\x07\x00\x7f\x85\x9b") == "a\\x1b[2Jb\\x07\\x00\\x7f\\x85\\x9b"
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("a\u2028b\u2029c\u202ed\u2066e") == "a\\u2028b\\u2029c\\u202ed\\u2066e"
    assert printable(os.fsdecode(b"Dockerfile.\xff")) == "Dockerfile.\\xff"
    assert printable("\ud800") == "\\ud800"


def test_json_dumps_is_lossless_and_printable() -> None:
    value = ["a\x1b\x85\u2028\u202e", os.fsdecode(b"x\xff"), "café"]
    text = json_dumps(value)
    assert text.isascii() or set(text) - set(map(chr, range(128))) == {"é"}
    assert all(c.isprintable() or c in "\n" for c in text)
    assert json.loads(text) == value
    text.encode("utf-8")  # no lone surrogate left


def test_text_format_sends_no_control_sequence_to_the_terminal(tmp_path: Path) -> None:
    tree = _hostile_tree(tmp_path)
    proc = _pinlint(tmp_path, tree, ".", "--color", "never")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("utf-8")
    for char in (ESC, "\x07", "\x85", "\u2028"):
        assert char not in out
    lines = out.splitlines()
    # Three findings and the count: no extra line, no fake "No findings." line.
    assert len(lines) == 4, lines
    assert lines[-1].startswith("Found 3 findings")
    assert not any(line.startswith("No findings") for line in lines)
    assert "\\x1b[2J" in out  # the attack is shown, spelled out
    assert proc.stderr == b""

    colored = _pinlint(tmp_path, tree, ".", "--color", "always").stdout.decode()
    # Only pinlint's own SGR colour codes (ESC [ digits m) remain.
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored).count(ESC) == 0


def test_github_format_forges_no_workflow_command(tmp_path: Path) -> None:
    tree = _hostile_tree(tmp_path)
    summary = tmp_path / "summary.md"
    proc = _pinlint(tmp_path, tree, ".", "--format", "github", GITHUB_STEP_SUMMARY=str(summary))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("utf-8")
    lines = out.splitlines()
    assert len(lines) == 3, lines  # one annotation per finding, nothing else
    for line in lines:
        assert re.match(r"::(error|warning) file=[^:]*::", line), line
    assert ESC not in out
    assert "\x07" not in out
    text = summary.read_text(encoding="utf-8")
    assert ESC not in text
    assert "\x07" not in text
    assert "\u2028" not in text


def test_summary_makes_no_link_of_text_from_a_file(tmp_path: Path) -> None:
    import cmarkgfm  # type: ignore[import-untyped]  # GitHub's Markdown renderer (cmark-gfm)

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "compose.yaml").write_text(
        "services:\n"
        "  a:\n    image: www.evil.example/phish\n"
        "  b:\n    image: 'https://evil.example/login now'\n"
        "  c:\n    image: 'mail admin@evil.example'\n"
        "  d:\n    image: '<img src=https://evil.example/t.png>'\n",
        encoding="utf-8",
    )
    summary = tmp_path / "summary.md"
    proc = _pinlint(tmp_path, tree, ".", "--format", "github", GITHUB_STEP_SUMMARY=str(summary))
    assert proc.returncode == 1, proc.stderr
    markdown = summary.read_text(encoding="utf-8")
    assert markdown.count("evil.example") >= 8  # image and message of each of the four
    html = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert "<a " not in html
    assert "<img" not in html


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes")
def test_file_name_that_is_not_utf8_in_every_format(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    name = b"Dockerfile.\xff\xfe"
    with open(os.path.join(os.fsencode(tree), name), "wb") as f:
        f.write(b"FROM nginx:latest\n")
    (tree / "Dockerfile").write_text("FROM redis\n", encoding="utf-8")
    for fmt in ("text", "json", "sarif", "github"):
        proc = _pinlint(tmp_path, tree, ".", "--format", fmt)
        assert proc.returncode == 1, (fmt, proc.stderr.decode(errors="replace"))
        out = proc.stdout.decode("utf-8")  # valid UTF-8: every finding is in it
        assert "PIN001" in out, fmt
        assert "PIN002" in out, fmt
        output = tmp_path / f"report.{fmt}"
        proc = _pinlint(tmp_path, tree, ".", "--format", fmt, "--output", str(output))
        assert proc.returncode == 1, (fmt, proc.stderr.decode(errors="replace"))
        assert output.read_bytes().decode("utf-8") == out, fmt
    text = _pinlint(tmp_path, tree, ".").stdout.decode()
    assert "Dockerfile.\\xff\\xfe:1:6: PIN001" in text
    (item,) = [
        f
        for f in json.loads(_pinlint(tmp_path, tree, ".", "--format", "json").stdout)
        if f["rule"] == "PIN001"
    ]
    assert os.fsencode(item["path"]) == name, "JSON gives back the very name"
    log = json.loads(_pinlint(tmp_path, tree, ".", "--format", "sarif").stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"Dockerfile", "Dockerfile.%FF%FE"}, "SARIF URIs from the raw bytes"
