"""The GitHub Action (action.yml), run locally the way the runner runs a composite action.

``run_action`` reads action.yml and executes its steps in order with bash, as the runner
does for ``shell: bash`` (``bash --noprofile --norc -eo pipefail FILE``), with
``GITHUB_ACTION_PATH`` (this checkout), ``GITHUB_WORKSPACE``, ``GITHUB_STEP_SUMMARY``,
``RUNNER_TEMP`` and a fresh ``GITHUB_OUTPUT`` per step.  It evaluates the only expressions
the action may use (``inputs.*`` and ``steps.*.outputs.*``) and fails on any other, so a
change to action.yml that this harness cannot run faithfully shows up here.

The install step (a virtual environment and ``pip install`` of this checkout: PyPI must be
reachable) runs once per module; the other cases rerun the run step with its output.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinlint import action
from pinlint.model import Severity
from pinlint.registry.auth import CredentialStore
from registry_server import Registry

ROOT = Path(__file__).resolve().parents[1]
ACTION_YML = ROOT / "action.yml"
SARIF_SCHEMA = ROOT / "tests/data/schemas/sarif-schema-2.1.0.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TOKEN = "ghs_" + "S3cr3tT0k3n" * 3


def _metadata() -> dict[str, Any]:
    data = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- a small composite-action runner --------------------------------------------------


@dataclasses.dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    step_outputs: dict[str, dict[str, str]]
    outputs: dict[str, str]
    summary: str

    def annotations(self) -> list[tuple[str, dict[str, str], str]]:
        return [parse_command(line) for line in self.stdout.splitlines() if line.startswith("::")]


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command, unescaped as the runner reads it."""
    match = re.fullmatch(r"::([a-z]+)(?: ([^:]*))?::(.*)", line)
    assert match, f"not a workflow command: {line!r}"
    command, props, data = match.groups()
    prop_table = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}
    data_table = {"%0D": "\r", "%0A": "\n", "%25": "%"}
    properties = {}
    for item in filter(None, (props or "").split(",")):
        key, _, value = item.partition("=")
        properties[key] = re.sub("|".join(prop_table), lambda m: prop_table[m[0]], value)
    return command, properties, re.sub("|".join(data_table), lambda m: data_table[m[0]], data)


def _read_output_file(path: Path) -> dict[str, str]:
    """``name=value`` and ``name<<DELIMITER`` … ``DELIMITER`` lines, as the runner reads them."""
    values: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for body_line in lines:
                if body_line == delimiter:
                    break
                body.append(body_line)
            else:
                raise AssertionError(f"unterminated {name} output")
            values[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def _evaluate(text: str, inputs: Mapping[str, str], steps: Mapping[str, Mapping[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match[1]
        if m := re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr):
            return inputs[m[1]]
        if m := re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr):
            return steps.get(m[1], {}).get(m[2], "")
        raise AssertionError(f"expression the test runner does not support: {expr}")

    return EXPRESSION.sub(value, text)


def _base_env(extra: Mapping[str, str]) -> dict[str, str]:
    # Nothing from an enclosing CI job may leak in (its GITHUB_OUTPUT, its token, …).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "DOCKER_", "PINLINT_"))
    }
    env.update(extra)
    return env


def run_action(
    workspace: Path,
    temp: Path,
    inputs: Mapping[str, str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    skip: Mapping[str, Mapping[str, str]] | None = None,
) -> ActionRun:
    """Run action.yml's steps; ``skip`` maps step ids to the outputs they would give."""
    meta = _metadata()
    declared = meta["inputs"]
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs or {})

    temp.mkdir(parents=True, exist_ok=True)
    summary = temp / "step_summary.md"
    summary.touch()
    base = _base_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
            "PINLINT_CACHE_DIR": str(temp / "cache"),
            **(env or {}),
        }
    )
    step_outputs: dict[str, dict[str, str]] = {}
    stdout, stderr = [], []
    returncode = 0
    assert meta["runs"]["using"] == "composite"
    for n, step in enumerate(meta["runs"]["steps"]):
        step_id = step.get("id", f"step{n}")
        assert set(step) <= {"name", "id", "shell", "run", "env"}, f"unsupported keys: {step}"
        assert step["shell"] == "bash"
        if skip and step_id in skip:
            step_outputs[step_id] = dict(skip[step_id])
            continue
        output = temp / f"output-{n}"
        output.write_text("", encoding="utf-8")
        script = temp / f"step-{n}.sh"
        # The runner writes `run:` to a file verbatim: no expression may be in it.
        assert "${{" not in step["run"]
        script.write_text(step["run"], encoding="utf-8")
        step_env = dict(base, GITHUB_OUTPUT=str(output))
        for key, raw in (step.get("env") or {}).items():
            step_env[key] = _evaluate(str(raw), values, step_outputs)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        stdout.append(proc.stdout)
        stderr.append(proc.stderr)
        step_outputs[step_id] = _read_output_file(output)
        returncode = proc.returncode
        if returncode != 0:
            break
    outputs = {
        name: _evaluate(str(spec["value"]), values, step_outputs)
        for name, spec in meta["outputs"].items()
    }
    return ActionRun(
        returncode=returncode,
        stdout="".join(stdout),
        stderr="".join(stderr),
        step_outputs=step_outputs,
        outputs=outputs,
        summary=summary.read_text(encoding="utf-8"),
    )


