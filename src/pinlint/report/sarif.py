"""``--format sarif``: SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

One run; ``tool.driver.rules`` is the whole rule table (so ``ruleIndex`` is stable from
run to run), each result points at the text that must change, and a finding with a
suggestion carries a ``fix`` that replaces exactly that region.

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import os
import pathlib
import urllib.parse
from collections.abc import Sequence

from pinlint import __version__
from pinlint.model import Finding, Severity
from pinlint.report.escape import json_dumps, printable
from pinlint.rules import RULES, Rule

__all__ = ["SCHEMA_URI", "render"]

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

# Result URIs are relative to this base, whose absolute location is given once in
# ``originalUriBaseIds``: the name GitHub code scanning and VS Code's SARIF viewer expect.
_ROOT_BASE_ID = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def _level(severity: Severity) -> str:
    return _LEVELS[severity]


def _rule_descriptor(rule: Rule) -> dict[str, object]:
    online = " Needs --resolve." if rule.online else ""
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {
            "text": f"{rule.summary}\n\n{rule.explanation}{online}",
            "markdown": (
                f"**{rule.id} {rule.name}**: {rule.summary}\n\n{rule.explanation}{online}\n\n"
                f"Run `pinlint --explain {rule.id}` for this text, "
                "`pinlint --fix` to pin the image."
            ),
        },
        "defaultConfiguration": {
            "enabled": rule.enabled,
            "level": _level(rule.severity),
        },
        "properties": {"tags": ["supply-chain", "container"]},
    }


def _directory_uri(path: str) -> str:
    uri = pathlib.Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact_location(path: str, root: str) -> dict[str, str]:
    """A URI relative to ``root`` when the file is inside it, else an absolute file URI."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return {"uri": pathlib.Path(absolute).as_uri()}
    if relative == os.curdir or relative.split(os.sep, 1)[0] == os.pardir:
        return {"uri": pathlib.Path(absolute).as_uri()}
    posix = pathlib.PurePath(relative).as_posix()
    # From the bytes of the name: a name that is not UTF-8 (surrogate-escaped in the
    # str) still gets the URI of the very file, as pathlib's as_uri does.
    return {"uri": urllib.parse.quote(os.fsencode(posix)), "uriBaseId": _ROOT_BASE_ID}


def _region(finding: Finding) -> dict[str, int]:
    region = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_line is not None and finding.end_column is not None:
        # Both SARIF and Finding count end columns as exclusive.
        region["endLine"] = finding.end_line
        region["endColumn"] = finding.end_column
    return region


def _message(finding: Finding) -> str:
    # Viewers show messages as text: no control character from a file gets through.
    if finding.suggestion is None:
        return printable(finding.message)
    return printable(f"{finding.message} -> {finding.suggestion}")


def _result(finding: Finding, root: str, rule_index: dict[str, int]) -> dict[str, object]:
    location = _artifact_location(finding.path, root)
    region = _region(finding)
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "level": _level(finding.severity),
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.as_written:
        properties = {"image": printable(finding.as_written)}
        # As in --format json: the effective reference and, with --resolve, whether the
        # registry answered.
        if finding.reference is not None:
            properties["reference"] = printable(finding.reference)
        if finding.resolution is not None:
            properties["resolution"] = printable(finding.resolution)
        result["properties"] = properties
    if finding.suggestion is not None and "endColumn" in region:
        result["fixes"] = [
            {
                "description": {
                    "text": printable(f"Pin {finding.as_written} as {finding.suggestion}")
                },
                "artifactChanges": [
                    {
                        "artifactLocation": location,
                        "replacements": [
                            {
                                "deletedRegion": region,
                                "insertedContent": {"text": finding.suggestion},
                            }
                        ],
                    }
                ],
            }
        ]
    return result


def render(findings: Sequence[Finding], *, root: str) -> str:
    """The SARIF log for ``findings``; file URIs are relative to the directory ``root``."""
    root = os.path.abspath(root)
    rule_index = {rule.id: i for i, rule in enumerate(RULES.values())}
    return json_dumps(_log(root, [_result(f, root, rule_index) for f in findings])) + "\n"


def _log(root: str, results: list[object]) -> dict[str, object]:
    rules = list(RULES.values())
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pinlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {_ROOT_BASE_ID: {"uri": _directory_uri(root)}},
                # Finding columns count characters, not UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
