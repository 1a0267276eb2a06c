"""Output written file by file (``report.stream``) is the whole report's bytes, in every
format, for what the formats escape, an object the JSON template does not fit, no
findings, and more SARIF results than one batch; and the command line streams a tree's
output with the bytes and exit status of the whole report."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from helpers import plain_env
from helpers import run_main as run
from pinlint import cli, report
from pinlint.model import Finding, Severity
from pinlint.report import streams

FORMATS = ("text", "json", "sarif", "github")
# Control characters, DEL, C1, line separators, bidi overrides, a lone surrogate (a
# non-UTF-8 file name), quotes, backslashes, non-ASCII text and an astral character.
STRANGE = 'a\x00\x1b"\\/\x7f\x85\u2028\u202e\udcff\ud800é漢\U0001f600'
# A path holds no NUL and no surrogate but those of undecodable bytes.
NAME = STRANGE.replace("\x00", "").replace("\ud800", "")
ROOT = Path(__file__).resolve().parent.parent.parent


def _findings() -> list[Finding]:
    """Findings of four files, each file's out of the order the formats sort by."""
    return [
        Finding("a/Dockerfile", 3, 6, "PIN001", Severity.WARNING, "uses latest", "node:latest"),
        Finding("a/Dockerfile", 1, 9, "PIN004", Severity.ERROR, "partial", "node:2"),
        Finding("a/Dockerfile", 1, 9, "PIN002", Severity.ERROR, "no tag", "node"),
        Finding(
            f"b/{NAME}/compose.yml",
            12,
            14,
            "PIN004",
            Severity.ERROR,
            f"message {STRANGE}",
            f"img{STRANGE}",
            suggestion=f"img:1@sha256:{'0' * 64}{STRANGE}",
            end_line=12,
            end_column=40,
        ),
        Finding("c/x.yaml", 1, 1, "PIN900", Severity.ERROR, "bad YAML", ""),
        Finding("d/x.yaml", 10**20, -1, "PIN002", Severity.WARNING, "", "n"),
    ]


def _streamed(fmt: str, files: list[list[Finding]], **close: int) -> str:
    out: list[str] = []
    stream = report.stream(fmt, out.append, root=".", color=fmt == "text")
    for findings in files:
        stream.add(findings)
    stream.close(**close)
    return "".join(out)


def _by_file(findings: list[Finding]) -> list[list[Finding]]:
    return [list(group) for _, group in itertools.groupby(findings, key=lambda f: f.path)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_is_the_whole_report(fmt: str) -> None:
    findings = _findings()
    files = [[], *_by_file(findings), []]  # files without findings add nothing
    whole = report.render(fmt, findings, root=".", color=fmt == "text", read=7, skipped=2)
    assert _streamed(fmt, files, read=7, skipped=2) == whole
    # Nothing at all: an empty array, an empty SARIF run, no annotation, "No findings".
    assert _streamed(fmt, [[]], read=0) == report.render(fmt, [], root=".", read=0)


def test_json_stream_writes_an_odd_object_as_json_dumps_does() -> None:
    # A value that is not a str, an int or None (never on the lint path): json.dumps's
    # bytes for that object, the template's for the others, as the whole report's.
    findings = _findings()
    findings[3].end_line = True
    whole = report.render("json", findings)
    assert _streamed("json", _by_file(findings)) == whole
    assert '"end_line": true' in whole


def test_sarif_stream_of_more_results_than_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "_BATCH", 4)
    findings = [
        Finding(f"f{i:03}/Dockerfile", i + 1, 1, "PIN001", Severity.ERROR, "latest", "x:latest")
        for i in range(11)
    ] + _findings()
    findings.sort(key=lambda f: f.path)
    assert _streamed("sarif", _by_file(findings)) == report.render("sarif", findings)


def test_text_stream_counts_and_quiet() -> None:
    findings = _findings()
    out: list[str] = []
    stream = report.stream("text", out.append, quiet=True)
    for group in _by_file(findings):
        stream.add(group)
    stream.close(read=4, unread=1)
    assert "".join(out) == report.render("text", findings, quiet=True, read=4, unread=1)
    assert stream.severities == {"error", "warning"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_command_line_streams_the_whole_reports_bytes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # Every source's real files (tests/data): streamed, then written whole (no stream),
    # the same stdout, stderr and exit status.
    plain_env(monkeypatch)
    monkeypatch.chdir(ROOT / "tests" / "data")
    streams: list[report.Stream] = []
    make = cli._stream

    def keep(*args: Any) -> report.Stream | None:
        stream = make(*args)
        if stream is not None:
            streams.append(stream)
        return stream

    monkeypatch.setattr(cli, "_stream", keep)
    streamed = run(capsys, "--format", fmt, ".")
    assert len(streams) == 1
    monkeypatch.setattr(cli, "_stream", lambda *args: None)
    whole = run(capsys, "--format", fmt, ".")
    assert streamed == whole
    assert whole[0] == 1
    assert len(whole[1]) > 10_000


def test_files_named_or_out_of_order_are_not_streamed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Files named on the command line (the pre-commit case) are reported whole, and so
    # are directories given out of the order the formats sort by.
    plain_env(monkeypatch)
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM alpine\n")
    made: list[report.Stream | None] = []
    make = cli._stream

    def keep(*args: Any) -> report.Stream | None:
        made.append(make(*args))
        return made[-1]

    monkeypatch.setattr(cli, "_stream", keep)
    files = [str(tmp_path / "b" / "Dockerfile"), str(tmp_path / "a" / "Dockerfile")]
    for paths in (files, [str(tmp_path / "b"), str(tmp_path / "a")]):
        code, out, _ = run(capsys, *paths)
        assert code == 1
        assert out.index(files[1]) < out.index(files[0])
        assert out.endswith("Found 2 findings (2 errors) in 2 files; 2 files read.\n")
    assert made[0] is None  # files only: not even a stream made
    assert made[1] is not None  # made, but the lint found the order unsorted
    assert made[1].severities == set()