def _table_rows(markdown: str) -> list[list[str]]:
    return [
        [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in markdown.splitlines()
        if line.startswith("| ") and not line.startswith("| Location")
    ]


def _validate_sarif(log: Any) -> None:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)


# --- the tree with findings ---------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: cache
          image: redis
"""
PINNED = "postgres:16.4@sha256:" + "5e" * 32


def _tree(workspace: Path) -> None:
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "Dockerfile").write_text(
        "FROM python:3.12-slim AS build\nFROM nginx:latest\n", encoding="utf-8"
    )
    (workspace / "deploy").mkdir(exist_ok=True)
    # A comma in the name: the annotation's file property must be escaped.
    (workspace / "deploy/web,cache.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    (workspace / "compose.yaml").write_text(
        f"services:\n  db:\n    image: {PINNED}\n", encoding="utf-8"
    )


EXPECTED = {
    ("Dockerfile", "1", "6", "PIN004"),
    ("Dockerfile", "2", "6", "PIN001"),
    ("deploy/web,cache.yaml", "10", "18", "PIN002"),
}


@dataclasses.dataclass
class Installed:
    run: ActionRun
    workspace: Path
    temp: Path

    @property
    def install_outputs(self) -> dict[str, dict[str, str]]:
        return {"install": self.run.step_outputs["install"]}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The whole action, install step included, on the tree with findings (defaults)."""
    base = tmp_path_factory.mktemp("action")
    workspace = base / "workspace"
    _tree(workspace)
    run = run_action(workspace, base / "runner-temp")
    if "install" not in run.step_outputs or "python" not in run.step_outputs["install"]:
        pytest.fail(f"install step failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return Installed(run, workspace, base / "runner-temp")


Rerun = Callable[..., tuple[ActionRun, Path]]


@pytest.fixture
def rerun(installed: Installed, tmp_path: Path) -> Rerun:
    """Run the action again (on the tree with findings unless ``tree=False``), reusing the
    installed pinlint; the workspace is ``tmp_path / "workspace"``."""

    def go(
        inputs: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        tree: bool = True,
    ) -> tuple[ActionRun, Path]:
        workspace = tmp_path / "workspace"
        if tree:
            _tree(workspace)
        workspace.mkdir(exist_ok=True)
        run = run_action(
            workspace, tmp_path / "temp", inputs, env=env, skip=installed.install_outputs
        )
        return run, workspace

    return go


# --- the action, end to end ---------------------------------------------------------


@pytest.mark.slow  # runs the whole action, install step included
def test_run_with_findings(installed: Installed) -> None:
    run = installed.run
    assert run.returncode == 1, run.stderr  # fail-on: error

    annotations = run.annotations()
    got = {(p["file"], p["line"], p["col"], p["title"]) for _, p, _ in annotations}
    assert got == EXPECTED
    assert {command for command, _, _ in annotations} == {"error"}
    messages = {p["title"]: message for _, p, message in annotations}
    assert messages["PIN001"] == 'nginx:latest uses the moving tag "latest"'

    assert run.outputs["findings"] == "3"
    sarif_file = Path(run.outputs["sarif-file"])
    assert sarif_file == installed.temp / "pinlint.sarif"
    log = json.loads(sarif_file.read_text(encoding="utf-8"))
    _validate_sarif(log)
    results = log["runs"][0]["results"]
    located = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
        )
        for r in results
    }
    assert located == {
        ("Dockerfile", 1, "PIN004"),
        ("Dockerfile", 2, "PIN001"),
        ("deploy/web%2Ccache.yaml", 10, "PIN002"),
    }
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == installed.workspace.as_uri() + "/"

    rows = _table_rows(run.summary)
    assert {(row[0], row[1].split()[0]) for row in rows} == {
        ("`Dockerfile:1:6`", "PIN004"),
        ("`Dockerfile:2:6`", "PIN001"),
        ("`deploy/web,cache.yaml:10:18`", "PIN002"),
    }
    assert "3 findings (3 errors, 0 warnings)" in run.summary
    # Nothing was rewritten without fix: true.
    assert "FROM nginx:latest" in (installed.workspace / "Dockerfile").read_text()


