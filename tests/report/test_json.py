"""``--format json``: the writer's bytes are those of ``json.dumps(indent=2)`` over
``Finding.as_dict`` (with ``escape.json_dumps``'s escapes), whatever the strings hold."""

from __future__ import annotations

import json

from pinlint.model import Finding, Severity
from pinlint.report import json as json_report
from pinlint.report.escape import json_dumps

# Control characters, DEL, C1, line separators, bidi overrides, a lone surrogate (a
# non-UTF-8 file name), quotes, backslashes, non-ASCII text and an astral character.
STRANGE = (
    'a\x00\x01\x08\t\n\x0c\r\x1b\x1f"\\/\x7f\x85\x9f'
    "\u2028\u2029\u202e\u2066\udcff\ud800é漢\U0001f600"
)


def _expected(findings: list[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule))
    return json_dumps([f.as_dict() for f in ordered]) + "\n"


def _findings() -> list[Finding]:
    return [
        Finding("b/Dockerfile", 3, 6, "PIN001", Severity.WARNING, "uses latest", "node:latest"),
        Finding(
            f"a/{STRANGE}/compose.yml",
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
        Finding("a/x.yaml", 1, 1, "PIN900", Severity.ERROR, "bad YAML", ""),
        Finding("a/x.yaml", 10**20, -1, "PIN002", Severity.WARNING, "", "n"),
    ]


def test_json_bytes_match_json_dumps() -> None:
    findings = _findings()
    text = json_report.render(findings)
    assert text == _expected(findings)
    assert json.loads(text)[0]["path"] == f"a/{STRANGE}/compose.yml"


def test_json_of_no_finding_and_of_one() -> None:
    assert json_report.render([]) == _expected([]) == "[]\n"
    one = _findings()[:1]
    assert json_report.render(one) == _expected(one)


def test_json_of_an_unexpected_value_type_falls_back_to_json_dumps() -> None:
    odd = _findings()[0].replace(line=True, suggestion=1.5)
    assert json_report.render([odd]) == _expected([odd])
    assert '"line": true' in json_report.render([odd])
