"""The command line end to end: exact output and exit codes, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import plain_env
from helpers import run_main as run
from helpers import write_file as write
from pinlint import __version__, cli
from pinlint.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_env(monkeypatch)


EXAMPLES_OUTPUT = """\
examples/Dockerfile:1:10: PIN004 docker/dockerfile:1 uses the partial version "1" [error]
examples/Dockerfile:3:12: PIN004 python:3.12-slim uses the partial version "3.12-slim" [error]
examples/Dockerfile:5:6: PIN004 golang:1.22 uses the partial version "1.22" [error]
examples/Dockerfile:12:13: PIN001 busybox:latest uses the moving tag "latest" [error]
examples/Dockerfile:13:28: PIN002 alpine has no tag and no digest (it means latest) [error]
examples/Dockerfile:15:6: PIN006 ${RUNTIME_BASE} cannot be checked: ${RUNTIME_BASE} has no value or default [warning]
examples/compose/compose.yaml:3:12: PIN001 nginx:latest uses the moving tag "latest" [error]
examples/compose/compose.yaml:6:12: PIN002 redis has no tag and no digest (it means latest) [error]
examples/compose/compose.yaml:8:13: PIN004 postgres:16 uses the partial version "16" [error]
examples/compose/compose.yaml:10:27: PIN003 rabbitmq:management uses the moving tag "management" [error]
examples/compose/compose.yaml:15:12: PIN005 traefik:v3.1.2 has an exact tag but no digest [error]
examples/k8s/broken.yaml:8:27: PIN900 invalid YAML: found unexpected end of stream while scanning a quoted scalar in "image: "nginx:latest" [error]
examples/k8s/deployment.yaml:17:18: PIN003 ghcr.io/example/migrate:main uses the moving tag "main" [error]
examples/k8s/deployment.yaml:20:18: PIN005 ghcr.io/example/api:1.4.2 has an exact tag but no digest [error]
examples/k8s/deployment.yaml:21:35: PIN004 envoyproxy/envoy:v1.31 uses the partial version "v1.31" [error]
examples/k8s/deployment.yaml:23:18: PIN007 Example/Legacy:latest is not a valid image reference: invalid reference format: repository name must be lowercase [error]
examples/k8s/deployment.yaml:40:22: PIN004 alpine:3 uses the partial version "3" [error]
examples/k8s/deployment.yaml:40:33: PIN901 "# pinlint: ignore [PIN004]" is not a directive pinlint reads; write "# pinlint: ignore" or "# pinlint: ignore[RULE,...]" [warning]
Found 18 findings (16 errors, 2 warnings) in 4 files; 4 files read.
"""  # noqa: E501


def test_examples_show_every_offline_rule(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "examples")
    assert (code, out, err) == (1, EXAMPLES_OUTPUT, "")
    offline = {r.id for r in RULES.values() if not r.online}
    assert {line.split()[1] for line in out.splitlines()[:-1]} == offline


def test_clean_tree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM nginx:1.27.3@sha256:" + "a" * 64 + "\nFROM scratch\n")
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx:1.27.3\n")
    assert run(capsys, str(tmp_path)) == (0, "No findings; 2 files read.\n", "")


def test_quiet_prints_findings_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM nginx\n")
    code, out, _ = run(capsys, "--quiet", str(path))
    assert code == 1
    assert out == f"{path}:1:6: PIN002 nginx has no tag and no digest (it means latest) [error]\n"


def test_json_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "ARG BASE=python:3\nFROM ${BASE}\n")
    code, out, _ = run(capsys, "--format", "json", str(path))
    assert code == 1
    assert json.loads(out) == [
        {
            "path": str(path),
            "line": 1,
            "column": 10,
            "end_line": 1,
            "end_column": 18,
            "rule": "PIN004",
            "severity": "error",
            "image": "python:3",
            "reference": "python:3",
            "message": 'python:3 uses the partial version "3"',
            "suggestion": None,
            "resolution": None,  # not asked: no --resolve
        }
    ]


def test_json_reference_and_resolution(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import isolate

    isolate(monkeypatch, tmp_path)
    # The reference as written and as it takes effect, side by side.
    path = write(tmp_path, "Dockerfile", "ARG BASE\nFROM ${BASE}\n")
    code, out, _ = run(capsys, "--format", "json", "--build-arg", "BASE=python:3", str(path))
    assert code == 1
    (finding,) = json.loads(out)
    assert (finding["image"], finding["reference"]) == ("${BASE}", "python:3")
    code, out, _ = run(capsys, "--format", "sarif", "--build-arg", "BASE=python:3", str(path))
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["properties"] == {"image": "${BASE}", "reference": "python:3"}
    # With --resolve, whether the registry answered: a registry nobody listens to.
    path = write(tmp_path, "Dockerfile", "FROM 127.0.0.1:9/team/app:latest\n")
    code, out, _ = run(capsys, "--format", "json", "--resolve", str(path))
    assert code == 1
    (finding,) = json.loads(out)
    assert finding["resolution"] == "unresolved: 127.0.0.1:9: cannot connect"
    assert finding["message"].startswith('127.0.0.1:9/team/app:latest uses the moving tag "latest"')


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    report = tmp_path / "report.json"
    code, out, _ = run(capsys, "--format", "json", "--output", str(report), str(path))
    assert (code, out) == (1, "")
    assert [f["rule"] for f in json.loads(report.read_text())] == ["PIN001"]


@pytest.mark.parametrize(
    ("args", "rules", "code"),
    [
        pytest.param([], ["PIN001", "PIN004", "PIN006"], 1, id="default"),
        pytest.param(["--select", "PIN001"], ["PIN001"], 1, id="select"),
        pytest.param(["--ignore", "PIN001,PIN004"], ["PIN006"], 0, id="ignore-leaves-warning"),
        pytest.param(
            ["--require-digest"], ["PIN001", "PIN004", "PIN005", "PIN006"], 1, id="digest"
        ),
        # A prefix selects every rule it names, PIN005 too (ruff's semantics).
        pytest.param(
            ["--select", "PIN00"], ["PIN001", "PIN004", "PIN005", "PIN006"], 1, id="prefix"
        ),
        pytest.param(
            ["--ignore", "PIN001,PIN004", "--fail-on", "warning"],
            ["PIN006"],
            1,
            id="fail-on-warning",
        ),
        pytest.param(["--fail-on", "never"], ["PIN001", "PIN004", "PIN006"], 0, id="never"),
    ],
)
def test_rule_selection_and_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], rules: list[str], code: int
) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "FROM nginx:latest\nFROM python:3.12\nFROM redis:7.4.1\nFROM ${MISSING}\n",
    )
    got, out, _ = run(capsys, "--format", "json", *args, str(path))
    assert sorted(f["rule"] for f in json.loads(out)) == rules
    assert got == code


def test_config_file_and_allow(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, ".pinlint.toml", 'allow = ["mycorp/*:dev", "docker.io/library/redis"]\n')
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a: {image: mycorp/api:dev}\n  b: {image: redis}\n"
        "  c: {image: mycorp/x:main}\n",
    )
    code, out, _ = run(capsys, "--quiet", str(tmp_path))
    assert code == 1
    assert (
        out == f'{tmp_path}/compose.yaml:4:14: PIN003 mycorp/x:main uses the moving tag "main"'
        " [error]\n"
    )


def test_exact_tag_patterns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, ".pinlint.toml", 'exact-tags = ["^build-[0-9]+$"]\n')
    write(tmp_path, "Dockerfile", "FROM app:build-1234\nFROM app:build-x\n")
    code, out, _ = run(capsys, "--quiet", "--select", "PIN003", str(tmp_path))
    assert code == 1
    assert (
        out
        == f'{tmp_path}/Dockerfile:2:6: PIN003 app:build-x uses the moving tag "build-x" [error]\n'
    )


def test_exact_tag_schemes_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The table form is per repository, on top of pinlint.schemes' known schemes.
    write(tmp_path, ".pinlint.toml", '[exact-tags]\n"ghcr.io/mycorp/*" = "build-[0-9]+"\n')
    write(
        tmp_path,
        "Dockerfile",
        "FROM ghcr.io/mycorp/app:build-12\nFROM ghcr.io/other/app:build-12\n"
        "FROM postgres:16.4\nFROM mysql:8.4\n",
    )
    code, out, _ = run(capsys, "--quiet", str(tmp_path))
    assert code == 1
    assert out == (
        f"{tmp_path}/Dockerfile:2:6: PIN003 ghcr.io/other/app:build-12 uses the moving tag"
        ' "build-12" [error]\n'
        f'{tmp_path}/Dockerfile:4:6: PIN004 mysql:8.4 uses the partial version "8.4" [error]\n'
    )
    write(tmp_path, ".pinlint.toml", '[exact-tags]\n"a/*" = "(x"\n')
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "exact-tags: invalid pattern '(x'" in err


def test_build_arg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "ARG BASE\nFROM ${BASE}\n")
    code, out, _ = run(capsys, "--quiet", "--build-arg", "BASE=nginx:1.27.3", str(path))
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "--quiet", str(path))
    assert code == 0  # PIN006 is a warning
    assert "PIN006" in out


def test_baseline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    baseline = tmp_path / "baseline.json"
    # Writes the file, says so, exits 0: `pinlint --write-baseline b.json && git add b.json`.
    assert run(capsys, "--write-baseline", str(baseline), str(path)) == (
        0,
        f"Wrote 1 finding to {baseline}\n",
        "",
    )
    assert json.loads(baseline.read_text())["findings"][0]["image"] == "nginx:latest"
    assert run(capsys, "--baseline", str(baseline), str(path)) == (
        0,
        f"No findings; 1 file read.\n1 finding hidden by the baseline {baseline}.\n",
        "",
    )
    path.write_text("# a new line moves the old finding\nFROM nginx:latest\nFROM redis\n")
    code, out, _ = run(capsys, "--baseline", str(baseline), "--quiet", str(path))
    assert code == 1
    assert out == f"{path}:3:6: PIN002 redis has no tag and no digest (it means latest) [error]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--bogus"], "pinlint: unrecognized arguments: --bogus\n", id="unknown-flag"),
        pytest.param(
            ["does-not-exist"],
            "pinlint: does-not-exist: no such file or directory\n",
            id="missing-path",
        ),
        pytest.param(
            ["--select", "PIN999", "."],
            "pinlint: unknown rule 'PIN999' (see pinlint --list-rules)\n",
            id="unknown-rule",
        ),
        pytest.param(
            ["--format", "xml"],
            "pinlint: argument --format: invalid choice: 'xml' "
            "(choose from text, json, sarif, github)\n",
            id="bad-format",
        ),
        pytest.param(
            ["--fail-on", "info"],
            "pinlint: argument --fail-on: invalid choice: 'info' "
            "(choose from error, warning, never)\n",
            id="bad-fail-on",
        ),
        pytest.param(["--diff", "."], "pinlint: --diff goes with --fix\n", id="diff-without-fix"),
        pytest.param(
            ["--explain", "PIN999"],
            "pinlint: unknown rule 'PIN999' (see pinlint --list-rules)\n",
            id="explain-unknown",
        ),
        pytest.param(
            ["--build-arg", "NOVALUE", "."],
            "pinlint: --build-arg takes KEY=VALUE, got 'NOVALUE'\n",
            id="build-arg",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err == message


def test_bad_config_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(tmp_path, ".pinlint.toml", "colour = true\n")
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    assert run(capsys, str(tmp_path)) == (2, "", f"pinlint: {config}: unknown setting 'colour'\n")


def test_list_rules_reads_the_rule_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert [line.split()[1] for line in lines] == [r.name for r in RULES.values()]
    assert "PIN005  missing-digest         off" in out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--explain", "pin104")
    assert code == 0
    rule = RULES["PIN104"]
    assert out.startswith(f"PIN104 rolled-back-tag (warning)\n\n{rule.summary}\n\n")
    assert rule.explanation in out
    assert "Needs --resolve" in out


def test_color(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    _, out, _ = run(capsys, "--color", "always", str(path))
    assert "\033[31m\033[1mPIN001\033[0m" in out
    _, out, _ = run(capsys, str(path))  # captured stdout is not a terminal
    assert "\033[" not in out
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _, out, _ = run(capsys, str(path))
    assert "\033[" not in out


def test_suppression_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Dockerfiles have whole-line comments only; YAML has trailing ones too.
    write(
        tmp_path,
        "Dockerfile",
        "# pinlint: ignore[PIN001]\nFROM nginx:latest\n# pinlint: ignore[PIN001]\nFROM redis\n",
    )
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a: {image: redis}  # pinlint: ignore\n  b: {image: redis}\n",
    )
    code, out, _ = run(capsys, "--quiet", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        # The second directive names a rule that does not fire on its line (RUF100).
        f'{tmp_path}/Dockerfile:3:1: PIN901 "# pinlint: ignore[PIN001]": no PIN001 finding '
        "on line 4 to ignore [warning]",
        f"{tmp_path}/Dockerfile:4:6: PIN002 redis has no tag and no digest (it means latest)"
        " [error]",
        f"{tmp_path}/compose.yaml:3:14: PIN002 redis has no tag and no digest (it means latest)"
        " [error]",
    ]


def test_crlf_and_bom(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", b"\xef\xbb\xbfFROM nginx:latest\r\nFROM redis\r\n")
    code, out, _ = run(capsys, "--quiet", str(path))
    assert code == 1
    # Columns are what an editor shows: the BOM is not one.
    assert out.splitlines() == [
        f'{path}:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]',
        f"{path}:2:6: PIN002 redis has no tag and no digest (it means latest) [error]",
    ]


def test_bad_input_tree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Every kind of bad file: one PIN900 line each, no traceback, the good file linted."""
    write(tmp_path, "good/Dockerfile", "FROM nginx:latest\n")
    write(tmp_path, "binary/Dockerfile", b"FROM nginx\x00\x01\x02")
    write(tmp_path, "latin1/Dockerfile", b"# caf\xe9\nFROM nginx:latest\n")
    write(tmp_path, "empty/Dockerfile", b"")
    write(tmp_path, "empty/compose.yaml", b"")
    write(tmp_path, "quote/compose.yaml", "services:\n  a:\n    image: 'nginx:latest\n")
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write(tmp_path, "bomb/compose.yaml", lol + "services:\n  web:\n    image: redis\n")
    write(tmp_path, "deep/deploy.yaml", "image: x\nspec: " + "[" * 20000 + "]" * 20000 + "\n")
    (tmp_path / "dir" / "Dockerfile").mkdir(parents=True)
    os.symlink(tmp_path, tmp_path / "dir" / "loop")
    code, out, err = run(capsys, "--format", "json", str(tmp_path))
    assert err == ""
    findings = {
        (Path(f["path"]).relative_to(tmp_path).parts[0], f["rule"]) for f in json.loads(out)
    }
    assert findings == {
        ("good", "PIN001"),
        ("binary", "PIN900"),
        ("latin1", "PIN900"),
        ("latin1", "PIN001"),  # the rest of the file is still read
        ("quote", "PIN900"),
        ("bomb", "PIN002"),
        ("deep", "PIN900"),
    }
    assert code == 1