@pytest.mark.slow  # runs the whole action, install step included
def test_fail_on_never_passes_with_the_same_reports(rerun: Rerun) -> None:
    run, _ = rerun({"fail-on": "never"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["findings"] == "3"
    assert {p["title"] for _, p, _ in run.annotations()} == {"PIN001", "PIN002", "PIN004"}


@pytest.mark.slow  # runs the whole action, install step included
def test_fail_on_warning(rerun: Rerun, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "Dockerfile").write_text("FROM ${BASE}\n", encoding="utf-8")
    run, _ = rerun({"fail-on": "error"}, tree=False)
    assert run.returncode == 0, run.stdout + run.stderr
    ((command, props, _),) = run.annotations()
    assert (command, props["title"]) == ("warning", "PIN006")
    assert "1 finding (0 errors, 1 warning)" in run.summary
    run, _ = rerun({"fail-on": "warning"}, tree=False)
    assert run.returncode == 1


@pytest.mark.slow  # runs the whole action, install step included
def test_clean_tree(rerun: Rerun, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "Dockerfile").write_text(f"FROM {PINNED}\n", encoding="utf-8")
    run, _ = rerun(tree=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.annotations() == []
    assert run.outputs["findings"] == "0"
    assert "No unpinned image references found" in run.summary
    log = json.loads(Path(run.outputs["sarif-file"]).read_text(encoding="utf-8"))
    assert log["runs"][0]["results"] == []


@pytest.mark.slow  # runs the whole action, install step included
def test_paths_format_and_sarif_file(rerun: Rerun) -> None:
    run, workspace = rerun(
        {"paths": "deploy\n", "format": "text", "sarif-file": "reports/pinlint.sarif"}
    )
    assert run.returncode == 1
    assert not run.annotations()
    assert "deploy/web,cache.yaml:10:18: PIN002 redis has no tag" in run.stdout
    assert run.outputs == {
        "findings": "1",
        "sarif-file": str(workspace / "reports/pinlint.sarif"),
    }
    log = json.loads((workspace / "reports/pinlint.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["PIN002"]


@pytest.mark.slow  # runs the whole action, install step included
def test_several_paths_and_args(rerun: Rerun) -> None:
    run, _ = rerun({"paths": "Dockerfile 'deploy'", "args": "--select PIN001,PIN002"})
    assert run.returncode == 1
    assert {p["title"] for _, p, _ in run.annotations()} == {"PIN001", "PIN002"}
    assert run.outputs["findings"] == "2"


@pytest.mark.slow  # runs the whole action, install step included
def test_format_json_and_sarif_logs(rerun: Rerun) -> None:
    run, _ = rerun({"format": "json", "fail-on": "never"})
    assert {(f["path"], f["rule"]) for f in json.loads(run.stdout)} == {
        ("Dockerfile", "PIN004"),
        ("Dockerfile", "PIN001"),
        ("deploy/web,cache.yaml", "PIN002"),
    }
    run, _ = rerun({"format": "sarif", "fail-on": "never"})
    assert json.loads(run.stdout) == json.loads(Path(run.outputs["sarif-file"]).read_text())


@pytest.mark.slow  # runs the whole action, install step included
@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param(
            {"paths": '$(touch pwned) `touch pwned` "; touch pwned; echo " ${{ github.token }}'},
            id="paths",
        ),
        pytest.param({"args": "; touch pwned"}, id="args"),
        pytest.param({"config": "$(touch pwned)"}, id="config"),
        pytest.param({"sarif-file": 'x"; touch pwned; echo "'}, id="sarif-file"),
    ],
)
def test_inputs_are_data_not_code(rerun: Rerun, inputs: dict[str, str]) -> None:
    run, workspace = rerun(inputs)
    assert not list(workspace.rglob("pwned")), "an input was run as a command"
    assert run.returncode != 0, "the hostile input is an error, as data"


@pytest.mark.slow  # runs the whole action, install step included
@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param({"resolve": "yes"}, "input resolve must be true or false", id="bool"),
        pytest.param({"fail-on": "fatal"}, "input fail-on must be one of", id="fail-on"),
        pytest.param({"format": "xml"}, "input format must be one of", id="format"),
        pytest.param({"paths": "'unterminated"}, "input paths", id="quotes"),
    ],
)
def test_bad_inputs(rerun: Rerun, inputs: dict[str, str], message: str) -> None:
    run, _ = rerun(inputs)
    assert run.returncode == 2
    ((command, props, text),) = run.annotations()
    assert (command, props) == ("error", {"title": "pinlint"})
    assert message in text


@pytest.mark.slow  # runs the whole action, install step included
def test_config_error_fails_the_step(rerun: Rerun) -> None:
    run, _ = rerun({"config": "missing.toml", "fail-on": "never"})
    assert run.returncode == 2
    assert "pinlint" in run.stderr


@pytest.mark.slow  # runs the whole action, install step included
def test_token_never_shown(rerun: Rerun) -> None:
    run, workspace = rerun({"format": "text"}, env={"GITHUB_TOKEN": TOKEN})
    assert run.returncode == 1
    sarif = Path(run.outputs["sarif-file"]).read_text(encoding="utf-8")
    for text in (run.stdout, run.stderr, run.summary, sarif, json.dumps(run.outputs)):
        assert TOKEN not in text
        assert base64.b64encode(TOKEN.encode()).decode()[:20] not in text
    # The private Docker config lived only as long as the run.
    leftovers = list((workspace.parent / "temp").rglob("config.json"))
    assert leftovers == []


# --- resolve and fix against a real registry ----------------------------------------


@pytest.mark.slow  # runs the whole action, install step included
def test_resolve_and_fix(rerun: Rerun, registry: Registry, tmp_path: Path) -> None:
    repo = registry.new_repo("web")
    index = registry.push_index(repo, ["latest", "1.27.3", "1.27", "1"])
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    dockerfile = workspace / "Dockerfile"
    dockerfile.write_text(f"FROM {registry.host}/{repo}:latest\n", encoding="utf-8")
    pinned = f"{registry.host}/{repo}:1.27.3@{index.digest}"

    run, _ = rerun({"resolve": "true"}, tree=False)
    assert run.returncode == 1, run.stdout + run.stderr
    ((_, props, message),) = run.annotations()
    assert props["title"] == "PIN001"
    assert message.endswith(f"-> {pinned}")
    assert _table_rows(run.summary)[0][5] == f"`{pinned}`"
    (result,) = json.loads(Path(run.outputs["sarif-file"]).read_text())["runs"][0]["results"]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == pinned
    assert dockerfile.read_text() == f"FROM {registry.host}/{repo}:latest\n"

    # fix: the file is pinned; a changed file fails the step, like the pre-commit hook.
    run, _ = rerun({"fix": "true"}, tree=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert dockerfile.read_text() == f"FROM {pinned}\n"
    assert run.outputs["findings"] == "0"
    assert "Rewriting Dockerfile" in run.stderr

    dockerfile.write_text(f"FROM {registry.host}/{repo}:latest\n", encoding="utf-8")
    run, _ = rerun({"fix": "true", "fail-on": "never"}, tree=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert dockerfile.read_text() == f"FROM {pinned}\n"
    run, _ = rerun({"fix": "true"}, tree=False)
    assert run.returncode == 0, "a second fix changes nothing"


# --- action.yml itself ----------------------------------------------------------------


def test_inputs_and_outputs_are_documented() -> None:
    meta = _metadata()
    expected = {
        "paths",
        "resolve",
        "fix",
        "require-digest",
        "format",
        "sarif-file",
        "fail-on",
        "config",
        "args",
    }
    assert set(meta["inputs"]) == expected
    for name, spec in meta["inputs"].items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name)
        assert spec.get("description"), name
        assert "default" in spec, name
        assert spec.get("required", False) is False, name
    assert set(meta["outputs"]) == {"findings", "sarif-file"}
    assert all(spec.get("description") for spec in meta["outputs"].values())
    # Every input reaches the run step, through env: only.
    run_env = next(s for s in meta["runs"]["steps"] if s.get("id") == "run")["env"]
    passed = {m for v in run_env.values() for m in re.findall(r"inputs\.([a-z-]+)", str(v))}
    assert passed == expected
    for step in meta["runs"]["steps"]:
        assert "${{" not in step["run"]


def _tool(name: str) -> str:
    for candidate in (shutil.which(name), str(Path(sys.executable).parent / name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} not installed")
    pytest.skip(f"{name} not installed")


def test_check_jsonschema_and_zizmor() -> None:
    proc = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION_YML)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [_tool("zizmor"), "--offline", "--quiet", str(ACTION_YML)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- pinlint.action, piece by piece ---------------------------------------------------


def test_inputs_from_env() -> None:
    inputs = action.Inputs.from_env(
        {
            "INPUT_PATHS": "a\n'b c'\n",
            "INPUT_RESOLVE": "True",
            "INPUT_REQUIRE_DIGEST": "true",
            "INPUT_FAIL_ON": "warning",
            "INPUT_CONFIG": "ci/pinlint.toml",
            "INPUT_ARGS": "--select PIN0 --exclude 'vendor/**'",
        }
    )
    assert inputs.paths == ["a", "b c"]
    assert inputs.resolve is True
    assert inputs.fix is False
    argv = action.pinlint_argv(inputs, "/out.json")
    assert argv == [
        "--resolve",
        "--require-digest",
        "--config",
        "ci/pinlint.toml",
        "--fail-on",
        "warning",
        "--select",
        "PIN0",
        "--exclude",
        "vendor/**",
        "--format",
        "json",
        "--output",
        "/out.json",
        "--color",
        "never",
        "--",
        "a",
        "b c",
    ]
    defaults = action.Inputs.from_env({})
    assert defaults.paths == ["."]
    assert defaults.format == "github"
    assert action.pinlint_argv(action.Inputs.from_env({"INPUT_FIX": "true"}), "o")[0] == "--fix"


def test_read_findings_relative_to_workspace(tmp_path: Path) -> None:
    report = json.dumps(
        [
            {
                "path": str(tmp_path / "sub/Dockerfile"),
                "line": 2,
                "column": 6,
                "end_line": 2,
                "end_column": 11,
                "rule": "PIN002",
                "severity": "error",
                "image": "redis",
                "message": "redis has no tag and no digest (it means latest)",
                "suggestion": None,
            },
            {
                "path": "./compose.yaml",
                "line": 1,
                "column": 1,
                "rule": "PIN900",
                "severity": "error",
                "image": "",
                "message": "cannot parse",
                "suggestion": None,
            },
        ]
    )
    first, second = action.read_findings(report, str(tmp_path))
    assert first.path == "sub/Dockerfile"
    assert (first.end_line, first.end_column, first.severity) == (2, 11, Severity.ERROR)
    assert second.path == "compose.yaml"
    assert second.end_column is None


def test_outputs_with_newlines(tmp_path: Path) -> None:
    path = tmp_path / "out"
    action._write_outputs(str(path), {"findings": "2", "sarif-file": "odd\nname.sarif"})
    assert _read_output_file(path) == {"findings": "2", "sarif-file": "odd\nname.sarif"}


def test_docker_config_for_ghcr(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "config.json").write_text(
        json.dumps({"auths": {"registry.example.com": {"auth": "dTpw"}}, "credHelpers": {}}),
        encoding="utf-8",
    )
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_ACTOR": "octocat", "DOCKER_CONFIG": str(own)}
    directory = action.docker_config(env, str(tmp_path / "private"))
    assert directory == str(tmp_path / "private")
    config_file = Path(directory) / "config.json"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    config = json.loads(config_file.read_text(encoding="utf-8"))
    assert config["auths"]["registry.example.com"] == {"auth": "dTpw"}, "earlier logins stay"
    store = CredentialStore([config_file])
    credential = store.lookup("ghcr.io")
    assert credential is not None
    assert (credential.username, credential.password) == ("octocat", TOKEN)
    assert store.lookup("docker.io") is None
    assert TOKEN not in repr(credential)
    # The user's own file is left alone.
    assert "ghcr.io" not in (own / "config.json").read_text(encoding="utf-8")


def test_docker_config_leaves_an_existing_ghcr_login(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": "b3RoZXI6bG9naW4="}}}), encoding="utf-8"
    )
    env = {"GITHUB_TOKEN": TOKEN, "DOCKER_CONFIG": str(own)}
    assert action.docker_config(env, str(tmp_path / "private")) is None
    assert action.docker_config({"DOCKER_CONFIG": str(own)}, str(tmp_path / "x")) is None


# --- a hostile pull request -----------------------------------------------------------

RUNTIME_TOKEN = "ACTIONS-RUNTIME-" + "r" * 24


@pytest.mark.slow  # runs the whole action, install step included
def test_runner_environment_does_not_reach_a_hostile_tree(rerun: Rerun, tmp_path: Path) -> None:
    """A PR commits ``.env -> /proc/self/environ`` and a compose file that names every
    variable: whatever pinlint reads, the runner's secrets are not in its environment."""
    secrets = {"GITHUB_TOKEN": TOKEN, "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN}
    names = [n for n in [*os.environ, *secrets] if re.fullmatch(r"[A-Za-z_]\w*", n)]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".env").symlink_to("/proc/self/environ")
    services = "".join(f"  s{i}:\n    image: ${{{name}}}\n" for i, name in enumerate(names))
    (workspace / "compose.yaml").write_text(f"services:\n{services}", encoding="utf-8")
    run, _ = rerun({"format": "text", "fail-on": "never"}, env=secrets, tree=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sarif = Path(run.outputs["sarif-file"]).read_text(encoding="utf-8")
    for text in (run.stdout, run.stderr, run.summary, sarif):
        assert TOKEN not in text
        assert RUNTIME_TOKEN not in text


def test_child_environment_keeps_only_what_pinlint_needs() -> None:
    env = {
        "PATH": "/usr/bin",
        "HOME": "/home/runner",
        "LC_ALL": "C.UTF-8",
        "DOCKER_CONFIG": "/d",
        "AWS_REGION": "eu-west-1",
        "HTTPS_PROXY": "http://127.0.0.1:3128",
        "GITHUB_TOKEN": TOKEN,
        "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x",
        "GITHUB_STEP_SUMMARY": "/s",
        "INPUT_ARGS": "--x",
        "MY_DEPLOY_KEY": "k",
    }
    assert action.child_environment(env) == {
        "PATH": "/usr/bin",
        "HOME": "/home/runner",
        "LC_ALL": "C.UTF-8",
        "DOCKER_CONFIG": "/d",
        "AWS_REGION": "eu-west-1",
        "HTTPS_PROXY": "http://127.0.0.1:3128",
    }


@pytest.mark.parametrize("target", ["inside", "outside"])
def test_sarif_file_symlink_is_not_written_through(
    rerun: Rerun, tmp_path: Path, target: str
) -> None:
    workspace = tmp_path / "workspace"
    _tree(workspace)
    victim = (workspace if target == "inside" else tmp_path) / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (workspace / "results.sarif").symlink_to(victim)
    run, _ = rerun({"sarif-file": "results.sarif", "fail-on": "never"})
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert run.returncode == 2
    errors = [m for c, p, m in run.annotations() if p.get("title") == "pinlint"]
    assert len(errors) == 1, run.stdout
    assert "symlink" in errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    # The findings were shown all the same.
    assert {p["title"] for _, p, _ in run.annotations()} >= {"PIN001", "PIN002"}


def test_sarif_file_outside_the_workspace_is_refused(rerun: Rerun, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    _tree(workspace)
    (workspace / "reports").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    for sarif_file in ("reports/out.sarif", "../escape.sarif"):
        run, _ = rerun({"sarif-file": sarif_file, "fail-on": "never"})
        assert run.returncode == 2, sarif_file
        assert "outside the workspace" in run.stdout, sarif_file
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert not (tmp_path / "escape.sarif").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes")
def test_file_name_that_is_not_utf8(rerun: Rerun, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    _tree(workspace)
    with open(os.path.join(os.fsencode(workspace), b"Dockerfile.\xff"), "wb") as f:
        f.write(b"FROM alpine:latest\n")
    run, _ = rerun()
    assert run.returncode == 1, run.stdout + run.stderr
    files = {p["file"] for _, p, _ in run.annotations()}
    assert files == {"Dockerfile", "deploy/web,cache.yaml", "Dockerfile.\\xff"}
    assert run.outputs["findings"] == "4"
    log = json.loads(Path(run.outputs["sarif-file"]).read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "Dockerfile.%FF" in uris
    assert "Dockerfile.\\xff" in run.summary


def test_unreadable_report_fails_the_step_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pinlint run that leaves a truncated report (killed mid-write) cannot be produced
    # on demand: the child is replaced by one that writes half a JSON array.
    def child(argv: list[str], **kwargs: Any) -> int:
        Path(argv[argv.index("--output") + 1]).write_text('[{"path": "Dock', encoding="utf-8")
        return 1

    monkeypatch.setattr(subprocess, "call", child)
    env = {"GITHUB_WORKSPACE": str(tmp_path), "RUNNER_TEMP": str(tmp_path / "temp")}
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(os, "environ", env)
    assert action.main([]) == 2
    out = capsys.readouterr().out
    (line,) = out.splitlines()
    assert line.startswith("::error title=pinlint::pinlint (exit code 1) wrote a report")
