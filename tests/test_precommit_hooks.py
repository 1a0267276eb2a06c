"""The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself.

``pre-commit try-repo <this checkout> <hook> --all-files`` in a throwaway git repository:
pre-commit builds its own virtual environment and pip-installs pinlint (PyPI must be
reachable), exactly as for a user's ``.pre-commit-config.yaml``.  With uncommitted
changes in this checkout, try-repo uses tracked files as they are on disk (new files
only once they are staged or committed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pinlint import discover
from registry_server import Registry

# Real pre-commit installs pinlint into its own environments: tens of seconds.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PINNED = "postgres:16.4@sha256:" + "5e" * 32


def _pre_commit() -> str:
    for candidate in (shutil.which("pre-commit"), str(Path(sys.executable).parent / "pre-commit")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("CI") == "true":
        pytest.fail("pre-commit is not installed")
    pytest.skip("pre-commit is not installed")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Shared by the tests of this module: the hook environment is built once per revision.
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    _git(path, "init", "-q")
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content, encoding="utf-8")
    _git(path, "add", "--", *files)
    return path


def try_repo(repo: Path, hook: str, home: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # pinlint would print annotations under GitHub Actions; the user's cache stays out.
        if not k.startswith(("GITHUB_", "PINLINT_", "PRE_COMMIT", "DOCKER_"))
    }
    env.update(PRE_COMMIT_HOME=str(home), PINLINT_CACHE_DIR=str(cache), NO_COLOR="1")
    return subprocess.run(
        [_pre_commit(), "try-repo", str(ROOT), hook, "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_check_hook_fails_and_shows_the_finding(pre_commit_home: Path, tmp_path: Path) -> None:
    repo = _repo(
        tmp_path / "repo",
        {
            "Dockerfile": "FROM nginx:latest\n",
            "deploy/compose.yaml": "services:\n  web:\n    image: redis\n",
            "docs/README.md": "FROM nginx:latest\n",
        },
    )
    proc = try_repo(repo, "pinlint", pre_commit_home, tmp_path / "cache")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"^pinlint\.+Failed$", proc.stdout, re.MULTILINE), out
    assert 'Dockerfile:1:6: PIN001 nginx:latest uses the moving tag "latest"' in out
    assert "deploy/compose.yaml:3:12: PIN002 redis" in out
    assert "README" not in out
    assert (repo / "Dockerfile").read_text() == "FROM nginx:latest\n", "the check never writes"


def test_check_hook_passes_a_pinned_tree(pre_commit_home: Path, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"Containerfile.dev": f"FROM {PINNED}\n"})
    proc = try_repo(repo, "pinlint", pre_commit_home, tmp_path / "cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^pinlint\.+Passed$", proc.stdout, re.MULTILINE), proc.stdout


def test_fix_hook_pins_the_dockerfile(
    pre_commit_home: Path, tmp_path: Path, registry: Registry
) -> None:
    repo_name = registry.new_repo("web")
    index = registry.push_index(repo_name, ["latest", "1.27.3", "1.27", "1"])
    floating = f"{registry.host}/{repo_name}:latest"
    pinned = f"{registry.host}/{repo_name}:1.27.3@{index.digest}"
    repo = _repo(
        tmp_path / "repo",
        {"Dockerfile": f"# web\nFROM {floating} AS base\nRUN true\n"},
    )
    cache = tmp_path / "cache"

    proc = try_repo(repo, "pinlint-fix", pre_commit_home, cache)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"^pinlint \(pin images\)\.+Failed$", proc.stdout, re.MULTILINE), out
    assert "files were modified by this hook" in out
    assert "Rewriting Dockerfile" in out
    assert (repo / "Dockerfile").read_text() == f"# web\nFROM {pinned} AS base\nRUN true\n"

    # Pinned now: the fixer has nothing left to do, and the check hook agrees.
    proc = try_repo(repo, "pinlint-fix", pre_commit_home, cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = try_repo(repo, "pinlint", pre_commit_home, cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_hook_stays_offline(
    pre_commit_home: Path, tmp_path: Path, registry: Registry
) -> None:
    repo_name = registry.new_repo("offline")
    registry.push_index(repo_name, ["latest", "2.0.0"])
    repo = _repo(tmp_path / "repo", {"Dockerfile": f"FROM {registry.host}/{repo_name}:latest\n"})
    mark = registry.mark()
    proc = try_repo(repo, "pinlint", pre_commit_home, tmp_path / "cache")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "PIN001" in proc.stdout
    assert registry.request_log(since=mark) == [], "the check hook used the network"


def test_hooks_do_not_import_from_the_repository(
    pre_commit_home: Path, tmp_path: Path, registry: Registry
) -> None:
    """A repository (a stranger's pull request) that holds a ``pinlint`` package and a
    ``yaml`` module: the hooks run ``python -c``, which without -I would import them from
    the current directory before pinlint's own."""
    hijack = "import sys\nprint('HIJACKED')\nsys.exit(0)\ndef run():\n    return 0\n"
    repo_name = registry.new_repo("hijack")
    registry.push_index(repo_name, ["latest", "2.0.0"])
    repo = _repo(
        tmp_path / "repo",
        {
            "Dockerfile": f"FROM {registry.host}/{repo_name}:latest\n",
            "compose.yaml": "services:\n  web:\n    image: redis\n",
            "pinlint/__init__.py": hijack,
            "pinlint/cli.py": hijack,
            "pinlint/__main__.py": hijack,
            "yaml/__init__.py": hijack,
            "re.py": hijack,
        },
    )
    cache = tmp_path / "cache"
    proc = try_repo(repo, "pinlint", pre_commit_home, cache)
    out = proc.stdout + proc.stderr
    assert "HIJACKED" not in out
    assert proc.returncode == 1, out
    assert "Dockerfile:1:6: PIN001" in out
    assert "compose.yaml:3:12: PIN002 redis" in out

    proc = try_repo(repo, "pinlint-fix", pre_commit_home, cache)
    out = proc.stdout + proc.stderr
    assert "HIJACKED" not in out
    assert proc.returncode == 1, out
    assert "files were modified by this hook" in out
    pinned = f"FROM {registry.host}/{repo_name}:2.0.0@sha256:"
    assert (repo / "Dockerfile").read_text().startswith(pinned), out


# --- the manifest itself -----------------------------------------------------------------


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def test_manifest_is_valid() -> None:
    proc = subprocess.run(
        [_pre_commit(), "validate-manifest", str(HOOKS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = _hooks()
    assert set(hooks) == {"pinlint", "pinlint-fix"}
    # The console function with the hook environment's interpreter, isolated (-I: the
    # repository's directory stays off sys.path); tests/test_hook_entry.py runs it.
    run = 'python -I -c "from pinlint.cli import run; raise SystemExit(run())"'
    assert hooks["pinlint"]["entry"] == run
    assert hooks["pinlint-fix"]["entry"] == f"{run} --fix"
    assert hooks["pinlint-fix"].get("require_serial") is True


NAMES = [
    "Dockerfile",
    "sub/dir/Dockerfile",
    "Dockerfile.prod",
    "docker/Dockerfile.j2",
    "app.Dockerfile",
    "app.dockerfile",
    "dockerfile",
    "Containerfile",
    "Containerfile-dev",
    "x/Containerfile.arm64",
    "compose.yaml",
    "docker-compose.override.yml",
    "k8s/deployment.YAML",
    ".pre-commit-config.yaml",
    "README.md",
    "notDockerfile",
    "Dockerfilex",
    "mydockerfile",
    "chart/templates/deploy.yaml.tpl",
    "values.yaml.j2",
    "dir.yaml/file.txt",
    "Dockerfile/README",
    "src/pinlint/formats/dockerfile.py",
    "Dockerfile.dockerignore",
    "api.Dockerfile.dockerignore",
    "build.containerfile",
    "Dockerfile-dev",
    "sub/Dockerfile-windows",
    "dockerfile-notes",
    ".github/workflows/ci.yml",
    "action.yml",
    ".gitlab-ci.yml",
    "ci/jobs.gitlab-ci.yml",
    ".devcontainer/devcontainer.json",
    ".devcontainer/python/devcontainer.json",
    "app/.devcontainer.json",
    "devcontainer.json",
    "docs/devcontainer.json",
    "package.json",
    "cloudbuild.json",
    "deploy/cloudbuild-release.json",
    "mycloudbuild.json",
    ".drone.yml",
    ".circleci/config.yml",
    "docker-bake.hcl",
    "ci/release.HCL",
    "docker-bake.override.json",
    "bake.json",
    "main.tf",
]


@pytest.mark.parametrize("hook", ["pinlint", "pinlint-fix"])
@pytest.mark.parametrize("name", NAMES)
def test_hook_files_match_what_pinlint_scans(hook: str, name: str) -> None:
    pattern = str(_hooks()[hook]["files"])
    assert bool(re.search(pattern, name)) == (discover.classify(name) is not None)
