"""``pinlint --fix`` / ``--fix --diff`` from the command line, against a real registry.

Exit codes, ``Rewriting`` on stderr, a diff that ``git apply`` and ``patch`` accept,
idempotence, pin styles from the config, and every case a fix leaves alone with the
reason in the finding: a symlink out of the tree, unresolved and partial variables, a
file that does not parse, a rewrite the re-scan refuses, a failed write.

Placeholders (``{{nginx}}``, ``{{nginx@1.27.3}}``, ``{{registry}}``) are those of the
golden tests: see ``test_fix_golden.py``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pinlint import drift, fix, lint
from pinlint.config import Config
from pinlint.model import Finding, Occurrence, Severity
from registry_server import Registry
from test_fix_golden import Seeded, expand, seed


@pytest.fixture(scope="module")
def seeded(registry_session: Registry) -> Seeded:
    return seed(registry_session)


pytestmark = pytest.mark.usefixtures("isolated")


class Project:
    """A folder to run pinlint in; Docker Hub is the local registry (a mirror)."""

    def __init__(
        self,
        root: Path,
        seeded: Seeded,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.root = root
        self.seeded = seeded
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.config("")

    def config(self, extra: str) -> None:
        mirror = f'registry-mirrors = {{"docker.io" = "http://{self.seeded.host}"}}\n'
        (self.root / ".pinlint.toml").write_text(mirror + extra)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.expand(text).encode())
        return path

    def expand(self, text: str) -> str:
        return expand(text, self.seeded)

    def read(self, name: str) -> str:
        return (self.root / name).read_bytes().decode()

    def run(self, *argv: str) -> tuple[int, str, str]:
        from pinlint.cli import main

        with self.monkeypatch.context() as m:
            m.chdir(self.root)
            code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def findings(self, *argv: str) -> tuple[int, list[dict[str, object]], str]:
        code, out, err = self.run(*argv, "--format", "json")
        return code, json.loads(out), err


@pytest.fixture
def project(
    tmp_path: Path,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    return Project(root, seeded, monkeypatch, capsys)


def git(root: Path, *args: str, stdin: str | None = None) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(
        ["git", *args],
        cwd=root,
        input=stdin.encode() if stdin is not None else None,
        env=env,
        check=True,
        capture_output=True,
    )


def messages(findings: Sequence[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(f["path"], f["rule"], f["message"]) for f in findings]


# -- exit codes and stderr -------------------------------------------------------------


def test_nothing_to_fix_exits_0_and_writes_nothing(project: Project) -> None:
    path = project.write("Dockerfile", "FROM {{nginx}}:1.27.3\nFROM scratch\n")
    mtime = path.stat().st_mtime_ns
    assert project.run("--fix", ".") == (0, "No findings; 1 file read.\n", "")
    assert project.run("--fix", "--diff", ".") == (0, "", "")
    assert path.stat().st_mtime_ns == mtime


def test_each_changed_file_is_named_on_stderr(project: Project) -> None:
    project.write("Dockerfile", "FROM {{nginx}}:latest\n")
    project.write("deploy/compose.yaml", "services:\n  web:\n    image: {{redis}}:7\n")
    project.write("deploy/exact.yaml", "services:\n  web:\n    image: {{redis}}:7.4.1\n")
    project.write("k8s/pod.yaml", "kind: Pod\napiVersion: v1\nspec:\n  containers: []\n")
    code, out, err = project.run("--fix", ".")
    # What happened, not "No findings.": two fixed, in two files.
    assert (code, out) == (1, "Fixed 2 findings in 2 files; nothing remains.\n")
    # Only the files that changed, in the order they were linted, and nothing else.
    assert err == (f"Rewriting Dockerfile\nRewriting {os.path.join('deploy', 'compose.yaml')}\n")
    assert project.read("Dockerfile") == project.expand("FROM {{nginx}}:1.27.3@{{nginx@1.27.3}}\n")
    assert project.read("deploy/exact.yaml").endswith(
        "image: " + project.expand("{{redis}}:7.4.1\n")
    )
    # Idempotent: the second run changes nothing and passes.
    assert project.run("--fix", ".") == (0, "No findings; 4 files read.\n", "")


def test_a_finding_left_exits_1_even_when_nothing_changed(project: Project) -> None:
    project.write("Dockerfile", "ARG NODE=20\nFROM {{node}}:${NODE}-alpine\n")
    before = project.read("Dockerfile")
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "")
    assert messages(findings) == [
        (
            "Dockerfile",
            "PIN004",
            project.expand(
                '{{node}}:20-alpine uses the partial version "20-alpine"; '
                "not rewritten: the reference is built from variables and other text"
            ),
        )
    ]
    # The suggestion is still reported, for a person to apply.
    assert findings[0]["suggestion"] == project.expand(
        "{{node}}:20.18.1-alpine@{{node@20.18.1-alpine}}"
    )
    assert project.read("Dockerfile") == before
    # --diff: no diff, but a finding is left: listed on stderr (stdout stays the diff, for
    # `git apply`) and exit 1, or a "check pins" job built on it would always pass.
    assert project.run("--fix", "--diff", ".") == (
        1,
        "",
        project.expand(
            'Dockerfile:2:6: PIN004 {{node}}:20-alpine uses the partial version "20-alpine"; '
            "not rewritten: the reference is built from variables and other text"
            " -> {{node}}:20.18.1-alpine@{{node@20.18.1-alpine}} [error]\n"
            "Would fix 0 findings in 0 files; 1 remains.\n"
        ),
    )
    # Below --fail-on, what is left does not fail it.
    assert project.run("--fix", "--diff", "--fail-on", "never", ".")[0] == 0


def test_a_changed_file_exits_1_even_when_only_warnings_are_left(project: Project) -> None:
    project.write("Dockerfile", "FROM {{nginx}}:latest\nFROM ${UNSET}\n")
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "Rewriting Dockerfile\n")
    assert [(f["rule"], f["severity"]) for f in findings] == [("PIN006", "warning")]
    # The warning alone: exit 0 unless warnings fail the run.
    assert project.run("--fix", "--quiet", ".")[0] == 0
    assert project.run("--fix", "--quiet", "--fail-on", "warning", ".")[0] == 1


# -- --diff ---------------------------------------------------------------------------

TREE = {
    "Dockerfile": "# syntax={{docker/dockerfile}}:1\nFROM {{nginx}}:latest AS web\n",
    "app/Containerfile": "FROM {{registry}}/{{team/api}}:main\r\nCOPY . /app\r\n",
    "deploy/compose.yaml": "services:\n  cache:\n    image: '{{redis}}:7'   # cache\n",
    "deploy/k8s.yaml": (
        "\ufeffapiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: {{busybox}}}]"
    ),
}


def test_diff_writes_nothing_and_applies_with_git_and_patch(project: Project) -> None:
    for name, text in TREE.items():
        project.write(name, text)
    git(project.root, "init", "-q")
    git(project.root, "add", ".")
    git(project.root, "commit", "-q", "-m", "before")
    before = {name: project.read(name) for name in TREE}
    code, diff, err = project.run("--fix", "--diff", ".")
    assert (code, err) == (1, "")
    assert {name: project.read(name) for name in TREE} == before
    # One diff for the whole tree, with the repository's paths.
    assert [line for line in diff.splitlines() if line.startswith("+++ ")] == [
        "+++ b/Dockerfile",
        "+++ b/app/Containerfile",
        "+++ b/deploy/compose.yaml",
        "+++ b/deploy/k8s.yaml",
    ]
    git(project.root, "apply", "--check", "-", stdin=diff)

    # The diff is exactly what --fix writes: apply it with patch, fix a copy, compare.
    code, _, err = project.run("--fix", ".")
    assert code == 1
    fixed = {name: project.read(name) for name in TREE}
    assert fixed != before
    git(project.root, "checkout", "-q", "--", ".")
    assert {name: project.read(name) for name in TREE} == before
    subprocess.run(["patch", "-p1", "--quiet"], cwd=project.root, input=diff.encode(), check=True)
    assert {name: project.read(name) for name in TREE} == fixed
    assert fixed["deploy/k8s.yaml"].startswith("\ufeff")
    assert fixed["app/Containerfile"].count("\r\n") == 2
    git(project.root, "checkout", "-q", "--", ".")
    git(project.root, "apply", "-", stdin=diff)
    assert {name: project.read(name) for name in TREE} == fixed


def test_diff_of_a_file_without_final_newline(project: Project) -> None:
    project.write("Dockerfile", "FROM {{nginx}}:latest")
    code, diff, _ = project.run("--fix", "--diff", "Dockerfile")
    assert code == 1
    assert diff == project.expand(
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n"
        "-FROM {{nginx}}:latest\n\\ No newline at end of file\n"
        "+FROM {{nginx}}:1.27.3@{{nginx@1.27.3}}\n\\ No newline at end of file\n"
    )


def test_diff_of_a_path_given_absolute_applies_from_the_working_directory(
    project: Project,
) -> None:
    path = project.write("sub/Dockerfile", "FROM {{nginx}}:latest\n")
    code, diff, _ = project.run("--fix", "--diff", str(path))
    assert code == 1
    assert diff.startswith(f"--- a/{os.path.join('sub', 'Dockerfile')}\n")
    git(project.root, "apply", "-", stdin=diff)
    assert path.read_text() == project.expand("FROM {{nginx}}:1.27.3@{{nginx@1.27.3}}\n")


# -- pin styles -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "argv", "expected"),
    [
        pytest.param('pin-style = "digest"\n', [], "{{nginx}}@{{nginx@1.27.3}}", id="config"),
        pytest.param('pin-style = "tag"\n', [], "{{nginx}}:1.27.3", id="config-tag"),
        pytest.param(
            'pin-style = "digest"\n',
            ["--pin-style", "tag+digest"],
            "{{nginx}}:1.27.3@{{nginx@1.27.3}}",
            id="flag-wins",
        ),
    ],
)
def test_pin_style_from_config(
    project: Project, config: str, argv: list[str], expected: str
) -> None:
    project.config(config)
    project.write("Dockerfile", "FROM {{nginx}}:latest AS web\n")
    code, _, err = project.run("--fix", *argv, ".")
    assert (code, err) == (1, "Rewriting Dockerfile\n")
    assert project.read("Dockerfile") == project.expand(f"FROM {expected} AS web\n")


def test_pin_style_from_pyproject(project: Project) -> None:
    (project.root / ".pinlint.toml").unlink()
    (project.root / "pyproject.toml").write_text(
        "[tool.pinlint]\n"
        f'registry-mirrors = {{"docker.io" = "http://{project.seeded.host}"}}\n'
        'pin-style = "digest"\n'
    )
    project.write("compose.yaml", "services:\n  web:\n    image: {{nginx}}  # web\n")
    assert project.run("--fix", ".")[0] == 1
    assert project.read("compose.yaml") == project.expand(
        "services:\n  web:\n    image: {{nginx}}@{{nginx@1.27.3}}  # web\n"
    )


# -- what is never written --------------------------------------------------------------


def test_symlink_to_outside_the_tree_is_not_written(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "Dockerfile"
    outside.parent.mkdir()
    outside.write_text(project.expand("FROM {{nginx}}:latest\n"))
    (project.root / "tree").mkdir()
    (project.root / "tree" / "Dockerfile").symlink_to(outside)
    code, findings, err = project.findings("--fix", "tree")
    assert (code, err) == (1, "")
    assert messages(findings) == [
        (
            os.path.join("tree", "Dockerfile"),
            "PIN001",
            project.expand(
                '{{nginx}}:latest uses the moving tag "latest"; '
                "not rewritten: a symlink to outside the scanned tree"
            ),
        )
    ]
    assert outside.read_text() == project.expand("FROM {{nginx}}:latest\n")
    assert (project.root / "tree" / "Dockerfile").is_symlink()
    code, out, err = project.run("--fix", "--diff", "tree")
    assert (code, out) == (1, "")
    assert "not rewritten: a symlink to outside the scanned tree" in err


def test_symlink_inside_the_tree_is_written_through_once(project: Project) -> None:
    real = project.write("base/Dockerfile", "FROM {{nginx}}:latest\n")
    link = project.root / "Dockerfile"
    link.symlink_to(os.path.join("base", "Dockerfile"))
    git(project.root, "init", "-q")
    git(project.root, "add", ".")
    git(project.root, "commit", "-q", "-m", "before")

    # The diff names the file, not the link (git would patch the link itself), once.
    code, diff, _ = project.run("--fix", "--diff", ".")
    assert code == 1
    assert diff.count("+++ ") == 1
    assert diff.startswith(f"--- a/{os.path.join('base', 'Dockerfile')}\n")
    git(project.root, "apply", "--check", "-", stdin=diff)

    code, out, err = project.run("--fix", ".")
    assert (code, out, err) == (
        1,
        "Fixed 1 finding in 1 file; nothing remains.\n",
        f"Rewriting {os.path.join('base', 'Dockerfile')}\n",
    )
    assert link.is_symlink()
    assert real.read_text() == project.expand("FROM {{nginx}}:1.27.3@{{nginx@1.27.3}}\n")
    assert project.run("--fix", ".") == (0, "No findings; 2 files read.\n", "")


def test_unresolved_variables_are_not_written(project: Project) -> None:
    dockerfile = "FROM ${BASE}\nFROM {{nginx}}:${TAG}\n"
    compose = "services:\n  web:\n    image: ${REGISTRY}/app:1\n"
    project.write("Dockerfile", dockerfile)
    project.write("compose.yaml", compose)
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (0, "")  # warnings only
    assert messages(findings) == [
        ("Dockerfile", "PIN006", "${BASE} cannot be checked: ${BASE} has no value or default"),
        (
            "Dockerfile",
            "PIN006",
            project.expand("{{nginx}}:${TAG} cannot be checked: ${TAG} has no value or default"),
        ),
        (
            "compose.yaml",
            "PIN006",
            "${REGISTRY}/app:1 cannot be checked: ${REGISTRY} has no value or default",
        ),
    ]
    assert project.read("Dockerfile") == project.expand(dockerfile)
    assert project.read("compose.yaml") == compose


def test_partial_variables_are_not_written(project: Project) -> None:
    compose = "services:\n  web:\n    image: {{nginx}}:${TAG:-stable}\n"
    dockerfile = "ARG VARIANT=alpine\nFROM {{nginx}}:${VARIANT}\n"
    project.write("compose.yaml", compose)
    project.write("Dockerfile", dockerfile)
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "")
    why = "not rewritten: the reference is built from variables and other text"
    assert messages(findings) == [
        (
            "Dockerfile",
            "PIN003",
            project.expand(f'{{{{nginx}}}}:alpine uses the moving tag "alpine"; {why}'),
        ),
        (
            "compose.yaml",
            "PIN003",
            project.expand(f'{{{{nginx}}}}:stable uses the moving tag "stable"; {why}'),
        ),
    ]
    assert project.read("compose.yaml") == project.expand(compose)
    assert project.read("Dockerfile") == project.expand(dockerfile)


def test_a_reference_split_by_a_continuation_is_not_written(project: Project) -> None:
    dockerfile = "FROM {{nginx}}:lat\\\nest\n"
    project.write("Dockerfile", dockerfile)
    code, findings, _ = project.findings("--fix", ".")
    assert code == 1
    [finding] = findings
    assert str(finding["message"]).endswith(
        "; not rewritten: its text in the file ("
        + repr(project.expand("{{nginx}}:lat\\\nest"))
        + ") is not the reference itself"
    )
    assert project.read("Dockerfile") == project.expand(dockerfile)


def test_a_file_that_does_not_parse_is_not_written(project: Project) -> None:
    broken = "services:\n  web:\n    image: '{{nginx}}:latest\n"
    project.write("compose.yaml", broken)
    project.write("Dockerfile", "FROM {{nginx}}:latest AS a b\n")
    project.write("ok/Dockerfile", "FROM {{nginx}}:latest\n")
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, f"Rewriting {os.path.join('ok', 'Dockerfile')}\n")
    assert [(f["path"], f["rule"]) for f in findings] == [
        ("Dockerfile", "PIN900"),
        ("compose.yaml", "PIN900"),
    ]
    assert project.read("compose.yaml") == project.expand(broken)
    assert project.read("Dockerfile") == project.expand("FROM {{nginx}}:latest AS a b\n")


def test_rewrite_refused_when_the_rescan_sees_other_references_change(project: Project) -> None:
    # BASE is a whole reference in one FROM and part of one in the next: rewriting its
    # default would turn the second into "nginx:1.27.3@sha256:…:stable".
    dockerfile = "ARG BASE={{nginx}}\nFROM ${BASE} AS web\nFROM ${BASE}:stable\n"
    project.write("Dockerfile", dockerfile)
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "")
    assert [(f["rule"], f["line"], f["message"]) for f in findings] == [
        (
            "PIN002",
            1,
            project.expand(
                "{{nginx}} has no tag and no digest (it means latest); "
                "not rewritten: the rewrite would change other references too"
            ),
        ),
        (
            "PIN003",
            3,
            project.expand(
                '{{nginx}}:stable uses the moving tag "stable"; '
                "not rewritten: the reference is built from variables and other text"
            ),
        ),
    ]
    assert project.read("Dockerfile") == project.expand(dockerfile)
    code, out, err = project.run("--fix", "--diff", ".")
    assert (code, out) == (1, "")
    assert err.endswith("Would fix 0 findings in 0 files; 2 remain.\n")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        # The default is not what the build uses: rewriting it would pin nothing.
        pytest.param(
            "{{redis}}:7",
            "its text in the file ('{{nginx}}:latest') is not the reference itself",
            id="other-value",
        ),
        # The same text by chance: the re-scan sees that the rewrite changes nothing.
        pytest.param(
            "{{nginx}}:latest",
            "rewriting its text would not change the reference",
            id="same-value",
        ),
    ],
)
def test_a_build_arg_value_is_not_written_into_the_default(
    project: Project, value: str, why: str
) -> None:
    dockerfile = "ARG BASE={{nginx}}:latest\nFROM ${BASE}\n"
    project.write("Dockerfile", dockerfile)
    code, findings, err = project.findings(
        "--fix", "--build-arg", project.expand(f"BASE={value}"), "."
    )
    assert (code, err) == (1, "")
    [finding] = findings
    assert finding["image"] == project.expand("{{nginx}}:latest")  # where it is written
    assert str(finding["message"]).endswith(project.expand(f"; not rewritten: {why}"))
    assert project.read("Dockerfile") == project.expand(dockerfile)


def test_rewrite_refused_when_the_result_would_not_parse(tmp_path: Path) -> None:
    # Suggestions from a registry are valid references; the re-scan guards the write
    # anyway.  One that would close the quotes early is refused, and nothing is written.
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: 'nginx:latest'  # web\n")
    result = lint.lint_paths([str(path)], Config())
    [finding] = result.findings
    finding.suggestion = "nginx:1.27.3' oops"
    outcome = fix.fix_findings(result.findings, Config(), diff=False, roots=[str(tmp_path)])
    assert (outcome.changed, outcome.diff) == (False, "")
    [left] = outcome.remaining
    assert left.message.endswith("; not rewritten: the rewritten file would not parse")
    assert path.read_text() == "services:\n  web:\n    image: 'nginx:latest'  # web\n"


def test_a_refusal_is_reported_under_both_names_of_a_linked_file(project: Project) -> None:
    dockerfile = "ARG BASE={{nginx}}\nFROM ${BASE} AS web\nFROM ${BASE}:stable\n"
    project.write("base/Dockerfile", dockerfile)
    (project.root / "Dockerfile").symlink_to(os.path.join("base", "Dockerfile"))
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "")
    why = "not rewritten: the rewrite would change other references too"
    assert [(f["path"], f["rule"]) for f in findings if str(f["message"]).endswith(why)] == [
        ("Dockerfile", "PIN002"),
        (os.path.join("base", "Dockerfile"), "PIN002"),
    ]
    assert project.read("base/Dockerfile") == project.expand(dockerfile)


def test_a_file_edited_while_pinlint_ran_is_left_alone(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project.write("Dockerfile", "FROM {{nginx}}:latest\n")
    real = drift.resolve_findings

    def resolve_then_edit(
        occurrences: Sequence[Occurrence], findings: list[Finding], config: Config, **kw: Any
    ) -> list[Finding]:
        out = real(occurrences, findings, config, **kw)
        path.write_text("# edited meanwhile\n" + path.read_text())
        return out

    monkeypatch.setattr(drift, "resolve_findings", resolve_then_edit)
    code, findings, err = project.findings("--fix", ".")
    assert (code, err) == (1, "")
    assert str(findings[0]["message"]).endswith(
        "; not rewritten: the file changed while pinlint ran"
    )
    assert path.read_text() == project.expand("# edited meanwhile\nFROM {{nginx}}:latest\n")


# -- writing ----------------------------------------------------------------------------


def test_failed_rename_leaves_the_file_intact(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project.write("Dockerfile", "FROM {{nginx}}:latest\n")
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def fail(src: str, dst: str) -> None:
        if not os.path.abspath(dst).startswith(str(project.root)):
            return real_replace(src, dst)  # the registry cache, elsewhere
        calls.append((os.path.abspath(src), os.path.abspath(dst)))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, findings, err = project.findings("--fix", ".")
    assert calls, "the rename was not reached"
    # The temporary file was written next to the file, then removed.
    assert calls == [(calls[0][0], str(path))]
    assert os.path.dirname(calls[0][0]) == str(project.root)
    assert (code, err) == (1, "pinlint: Dockerfile: cannot write: No space left on device\n")
    assert str(findings[0]["message"]).endswith(
        "; not rewritten: cannot write: No space left on device"
    )
    assert path.read_text() == project.expand("FROM {{nginx}}:latest\n")
    assert sorted(os.listdir(project.root)) == [".pinlint.toml", "Dockerfile"]


def test_file_mode_is_kept(project: Project) -> None:
    path = project.write("Dockerfile", "FROM {{nginx}}:latest\n")
    path.chmod(0o751)
    assert project.run("--fix", ".")[0] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(os.listdir(project.root)) == [".pinlint.toml", "Dockerfile"]


def test_fixer_refuses_overlapping_spans(tmp_path: Path) -> None:
    # Scanners never report overlapping spans; if one ever did, the file is left alone
    # with a reason, not a traceback.
    path = tmp_path / "Dockerfile"
    path.write_text("FROM nginx:latest\n")
    findings = []
    for start, end in ((5, 17), (5, 10)):
        written = path.read_text()[start:end]
        occ = Occurrence(str(path), start, end, 1, start + 1, written, written, "FROM")
        findings.append(
            Finding(str(path), 1, start + 1, "PIN001", Severity.ERROR, "m", written, occ, "x@y")
        )
    outcome = fix.fix_findings(findings, Config(), diff=False, roots=[str(tmp_path)])
    assert not outcome.changed
    assert [f.message for f in outcome.remaining] == [
        "m; not rewritten: two references to rewrite overlap"
    ] * 2
    assert path.read_text() == "FROM nginx:latest\n"
