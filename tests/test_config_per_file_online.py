"""Each file's own config governs the online pass and the fixer too, against a real
registry: its rules and ``allow`` decide its online findings (PIN101 to PIN104) and which
exact partial versions become PIN005, and its ``build-args`` how ``--fix`` scans it again.
Whatever the order of the paths, the results are the same.

Placeholders (``{{redis}}``, ``{{redis@7.4.1}}``) are those of ``test_fix_golden.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_server import Registry
from test_fix_cli import Project
from test_fix_golden import Seeded, seed

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(scope="module")
def seeded(registry_session: Registry) -> Seeded:
    return seed(registry_session)


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


# The same file in a/ and b/: an exact tag fed by an ARG default, and a pin of the
# digest of another tag (PIN103).
DOCKERFILE = "ARG BASE={{redis}}:7.4.1\nFROM ${BASE}\nFROM {{nginx}}:1.26.2@{{nginx@1.27.3}}\n"


def _tree(project: Project) -> None:
    # No config at the root: the run's config is the first path's (the order matters
    # there), and each directory's own config is the nearest to its file.
    (project.root / ".pinlint.toml").unlink()
    (project.root / ".git").mkdir()
    mirror = f'registry-mirrors = {{"docker.io" = "http://{project.seeded.host}"}}\n'
    project.write("a/.pinlint.toml", mirror + "require-digest = true\n")
    project.write(
        "b/.pinlint.toml",
        mirror + 'ignore = ["tag-digest-mismatch"]\nbuild-args = {BASE = "{{redis}}:latest"}\n',
    )
    project.write("a/Dockerfile", DOCKERFILE)
    project.write("b/Dockerfile", DOCKERFILE)


ORDERS = [
    pytest.param(("a/Dockerfile", "b/Dockerfile"), id="a-first"),
    pytest.param(("b/Dockerfile", "a/Dockerfile"), id="b-first"),
]


@pytest.mark.parametrize("paths", ORDERS)
def test_resolve_uses_each_files_config(project: Project, paths: tuple[str, str]) -> None:
    _tree(project)
    code, out, err = project.run("--resolve", *paths)
    expected = project.expand(
        # a/: require-digest, and PIN103 is on.
        "a/Dockerfile:1:10: PIN005 {{redis}}:7.4.1 has an exact tag but no digest -> "
        "{{redis}}:7.4.1@{{redis@7.4.1}} [error]\n"
        "a/Dockerfile:3:6: PIN103 {{nginx}}:1.26.2@{{nginx@1.27.3}} pins the digest of "
        "1.27.3, not of 1.26.2 [warning]\n"
        # b/: its build arg makes the reference redis:latest; PIN103 is ignored there.
        'b/Dockerfile:1:10: PIN001 {{redis}}:latest uses the moving tag "latest" -> '
        "{{redis}}:7.4.1@{{redis@7.4.1}} [error]\n"
        "Found 3 findings (2 errors, 1 warning) in 2 files; 2 files read.\n"
    )
    assert (code, out, err) == (1, expected, "")


@pytest.mark.parametrize("paths", ORDERS)
def test_fix_scans_each_file_with_its_own_build_args(
    project: Project, paths: tuple[str, str]
) -> None:
    _tree(project)
    code, out, err = project.run("--fix", *paths)
    expected = project.expand(
        "a/Dockerfile:3:6: PIN103 {{nginx}}:1.26.2@{{nginx@1.27.3}} pins the digest of "
        "1.27.3, not of 1.26.2 [warning]\n"
        # b/'s build arg decides the reference, not the default written in the file.
        'b/Dockerfile:1:10: PIN001 {{redis}}:latest uses the moving tag "latest"; not '
        "rewritten: its text in the file ('{{redis}}:7.4.1') is not the reference itself -> "
        "{{redis}}:7.4.1@{{redis@7.4.1}} [error]\n"
        "Fixed 1 finding in 1 file; 2 remain.\n"
    )
    assert (code, out, err) == (1, expected, "Rewriting a/Dockerfile\n")
    assert project.read("a/Dockerfile") == project.expand(
        DOCKERFILE.replace("{{redis}}:7.4.1\n", "{{redis}}:7.4.1@{{redis@7.4.1}}\n")
    )
    assert project.read("b/Dockerfile") == project.expand(DOCKERFILE)


@pytest.mark.parametrize("paths", ORDERS)
def test_allow_of_each_file_in_the_online_pass(project: Project, paths: tuple[str, str]) -> None:
    # a/ allows redis, b/ allows nginx: each image is still asked about for the other
    # directory, and each file's online findings respect its own allow.
    _tree(project)
    mirror = f'registry-mirrors = {{"docker.io" = "http://{project.seeded.host}"}}\n'
    project.write("a/.pinlint.toml", mirror + 'allow = ["{{redis}}:*"]\n')
    project.write("b/.pinlint.toml", mirror + 'allow = ["{{nginx}}:*"]\n')
    project.write("b/Dockerfile", DOCKERFILE.replace(":7.4.1", ":latest"))
    code, out, err = project.run("--resolve", *paths)
    expected = project.expand(
        "a/Dockerfile:3:6: PIN103 {{nginx}}:1.26.2@{{nginx@1.27.3}} pins the digest of "
        "1.27.3, not of 1.26.2 [warning]\n"
        'b/Dockerfile:1:10: PIN001 {{redis}}:latest uses the moving tag "latest" -> '
        "{{redis}}:7.4.1@{{redis@7.4.1}} [error]\n"
        "Found 2 findings (1 error, 1 warning) in 2 files; 2 files read.\n"
    )
    assert (code, out, err) == (1, expected, "")


@pytest.mark.parametrize("paths", ORDERS)
def test_exact_tags_of_each_file_decide_its_suggestion(
    project: Project, paths: tuple[str, str]
) -> None:
    # nginx's `mainline` is the index of 1.27.3.  a/ counts `mainline` as exact: it keeps
    # the tag and gets its digest (PIN005); for b/ it is a moving tag pinned to 1.27.3.
    _tree(project)
    mirror = f'registry-mirrors = {{"docker.io" = "http://{project.seeded.host}"}}\n'
    project.write(
        "a/.pinlint.toml", mirror + 'exact-tags = ["^mainline$"]\nrequire-digest = true\n'
    )
    project.write("b/.pinlint.toml", mirror)
    for name in ("a", "b"):
        project.write(f"{name}/Dockerfile", "FROM {{nginx}}:mainline\n")
    code, out, err = project.run("--resolve", *paths)
    expected = project.expand(
        "a/Dockerfile:1:6: PIN005 {{nginx}}:mainline has an exact tag but no digest -> "
        "{{nginx}}:mainline@{{nginx@1.27.3}} [error]\n"
        'b/Dockerfile:1:6: PIN003 {{nginx}}:mainline uses the moving tag "mainline" -> '
        "{{nginx}}:1.27.3@{{nginx@1.27.3}} [error]\n"
        "Found 2 findings (2 errors) in 2 files; 2 files read.\n"
    )
    assert (code, out, err) == (1, expected, "")
