"""Hostile files: what a pull request can make the scanners read, say, spend or hang on.

Each test commits the attack to a real tree (real symlinks, a FIFO, a ``.git/config`` as
actions/checkout leaves it), runs pinlint in a child process as CI would, and checks
what the victim sees: no secret in any format, a one-line finding, bounded memory and
time, no exit 3.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_pinlint

# What actions/checkout persists in .git/config (src/git-auth-helper.ts,
# configureToken: "http.https://github.com/.extraheader" = "AUTHORIZATION: basic ...").
SECRET = "eC1hY2Nlc3MtdG9rZW46Z2hzX1MzY3IzdFQwazNu"
GIT_CONFIG = f"""\
[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
[remote "origin"]
\turl = https://github.com/octo/app
\tfetch = +refs/heads/*:refs/remotes/origin/*
[http "https://github.com/"]
\textraheader = AUTHORIZATION: basic {SECRET}
"""
FORMATS = ("text", "json", "sarif", "github")


def _compose(tree: Path, *names: str) -> None:
    services = "".join(f"  s{i}:\n    image: ${{{name}}}\n" for i, name in enumerate(names))
    (tree / "compose.yaml").write_text(f"services:\n{services}", encoding="utf-8")


def _outputs(tmp_path: Path, tree: Path, **env: str) -> list[str]:
    """Everything every format shows, the job summary included; none ends in exit 3."""
    shown = []
    summary = tmp_path / "summary.md"
    for fmt in FORMATS:
        proc = run_pinlint(
            tmp_path,
            tree,
            ".",
            "--format",
            fmt,
            timeout=60,
            env={"GITHUB_STEP_SUMMARY": str(summary), **env},
        )
        assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
        shown += [proc.stdout.decode(), proc.stderr.decode()]
    return [*shown, summary.read_text(encoding="utf-8")]


def test_dotenv_linked_to_git_config_is_not_read(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    (tree / ".git").mkdir(parents=True)
    (tree / ".git/config").write_text(GIT_CONFIG, encoding="utf-8")
    (tree / ".env").symlink_to(".git/config")
    _compose(tree, "extraheader", "url")
    for text in _outputs(tmp_path, tree):
        assert SECRET not in text
        assert "github.com/octo" not in text
    proc = run_pinlint(tmp_path, tree, ".", "--format", "json")
    rules = sorted(f["rule"] for f in json.loads(proc.stdout))
    assert rules == ["PIN006", "PIN006"], "the variables have no value: .env was not read"


def test_dotenv_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".env").write_text(f"TOKEN=ghs_{SECRET}\n", encoding="utf-8")
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / ".env").symlink_to(outside / ".env")
    sub = tree / "sub"
    sub.mkdir()
    (sub / ".env").symlink_to("/proc/self/environ")
    _compose(tree, "TOKEN")
    # /proc/self/environ separates variables with NUL, so the first one's value runs to
    # the end: name them all.
    names = [n for n in [*os.environ, "PINLINT_PROBE"] if n.isidentifier()]
    _compose(sub, *names)
    for text in _outputs(tmp_path, tree, PINLINT_PROBE="the-environment"):
        assert SECRET not in text
        assert "the-environment" not in text


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_dotenv_that_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    if kind == "fifo":
        os.mkfifo(tree / ".env")  # nobody writes: a plain open() would block forever
    elif kind == "device":
        (tree / ".env").symlink_to("/dev/zero")
    else:
        (tree / ".env").mkdir()
    _compose(tree, "IMAGE")
    proc = run_pinlint(tmp_path, tree, ".", timeout=60)
    assert proc.returncode == 0, proc.stderr  # PIN006 is a warning
    assert b"PIN006" in proc.stdout


def test_value_from_dotenv_is_not_repeated(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    # A value that is no reference: the message names the variable, not the value.
    (tree / ".env").write_text("IMAGE=Bearer s3cr3t-value with spaces\n", encoding="utf-8")
    _compose(tree, "IMAGE")
    for text in _outputs(tmp_path, tree):
        assert "s3cr3t-value" not in text
    proc = run_pinlint(tmp_path, tree, ".")
    assert b"${IMAGE}: the value substituted is not a valid image reference" in proc.stdout


def _limited(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """``cmd`` with 1 GiB of address space: a run that needs more fails, not the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, timeout=timeout, check=False, preexec_fn=limit
    )


def test_dotenv_doubling_is_value_too_long(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    lines = ["A0=xx"] + [f"A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 41)]
    (tree / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _compose(tree, "A40")
    (tree / "Dockerfile").write_text("FROM nginx:latest\n", encoding="utf-8")
    proc = _limited([sys.executable, "-m", "pinlint", "."], tree, 60)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode()
    assert "compose.yaml:3:12: PIN900 services.s0.image: value too long" in out, out
    assert "Dockerfile:1:6: PIN001" in out, "the run goes on"


def test_arg_doubling_is_value_too_long(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    args = "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 41))
    text = f"ARG A0=xx\n{args}FROM alpine:${{A40}}\n"
    assert len(text) < 1000
    (tree / "Dockerfile").write_text(text, encoding="utf-8")
    proc = _limited([sys.executable, "-m", "pinlint", "Dockerfile"], tree, 60)
    assert proc.returncode == 1, proc.stderr
    assert b"value too long" in proc.stdout


# Few-MB Dockerfiles of the shapes that were quadratic (or worse): each must scan in a
# child process well inside a generous bound (each takes about two seconds here; the
# code before this test took minutes to hours on them).
_BIG = 3_000_000
LARGE_DOCKERFILES = {
    "flag-on-every-continued-line": "FROM alpine\nRUN "
    + "--mount=type=cache,from=builder \\\n" * (_BIG // 36)
    + "true\n",
    "many-stages": "".join(f"FROM alpine:3.{i} AS s{i}\n" for i in range(_BIG // 26)),
    "pattern-substitution": "ARG A=" + "a" * 60_000 + "\nFROM alpine:${A//a/b}\n",
    "prefix-pattern": "ARG A=" + "a" * 60_000 + "\nFROM alpine:${A##*b}\n",
    "many-patterns": "ARG A=" + "a" * 1000 + "\n" + "FROM alpine:${A//*b/x}\n" * 3000,
}


@pytest.mark.slow  # a few MB of Dockerfile each, in a child process
@pytest.mark.parametrize("name", list(LARGE_DOCKERFILES))
def test_large_dockerfile_scans_in_linear_time(tmp_path: Path, name: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(LARGE_DOCKERFILES[name], encoding="utf-8")
    proc = _limited([sys.executable, "-m", "pinlint", str(path)], tmp_path, 60)
    assert proc.returncode in (0, 1), proc.stderr
    assert b"Traceback" not in proc.stderr


def test_bake_variable_chain_is_value_too_long(tmp_path: Path) -> None:
    # Twenty ${A<n-1>} in each of eight chained defaults: 20**8 expansions, and a value
    # of 20**8 characters, if each use is expanded on its own (the code before: a hang).
    lines = ['variable "A0" { default = "x" }']
    for i in range(1, 9):
        lines.append(f'variable "A{i}" {{ default = "' + f"${{A{i - 1}}}" * 20 + '" }')
    lines.append('target "app" {\n  contexts = { base = "docker-image://alpine:${A8}" }\n}')
    (tmp_path / "docker-bake.hcl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _limited([sys.executable, "-m", "pinlint", "docker-bake.hcl"], tmp_path, 60)
    assert proc.returncode == 1, proc.stderr
    assert b"PIN900" in proc.stdout
    assert b"value too long" in proc.stdout


def test_cloud_build_substitution_too_long(tmp_path: Path) -> None:
    # The substitution machinery is compose's, and so is its limit.
    (tmp_path / "cloudbuild.yaml").write_text(
        f"substitutions:\n  _A: {'a' * 70_000}\nsteps:\n  - name: gcr.io/p/${{_A}}:1\n",
        encoding="utf-8",
    )
    proc = _limited([sys.executable, "-m", "pinlint", "cloudbuild.yaml"], tmp_path, 60)
    assert proc.returncode == 1, proc.stderr
    assert b"value too long" in proc.stdout


def test_argo_parameter_chain_is_value_too_long(tmp_path: Path) -> None:
    # Twenty uses of the previous parameter in each of six: 20**6 pieces, expanded one
    # use at a time (the code before: a hang).
    params = ['      - name: A0\n        value: "x"']
    for i in range(1, 7):
        uses = f"{{{{workflow.parameters.A{i - 1}}}}}" * 20
        params.append(f'      - name: A{i}\n        value: "{uses}"')
    (tmp_path / "wf.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: x-\n"
        "spec:\n  entrypoint: main\n  arguments:\n    parameters:\n"
        + "\n".join(params)
        + "\n  templates:\n    - name: main\n      container:\n"
        '        image: "alpine:{{workflow.parameters.A6}}"\n',
        encoding="utf-8",
    )
    proc = _limited([sys.executable, "-m", "pinlint", "wf.yaml"], tmp_path, 60)
    assert proc.returncode == 1, proc.stderr
    assert b"PIN900 value too long after substituting placeholders" in proc.stdout


def test_tekton_param_chain_is_value_too_long(tmp_path: Path) -> None:
    # PipelineRun -> Pipeline -> task -> Task, each value using the outer one 200 times:
    # 200**3 pieces expanded one use at a time (about a second now; the bound is generous).
    many = "$(params.a)" * 200
    (tmp_path / "run.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n"
        "  params:\n  - {name: a, value: x}\n  pipelineSpec:\n"
        f"    params:\n    - {{name: a, default: '{many}'}}\n    tasks:\n    - name: t\n"
        f"      params:\n      - {{name: a, value: '{many}'}}\n      taskSpec:\n"
        f"        params:\n        - {{name: a, default: '{many}'}}\n"
        f"        steps:\n        - image: 'alpine:{many}'\n",
        encoding="utf-8",
    )
    proc = _limited([sys.executable, "-m", "pinlint", "run.yaml"], tmp_path, 20)
    assert proc.returncode in (0, 1), proc.stderr
    assert b"Traceback" not in proc.stderr