@pytest.mark.slow  # a 6 MB manifest in a subprocess
def test_large_manifest_memory_is_bounded(tmp_path: Path) -> None:
    doc = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: app\n"
        "          image: registry.example/app-{i}:latest\n          args: [a, b, c]\n---\n"
    )
    text = "".join(doc.format(i=i) for i in range(30000))
    assert len(text) > 6_000_000
    write(tmp_path, "big.yaml", text)
    script = (
        "import resource, sys\nfrom pinlint import cli\n"
        "code = cli.main(['--quiet', '--format', 'json', '--output', sys.argv[2], sys.argv[1]])\n"
        "print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    code, max_rss_kib = int(out[0]), int(out[1])
    assert code == 1
    assert len(json.loads((tmp_path / "r.json").read_text())) == 30000
    assert max_rss_kib < 250 * 1024  # ~115 MiB measured: every one of 30,000 findings is kept


def test_module_and_console_script(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "pinlint", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout == f"pinlint {__version__}\n"
    script = Path(sys.executable).with_name("pinlint")
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    proc = subprocess.run(
        [str(script), "--quiet", "Dockerfile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (
        1,
        'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n',
    )


def test_default_path_is_cwd(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "sub/Dockerfile", "FROM redis\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--quiet")
    assert (code, out) == (
        1,
        "sub/Dockerfile:1:6: PIN002 redis has no tag and no digest (it means latest) [error]\n",
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["a"],
        ["Dockerfile", "k8s/app.yaml"],
        ["--fix", "Dockerfile", "k8s/app.yaml"],  # the pinlint-fix hook's call
        ["--resolve", "a"],
        ["--fix"],
    ],
)
def test_fast_path_gives_what_argparse_gives(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paths alone, after at most one mode, skip argparse (the pre-commit hooks' calls);
    the options must be the same."""
    fast = vars(cli.parse_args(argv))
    slow = vars(cli._parser().parse_args(argv))
    assert fast == slow
    assert fast["paths"] == [a for a in argv if not a.startswith("-")]
    # argparse is not asked (the slow path would need it).
    monkeypatch.setattr(cli, "_parser", None)
    assert vars(cli.parse_args(argv)) == slow


@pytest.mark.parametrize(
    "argv", [["a", "--fix"], ["--fix", "--resolve", "a"], ["--fix", "--quiet", "a"], ["--diff"]]
)
def test_other_command_lines_go_through_argparse(argv: list[str]) -> None:
    import argparse

    assert isinstance(cli.parse_args(argv), argparse.Namespace)


def test_one_dockerfile_imports_no_argparse_yaml_or_http(tmp_path: Path) -> None:
    """The pre-commit path: what a one-Dockerfile run must not import or compile
    (start-up cost): no heavy module, none of the light stdlib modules that pinlint
    used to load (``re`` and ``functools`` with what they import), no directive reader
    for a file without one, and no regular expression (re's cache of compiled patterns
    stays empty, were ``re`` loaded at start-up)."""
    write(tmp_path, "Dockerfile", _SINGLE_DOCKERFILE)
    script = (
        "import sys\nbefore = set(sys.modules)\n"
        "if 're' in sys.modules:\n    sys.modules['re'].purge()\n"
        "from pinlint import cli\ncode = cli.main(['Dockerfile'])\n"
        "heavy = {'argparse', 'dataclasses', 'inspect', 'typing', 'yaml', 'httpx', 'shutil',"
        " 'subprocess', 'json', 'tomllib', 'pinlint.directives'}\n"
        "light = {'re', 'collections', 'collections.abc', 'functools', 'enum', 'types'}\n"
        "new = set(sys.modules) - before\n"
        "re = sys.modules.get('re')\n"
        "compiled = len(getattr(re, '_cache', {})) + len(getattr(re, '_cache2', {}))\n"
        "print(code, sorted(heavy & set(sys.modules)), sorted(light & new), compiled)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.splitlines()[-1] == "1 [] [] 0"


# The shape of bench/bench_lint.py's one Dockerfile: a parser directive, an ARG, stages,
# flags, a mount, versions pinned by digest and one moving tag.  (A version tag without
# a digest is classified with an expression, compiled on first use.)
_SINGLE_DOCKERFILE = f"""\
# syntax=docker/dockerfile:1.10.0@sha256:{"a" * 64}
ARG PYTHON_VERSION=3.12.7
FROM python:${{PYTHON_VERSION}}-slim-bookworm@sha256:{"b" * 64} AS build
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
FROM gcr.io/distroless/python3-debian12:nonroot AS final
COPY --from=build /deps /deps
ENTRYPOINT ["python", "-m", "app"]
"""


def _third_party_tree(root: Path) -> None:
    # Shape of docker/buildx@461836ba0fcb3e847dab6045a726889faa150bdb, whose vendor/
    # holds the Dockerfiles of its Go dependencies (vendor/github.com/tonistiigi/
    # jaeger-ui-rest/Dockerfile: FROM alpine AS ...).
    write(root, "Dockerfile", "FROM golang:1.26.1-alpine3.23\n")
    write(root, "vendor/github.com/tonistiigi/jaeger-ui-rest/Dockerfile", "FROM alpine\n")
    write(root, "node_modules/pkg/compose.yaml", "services:\n  a: {image: redis}\n")
    write(root, "third_party/lib/Dockerfile", "FROM nginx:latest\n")
    write(root, "vendored/Dockerfile", "FROM busybox\n")  # not a third-party tree name


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_third_party_trees_are_skipped_and_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, git: bool
) -> None:
    _third_party_tree(tmp_path)
    if git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert out == (
        f"{tmp_path}/vendored/Dockerfile:1:6: PIN002 busybox has no tag and no digest"
        " (it means latest) [error]\n"
        "Found 1 finding (1 error) in 1 file; 2 files read.\n"
        "Skipped 3 files in third-party trees (vendor/, node_modules/, third_party/);"
        " --no-default-excludes reads them.\n"
    )
    code, out, _ = run(capsys, "--no-default-excludes", "--quiet", str(tmp_path))
    assert code == 1
    assert sorted(line.split(":")[0] for line in out.splitlines()) == [
        f"{tmp_path}/node_modules/pkg/compose.yaml",
        f"{tmp_path}/third_party/lib/Dockerfile",
        f"{tmp_path}/vendor/github.com/tonistiigi/jaeger-ui-rest/Dockerfile",
        f"{tmp_path}/vendored/Dockerfile",
    ]


def test_third_party_trees_config_and_named_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _third_party_tree(tmp_path)
    # A file or directory named on the command line is read even inside vendor/.
    named = tmp_path / "vendor" / "github.com"
    code, out, _ = run(capsys, "--quiet", str(named))
    assert (code, out.count("PIN002")) == (1, 1)
    write(tmp_path, ".pinlint.toml", "default-excludes = false\n")
    code, out, _ = run(capsys, str(tmp_path))
    assert "Found 4 findings" in out
    assert "Skipped" not in out
    write(tmp_path, ".pinlint.toml", 'default-excludes = "no"\n')
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "default-excludes must be true or false" in err


def test_file_no_source_reads_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("FROM nginx:latest\n")
    code, out, err = run(capsys, str(notes))
    # Not "No findings." alone, which would suggest it was checked.
    assert (code, out) == (
        0,
        "No findings; 0 files read, 1 named file skipped (not a file pinlint reads).\n",
    )
    assert err == f"pinlint: {notes}: not a file pinlint reads\n"


def test_unread_file_beside_a_read_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM nginx:1.27.3\n")
    code, out, err = run(capsys, str(notes), str(dockerfile))
    assert (code, out, err) == (
        0,
        "No findings; 1 file read, 1 named file skipped (not a file pinlint reads).\n",
        f"pinlint: {notes}: not a file pinlint reads\n",
    )


def test_excluded_file_is_not_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x\n")
    assert run(capsys, "--exclude", "*.txt", str(notes)) == (0, "No findings; 0 files read.\n", "")


# --- the command line as users expect it (exit codes, lists, config, messages) ----------


def test_explain_takes_rule_names_and_says_how_to_silence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--explain", "partial-version")
    assert code == 0
    assert out.startswith("PIN004 partial-version (error)\n")
    assert "# pinlint: ignore[PIN004]" in out
    assert 'ignore = ["PIN004"]' in out
    assert "exact-tags = [" in out  # how to declare your own exact tags
    assert "--ignore partial-version works too" in out
    # Rules that are not about tags say nothing of exact-tags.
    assert "exact-tags" not in run(capsys, "--explain", "latest-tag")[1]


def test_list_options_take_comma_lists_and_repeat(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path, "a/Dockerfile", "FROM nginx:latest\nFROM redis\nFROM python:3\n")
    write(tmp_path, "b/Dockerfile", "FROM nginx:latest\n")
    write(tmp_path, "c/Dockerfile", "FROM nginx:latest\n")
    root = str(tmp_path)

    def rules_and_paths(*argv: str) -> set[tuple[str, str]]:
        code, out, _ = run(capsys, "--format", "json", *argv, root)
        assert code in (0, 1)
        return {(os.path.relpath(f["path"], root), f["rule"]) for f in json.loads(out)}

    a = os.path.join("a", "Dockerfile")
    # --exclude a,b is two globs, not one that matches nothing.
    assert rules_and_paths("--exclude", "a/*,b/*") == {(os.path.join("c", "Dockerfile"), "PIN001")}
    # Repeated --select/--ignore add up; rule names work like ids.
    only_a = ("--exclude", "b/*", "--exclude", "c/*")
    assert rules_and_paths(*only_a, "--select", "PIN001", "--select", "missing-tag") == {
        (a, "PIN001"),
        (a, "PIN002"),
    }
    assert rules_and_paths(*only_a, "--ignore", "PIN001,PIN002", "--ignore", "PIN004") == set()


def test_select_on_the_command_line_wins_over_require_digest_in_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path, ".pinlint.toml", "require-digest = true\n")
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\nFROM redis:7.4.1\n")
    _, out, _ = run(capsys, "--quiet", str(path))
    assert "PIN005" in out  # the config turns it on
    _, out, _ = run(capsys, "--quiet", "--select", "PIN001", str(path))
    assert out == f'{path}:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
    _, out, _ = run(capsys, "--quiet", "--select", "PIN001", "--require-digest", str(path))
    assert "PIN005" in out


def test_pin_style_tag_with_require_digest_warns_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "Dockerfile", "FROM redis:7.4.1\n")
    code, _, err = run(capsys, "--require-digest", "--pin-style", "tag", str(path))
    assert code == 1
    assert err == (
        "pinlint: warning: pin-style 'tag' writes no digest, so --fix leaves every "
        "PIN005 (require-digest) finding in place\n"
    )
    assert run(capsys, "--require-digest", str(path))[2] == ""


def test_pinlint_toml_with_the_pyproject_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The README's block pasted as it is into .pinlint.toml.
    write(tmp_path, ".pinlint.toml", '[tool.pinlint]\nignore = ["PIN001"]\n')
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    assert run(capsys, str(path)) == (0, "No findings; 1 file read.\n", "")
    # Anything else beside it is still an error, with the file named.
    write(tmp_path, ".pinlint.toml", '[tool.pinlint]\nignore = ["PIN001"]\n[tool.other]\n')
    code, _, err = run(capsys, str(path))
    assert (code, err) == (2, f"pinlint: {tmp_path / '.pinlint.toml'}: unknown setting 'tool'\n")


@pytest.mark.parametrize(
    ("output", "message"),
    [
        pytest.param(
            "missing/report.json", "--output directory {d}/missing does not exist", id="no-dir"
        ),
        pytest.param(".", "--output is a directory", id="directory"),
        pytest.param(
            "Dockerfile/report.json",
            "--output directory {d}/Dockerfile does not exist",
            id="parent-is-a-file",
        ),
    ],
)
def test_unwritable_output_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, output: str, message: str
) -> None:
    path = write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    target = str(tmp_path / output) if output != "." else str(tmp_path)
    code, out, err = run(capsys, "--output", target, str(path))
    assert (code, out) == (2, "")
    assert err == f"pinlint: {target}: {message.format(d=tmp_path)}\n"


def test_fail_on_unresolved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import isolate

    isolate(monkeypatch, tmp_path)
    # A pinned reference on a registry nobody listens to: nothing can be verified.
    pinned = "127.0.0.1:9/team/app:1.2.3@sha256:" + "a" * 64
    path = write(tmp_path, "Dockerfile", f"FROM {pinned}\n")
    code, out, err = run(capsys, "--resolve", str(path))
    assert (code, out) == (0, "No findings; 1 file read.\n")  # the default: a note, not a failure
    assert "1 pinned reference not checked" in err
    code, out, err = run(capsys, "--resolve", "--fail-on-unresolved", str(path))
    assert code == 1
    assert out == (
        "No findings; 1 file read.\n1 reference could not be checked (--fail-on-unresolved).\n"
    )
    write(tmp_path, ".pinlint.toml", "fail-on-unresolved = true\n")
    assert run(capsys, "--resolve", str(path))[0] == 1


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")], ids=["a-first", "b-first"])
def test_config_is_found_per_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    order: tuple[str, str],
) -> None:
    # The nearest config to each file governs it (as ruff's hierarchical configs), whatever
    # the order of the paths: b/ has its own, a/ has the repository's.
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".pinlint.toml", "require-digest = true\n")
    write(tmp_path, "b/.pinlint.toml", 'ignore = ["latest-tag"]\n')
    for name in ("a", "b"):
        write(tmp_path, f"{name}/Dockerfile", "FROM nginx:latest\nFROM redis:7.2.4\n")
    monkeypatch.chdir(tmp_path)
    paths = [f"{name}/Dockerfile" for name in order]
    assert run(capsys, *paths) == (
        1,
        'a/Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        "a/Dockerfile:2:6: PIN005 redis:7.2.4 has an exact tag but no digest [error]\n"
        "Found 2 findings (2 errors) in 1 file; 2 files read.\n",
        "",
    )
    # The directory walk finds the same.
    assert run(capsys, ".")[1] == run(capsys, *paths)[1]
    # --config governs every file.
    assert run(capsys, "--config", "b/.pinlint.toml", *paths) == (
        0,
        "No findings; 2 files read.\n",
        "",
    )
    # A file's config may exclude it; the command line still applies to it.
    write(tmp_path, "b/.pinlint.toml", 'exclude = ["Dockerfile"]\n')
    assert run(capsys, "--ignore", "PIN005", *paths) == (
        1,
        'a/Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        "Found 1 finding (1 error) in 1 file; 1 file read.\n",
        "",
    )


def test_a_bad_config_below_the_paths_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "b/.pinlint.toml", 'ignore = ["PIN999"]\n')
    write(tmp_path, "b/Dockerfile", "FROM nginx:latest\n")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, ".") == (
        2,
        "",
        "pinlint: unknown rule 'PIN999' (see pinlint --list-rules)\n",
    )


def test_per_run_settings_come_from_the_working_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A config below the working directory cannot set the run's pin style (or mirrors):
    # only the working directory's config, or --config, does; so the order of the paths
    # does not change them.
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".pinlint.toml", 'pin-style = "digest"\n')
    write(tmp_path, "b/.pinlint.toml", 'pin-style = "tag"\nrequire-digest = true\n')
    write(tmp_path, "b/Dockerfile", "FROM redis:7.2.4\n")
    monkeypatch.chdir(tmp_path)
    # b/'s require-digest applies to b/Dockerfile; its pin-style 'tag' is not the run's,
    # so there is no warning that --fix could not write the digest.
    assert run(capsys, "b/Dockerfile") == (
        1,
        "b/Dockerfile:1:6: PIN005 redis:7.2.4 has an exact tag but no digest [error]\n"
        "Found 1 finding (1 error) in 1 file; 1 file read.\n",
        "",
    )


def test_trailing_directive_in_a_dockerfile_says_where_to_put_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Docker reads `# pinlint: ignore` after FROM/COPY as more arguments: the build fails.
    # pinlint says so, ignores nothing, and still reports the rest of the file.
    write(
        tmp_path,
        "Dockerfile",
        "FROM nginx:latest # pinlint: ignore\n"
        "FROM redis:7 AS x\n"
        "COPY --from=x a b # pinlint: ignore[PIN004]\n"
        "FROM python:3\n",
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "Dockerfile") == (
        1,
        'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        'Dockerfile:1:19: PIN900 "# pinlint: ignore": Dockerfiles have no end-of-line '
        "comments; put it on the line above (Docker reads it as more arguments) [error]\n"
        'Dockerfile:2:6: PIN004 redis:7 uses the partial version "7" [error]\n'
        'Dockerfile:3:19: PIN900 "# pinlint: ignore[PIN004]": Dockerfiles have no '
        "end-of-line comments; put it on the line above (Docker reads it as more arguments)"
        " [error]\n"
        'Dockerfile:4:6: PIN004 python:3 uses the partial version "3" [error]\n'
        "Found 5 findings (5 errors) in 1 file; 1 file read.\n",
        "",
    )


def test_useless_directives_are_pin901_and_names_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n"
        "  a:\n"
        "    image: nginx:latest  # pinlint: ignore [PIN001]\n"
        "  b:\n"
        "    image: nginx:latest  # pinlint: ignore[latest-tag]\n"
        "  c:\n"
        "    # pinlint: ignore[PIN999]\n"
        "    image: redis:7.2.4\n"
        "  # pinlint: ignore\n"
        "  d: {}\n",
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "compose.yaml") == (
        1,
        'compose.yaml:3:12: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        'compose.yaml:3:26: PIN901 "# pinlint: ignore [PIN001]" is not a directive pinlint '
        'reads; write "# pinlint: ignore" or "# pinlint: ignore[RULE,...]" [warning]\n'
        'compose.yaml:7:5: PIN901 unknown rule "PIN999" in "# pinlint: ignore[PIN999]" [warning]\n'
        'compose.yaml:9:3: PIN901 "# pinlint: ignore" has nothing to ignore: no image '
        "reference on line 10 [warning]\n"
        "Found 4 findings (1 error, 3 warnings) in 1 file; 1 file read.\n",
        "",
    )
    # A rule like any other: ignored by id or name.
    assert run(capsys, "--ignore", "unused-ignore", "compose.yaml")[1].count("PIN901") == 0


def test_pin901_is_listed_and_explained(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--list-rules")[1]
    assert (
        "PIN901  unused-ignore          warning  A `# pinlint: ignore` directive does nothing.\n"
        in out
    )
    code, out, _ = run(capsys, "--explain", "unused-ignore")
    assert code == 0
    assert out.startswith("PIN901 unused-ignore (warning)\n")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| PIN901 | unused-ignore | warning |" in readme


def test_one_bad_byte_hides_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Latin-1 comment in a Dockerfile: reported once, at its place; the rest is linted.
    write(tmp_path, "Dockerfile", b"FROM nginx:latest\n# caf\xe9 \xe9\nFROM redis\n")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "Dockerfile") == (
        1,
        'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" [error]\n'
        "Dockerfile:2:6: PIN900 not valid UTF-8 (byte 0xe9 at offset 23; read with it "
        'replaced) in "# caf\ufffd \ufffd" [error]\n'
        "Dockerfile:3:6: PIN002 redis has no tag and no digest (it means latest) [error]\n"
        "Found 3 findings (3 errors) in 1 file; 1 file read.\n",
        "",
    )


def test_yaml_error_at_the_end_points_at_the_last_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parser's mark is past the last newline; the file has no such line.
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: 'nginx:latest\n")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "compose.yaml") == (
        1,
        "compose.yaml:3:25: PIN900 invalid YAML: found unexpected end of stream while "
        'scanning a quoted scalar in "image: \'nginx:latest" [error]\n'
        "Found 1 finding (1 error) in 1 file; 1 file read.\n",
        "",
    )


def test_a_failing_mirror_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import isolate

    isolate(monkeypatch, tmp_path)
    # The mirror is what failed, not docker.io (which is never asked: nothing leaves the
    # machine; nothing listens on port 9).
    write(
        tmp_path,
        ".pinlint.toml",
        'registry-mirrors = {"docker.io" = "http://127.0.0.1:9"}\n'
        'insecure-registries = ["127.0.0.1:9"]\n',
    )
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--resolve", "--no-cache", "Dockerfile")[:2] == (
        1,
        'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest" (not resolved: '
        "docker.io (mirror 127.0.0.1:9): cannot connect) [error]\n"
        "Found 1 finding (1 error) in 1 file; 1 file read.\n",
    )


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        pytest.param(
            ["--timeout", "soon"],
            "",
            "pinlint: --timeout takes a number of seconds, got 'soon'\n",
            id="not-a-number",
        ),
        pytest.param(
            ["--timeout", "0"],
            "",
            "pinlint: --timeout must be a number of seconds above 0, at most 3600\n",
            id="zero",
        ),
        pytest.param(
            ["--timeout", "nan"],
            "",
            "pinlint: --timeout must be a number of seconds above 0, at most 3600\n",
            id="nan",
        ),
        pytest.param(
            [],
            "run-timeout = 100000\n",
            "pinlint: {d}/.pinlint.toml: run-timeout must be a number of seconds above 0, "
            "at most 3600\n",
            id="config-too-long",
        ),
    ],
)
def test_timeouts_are_validated(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    config: str,
    message: str,
) -> None:
    write(tmp_path, ".pinlint.toml", config)
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, *argv, "Dockerfile") == (2, "", message.format(d=tmp_path))


def test_timeouts_reach_the_resolver(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the resolver is given (test_resolve.py tests that it keeps to them).
    from pinlint import resolve

    seen: list[tuple[float, float]] = []

    def record(refs: object, config: object, **kw: float) -> dict[str, object]:
        seen.append((kw["request_timeout"], kw["run_timeout"]))
        return {}

    monkeypatch.setattr(resolve, "resolve_all", record)
    write(tmp_path, ".pinlint.toml", "timeout = 2.5\nrun-timeout = 30\n")
    write(tmp_path, "Dockerfile", "FROM nginx:latest\n")
    monkeypatch.chdir(tmp_path)
    run(capsys, "--resolve", "Dockerfile")
    run(capsys, "--resolve", "--timeout", "5", "Dockerfile")
    run(capsys, "--resolve", "--timeout", "60", "Dockerfile")
    assert seen == [(2.5, 30.0), (5.0, 30.0), (60.0, 60.0)]
