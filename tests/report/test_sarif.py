from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from pinlint import cli, rules
from pinlint.model import Finding, Occurrence, Severity
from pinlint.report import sarif

# The official OASIS SARIF 2.1.0 schema (sarif-spec, errata version), kept in the test data.
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data/schemas/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _occurrence(path: str, text: str, written: str) -> Occurrence:
    start = text.index(written)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Occurrence(
        path=path,
        start=start,
        end=start + len(written),
        line=line,
        column=column,
        written=written,
        # "${VAR}" stands for a variable without value or default (PIN006).
        image=None if written.startswith("${") else written,
        context="FROM",
        unresolved=written[2:-1] if written.startswith("${") else None,
    )


def _finding(path: str, text: str, written: str, suggestion: str | None = None) -> Finding:
    finding = rules.check(_occurrence(path, text, written), frozenset(rules.RULES))
    assert finding is not None
    finding.suggestion = suggestion
    return finding


def _apply_fix(text: str, result: dict[str, Any]) -> str:
    """Apply a SARIF fix the way a viewer does: regions by line and code-point column."""
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    region = replacement["deletedRegion"]
    lines = text.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        return sum(len(x) for x in lines[: line - 1]) + column - 1

    start = offset(region["startLine"], region["startColumn"])
    end = offset(region["endLine"], region["endColumn"])
    inserted = replacement["insertedContent"]["text"]
    assert isinstance(inserted, str)
    return text[:start] + inserted + text[end:]


DOCKERFILE = "# syntax=docker/dockerfile:1\nFROM python:3 AS build\nFROM  nginx:latest\n"
DIGEST = "sha256:" + "ab" * 32


def test_valid_against_the_official_schema(validator: Any, tmp_path: Path) -> None:
    findings = [
        _finding(str(tmp_path / "Dockerfile"), DOCKERFILE, "python:3", f"python:3.12.7@{DIGEST}"),
        _finding(str(tmp_path / "Dockerfile"), DOCKERFILE, "nginx:latest"),
        _finding(str(tmp_path / "dir with space/compose.yaml"), "image: ${X}\n", "${X}"),
        rules.parse_error(str(tmp_path / "k8s/bad.yaml"), "mapping values are not allowed", 3, 7),
    ]
    log = json.loads(sarif.render(findings, root=str(tmp_path)))
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(str(e) for e in errors)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == sarif.SCHEMA_URI


def test_empty_run_is_valid(validator: Any, tmp_path: Path) -> None:
    log = json.loads(sarif.render([], root=str(tmp_path)))
    validator.validate(log)
    (run,) = log["runs"]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(rules.RULES)


def test_rules_carry_the_rule_table(tmp_path: Path) -> None:
    log = json.loads(sarif.render([], root=str(tmp_path)))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pinlint"
    by_id = {r["id"]: r for r in driver["rules"]}
    assert list(by_id) == list(rules.RULES)
    for rule in rules.RULES.values():
        descriptor = by_id[rule.id]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.explanation
        assert rule.explanation in descriptor["help"]["text"]
        assert rule.explanation in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value
        assert descriptor["defaultConfiguration"]["enabled"] is rule.enabled
    assert by_id["PIN005"]["defaultConfiguration"]["enabled"] is False


def test_result_region_level_and_rule_index(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    finding = _finding(str(path), DOCKERFILE, "nginx:latest")
    warning = _finding(str(tmp_path / "compose.yaml"), "image: ${TAG}\n", "${TAG}")
    assert warning.severity is Severity.WARNING
    log = json.loads(sarif.render([finding, warning], root=str(tmp_path)))
    run = log["runs"][0]
    first, second = run["results"]
    assert first["ruleId"] == "PIN001"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "PIN001"
    assert first["level"] == "error"
    assert second["level"] == "warning"
    assert second["ruleId"] == "PIN006"
    assert first["message"]["text"] == finding.message
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    # "FROM  nginx:latest" on line 3: the reference starts in column 7, ends before 19.
    assert location["region"] == {"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 19}
    assert "fixes" not in first
    assert run["columnKind"] == "unicodeCodePoints"
    root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root_uri == tmp_path.as_uri() + "/"


def test_fix_replaces_exactly_the_reference(tmp_path: Path) -> None:
    text = "FROM python:3 AS build\nRUN true\nFROM  nginx:latest   # web\n"
    pinned = f"nginx:1.27.3@{DIGEST}"
    finding = _finding(str(tmp_path / "Dockerfile"), text, "nginx:latest", pinned)
    log = json.loads(sarif.render([finding], root=str(tmp_path)))
    (result,) = log["runs"][0]["results"]
    assert result["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] == "Dockerfile"
    assert _apply_fix(text, result) == text.replace("nginx:latest", pinned)
    assert pinned in result["message"]["text"]


def test_fix_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    text = "services:\n  café: {image: 'redis:7', labels: {é: ü}}\n"
    finding = _finding(str(tmp_path / "compose.yaml"), text, "redis:7", f"redis:7.4.1@{DIGEST}")
    (result,) = json.loads(sarif.render([finding], root=str(tmp_path)))["runs"][0]["results"]
    assert _apply_fix(text, result) == text.replace("redis:7", f"redis:7.4.1@{DIGEST}")


def test_paths_relative_to_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub dir").mkdir()
    findings = [
        _finding("deploy/app.yaml", "image: redis\n", "redis"),  # relative to the cwd
        _finding(str(tmp_path / "sub dir/Dockerfile"), "FROM redis\n", "redis"),
        _finding(str(tmp_path.parent / "elsewhere/Dockerfile"), "FROM redis\n", "redis"),
    ]
    log = json.loads(sarif.render(findings, root="."))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]
    ]
    assert uris[0] == {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"}
    assert uris[1]["uriBaseId"] == "%SRCROOT%"
    assert urllib.parse.unquote(uris[1]["uri"]) == "sub dir/Dockerfile"
    assert " " not in uris[1]["uri"]
    # Outside the root: an absolute file URI, never "../".
    assert uris[2] == {"uri": (tmp_path.parent / "elsewhere/Dockerfile").as_uri()}

    nested = json.loads(sarif.render(findings[:1], root="deploy"))
    location = nested["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app.yaml"


def test_parse_error_has_no_end_and_no_fix(validator: Any, tmp_path: Path) -> None:
    finding = rules.parse_error(str(tmp_path / "bad.yaml"), "could not parse", 4, 2)
    log = json.loads(sarif.render([finding], root=str(tmp_path)))
    validator.validate(log)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 2}
    assert "fixes" not in result
    assert "properties" not in result


def test_cli_format_sarif(validator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/Dockerfile").write_text("FROM alpine\nFROM nginx:latest\n", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n", encoding="utf-8"
    )
    out = tmp_path / "report.sarif"
    monkeypatch.chdir(tmp_path)
    code = cli.main([".", "--format", "sarif", "--output", str(out)])
    assert code == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    validator.validate(log)
    found = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    }
    assert found == {
        ("PIN002", "svc/Dockerfile", 1),
        ("PIN001", "svc/Dockerfile", 2),
        ("PIN004", "compose.yaml", 3),
    }
