from __future__ import annotations

import re
from pathlib import Path

import pytest

from pinlint import cli, rules
from pinlint.model import Finding, Occurrence, Severity
from pinlint.report import github
from pinlint.report.escape import printable

DIGEST = "sha256:" + "0f" * 32


def _finding(path: str, text: str, written: str, suggestion: str | None = None) -> Finding:
    start = text.index(written)
    occ = Occurrence(
        path=path,
        start=start,
        end=start + len(written),
        line=text.count("\n", 0, start) + 1,
        column=start - (text.rfind("\n", 0, start) + 1) + 1,
        written=written,
        image=None if written.startswith("${") else written,
        context="FROM",
        unresolved=written[2:-1] if written.startswith("${") else None,
    )
    finding = rules.check(occ, frozenset(rules.RULES))
    assert finding is not None
    finding.suggestion = suggestion
    return finding


_UNESCAPE_DATA = {"%0D": "\r", "%0A": "\n", "%25": "%"}
_UNESCAPE_PROPERTY = {**_UNESCAPE_DATA, "%3A": ":", "%2C": ","}


def _unescape(text: str, table: dict[str, str]) -> str:
    return re.sub("|".join(table), lambda m: table[m.group(0)], text)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command as the runner does (ActionCommand.TryParseV2)."""
    match = re.fullmatch(r"::([a-z]+)(?: ([^:]*))?::(.*)", line)
    assert match, f"not a workflow command: {line!r}"
    command, props, data = match.groups()
    properties = {}
    for item in (props or "").split(","):
        key, sep, value = item.partition("=")
        assert sep, f"property without '=' in {line!r}"
        properties[key] = _unescape(value, _UNESCAPE_PROPERTY)
    return command, properties, _unescape(data, _UNESCAPE_DATA)


def test_annotation_format() -> None:
    finding = _finding("Dockerfile", "FROM nginx:latest\n", "nginx:latest")
    assert github.render([finding]) == (
        "::error file=Dockerfile,line=1,col=6,title=PIN001::"
        'nginx:latest uses the moving tag "latest"\n'
    )


def test_warning_and_suggestion() -> None:
    text = "FROM ${BASE}\nFROM redis\n"
    warning = _finding("app/Dockerfile", text, "${BASE}")
    error = _finding("app/Dockerfile", text, "redis", f"redis:7.4.1@{DIGEST}")
    lines = github.render([warning, error]).splitlines()
    assert len(lines) == 2
    command, props, message = parse_command(lines[0])
    assert (command, props["title"], props["line"], props["col"]) == ("warning", "PIN006", "1", "6")
    assert message == warning.message
    command, props, message = parse_command(lines[1])
    assert (command, props["title"], props["line"], props["col"]) == ("error", "PIN002", "2", "6")
    assert message == f"{error.message} -> redis:7.4.1@{DIGEST}"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("deploy/a,b.yaml", "plain", id="comma-in-path"),
        pytest.param("C:/src/Dockerfile", "x", id="colon-in-path"),
        pytest.param("100%/Dockerfile", "50% done %0A", id="percent"),
        pytest.param("Dockerfile", "first line\nsecond: line\r\nthird", id="newlines"),
        pytest.param("a\nb/Dockerfile", "::error::injected", id="newline-in-path"),
        pytest.param("a\x1b[2J/Dockerfile", "\x1b]0;x\x07 \x85 \u2028", id="controls"),
    ],
)
def test_escaping_round_trips(path: str, message: str) -> None:
    finding = Finding(
        path=path,
        line=3,
        column=9,
        rule="PIN900",
        severity=Severity.ERROR,
        message=message,
        as_written="",
    )
    out = github.render([finding])
    assert out.endswith("\n")
    assert out.count("\n") == 1, "a raw newline would end the command"
    assert "\r" not in out
    command, props, data = parse_command(out[:-1])
    assert command == "error"
    # Control characters (newlines too) arrive spelled out, as the text format shows them.
    assert props == {"file": printable(path), "line": "3", "col": "9", "title": "PIN900"}
    assert data == printable(message)
    assert "\x1b" not in out


def test_escape_functions() -> None:
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_no_findings_no_annotations() -> None:
    assert github.render([]) == ""


def _table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            # Split on pipes that are not escaped, as GFM does before reading the cells.
            cells = re.split(r"(?<!\\)\|", line)
            assert cells[0] == "", line
            assert cells[-1] == "", line
            rows.append([c.strip() for c in cells[1:-1]])
    return rows


def test_summary_table(tmp_path: Path) -> None:
    text = "FROM node:20-alpine\nFROM ${BASE}\n"
    findings = [
        _finding("svc/Dockerfile", text, "node:20-alpine", f"node:20.18.1-alpine@{DIGEST}"),
        _finding("svc/Dockerfile", text, "${BASE}"),
    ]
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n\n", encoding="utf-8")
    github.write_summary(findings, str(summary))
    content = summary.read_text(encoding="utf-8")
    assert content.startswith("# Earlier step\n\n"), "the summary is appended to, never replaced"
    assert "2 findings (1 error, 1 warning)" in content
    header, first, second = _table_rows(content)
    assert header == ["Location", "Rule", "Severity", "Image", "Message", "Suggestion"]
    assert first[0] == "`svc/Dockerfile:1:6`"
    assert first[1] == "PIN004 partial-version"
    assert first[2] == "error"
    assert first[3] == "`node:20-alpine`"
    assert first[5] == f"`node:20.18.1-alpine@{DIGEST}`"
    assert second[1] == "PIN006 unresolved-variable"
    assert second[2] == "warning"
    assert second[5] == ""

    github.write_summary(findings[:1], str(summary))
    again = summary.read_text(encoding="utf-8")
    assert again.startswith(content)
    assert len(_table_rows(again)) == 5


def test_summary_escapes_markdown(tmp_path: Path) -> None:
    finding = Finding(
        path="a|b/Dockerfile",
        line=1,
        column=6,
        rule="PIN007",
        severity=Severity.ERROR,
        message="<img src=x> is *not* valid | [link](http://x)\nsecond line",
        as_written="x|`y`",
    )
    markdown = github.summary([finding])
    (_, row) = _table_rows(markdown)
    assert len(row) == 6
    assert row[0] == r"`a\|b/Dockerfile:1:6`"
    assert row[3] == r"`` x\|`y` ``"  # CommonMark strips one space each side
    # The message is a code span (no HTML, no emphasis, no links inside one), on one line.
    assert row[4] == r"`<img src=x> is *not* valid \| [link](http://x)\nsecond line`"


def test_summary_without_findings() -> None:
    markdown = github.summary([])
    assert "No unpinned image references found" in markdown
    assert _table_rows(markdown) == []


def test_summary_caps_rows() -> None:
    findings = [
        Finding("Dockerfile", n, 6, "PIN002", Severity.ERROR, "redis has no tag", "redis")
        for n in range(1, github.MAX_SUMMARY_ROWS + 3)
    ]
    markdown = github.summary(findings)
    assert len(_table_rows(markdown)) == github.MAX_SUMMARY_ROWS + 1
    assert "2 more findings not shown" in markdown


def test_cli_defaults_to_github_in_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM nginx:latest\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert cli.main(["Dockerfile"]) == 1
    out = capsys.readouterr().out
    command, props, _ = parse_command(out.strip())
    assert command == "error"
    assert props == {"file": "Dockerfile", "line": "1", "col": "6", "title": "PIN001"}
    rows = _table_rows(summary.read_text(encoding="utf-8"))
    assert rows[1][:4] == ["`Dockerfile:1:6`", "PIN001 latest-tag", "error", "`nginx:latest`"]

    monkeypatch.delenv("GITHUB_ACTIONS")
    assert cli.main(["Dockerfile"]) == 1
    assert not capsys.readouterr().out.startswith("::")


def test_annotations_sorted_like_text_and_json() -> None:
    later = _finding("b/Dockerfile", "FROM nginx:latest\n", "nginx:latest")
    second = _finding("a/Dockerfile", "FROM x\nFROM redis\n", "redis")
    first = _finding("a/Dockerfile", "FROM nginx:latest\n", "nginx:latest")
    lines = github.render([later, second, first]).splitlines()
    assert [parse_command(line)[1]["file"] for line in lines] == [
        "a/Dockerfile",
        "a/Dockerfile",
        "b/Dockerfile",
    ]
    assert [parse_command(line)[1]["line"] for line in lines] == ["1", "2", "1"]
