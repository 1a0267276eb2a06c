"""What ``--fix`` and the walk do with files and folders the user may not touch.

The attacks are real: files owned by another user or read-only, folders nobody may
list, and a real SIGTERM (what CI sends on cancel) delivered in the middle of a write.
Permission checks mean nothing to root, so pinlint runs as ``nobody`` (``setpriv``)
when the tests run as root, which is how CI runs them.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_server import Registry

NOBODY = 65534
ROOT_ONLY = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to own files as two users) and setpriv",
)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="pinlint-perm-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for dirpath, dirnames, _ in os.walk(path):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(path)


def _as_nobody(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "PINLINT_CACHE_DIR": str(cwd / ".cache"),
        "DOCKER_CONFIG": str(cwd / ".docker"),
        "LANG": "C.UTF-8",
    }
    if "PYTHONPATH" in os.environ:  # a checkout under test that is not installed
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    cmd = [sys.executable, "-m", "pinlint", *args]
    if os.geteuid() == 0:
        user = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        cmd = [*user, *cmd]
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, uid)


@ROOT_ONLY
def test_fix_leaves_files_the_user_may_not_write(shared_dir: Path, registry: Registry) -> None:
    repo = registry.new_repo("web")
    index = registry.push_index(repo, ["latest", "1.27.3"])
    floating = f"FROM {registry.host}/{repo}:latest\n"
    tree = shared_dir / "tree"
    for name in ("theirs", "readonly", "mine"):
        (tree / name).mkdir(parents=True)
        (tree / name / "Dockerfile").write_text(floating, encoding="utf-8")
    _chown_tree(shared_dir, NOBODY)
    # In a folder nobody may write, a file that belongs to root: a rename would replace
    # it with one that belongs to nobody.
    os.chown(tree / "theirs/Dockerfile", 0, 0)
    (tree / "readonly/Dockerfile").chmod(0o444)

    proc = _as_nobody(tree, "--fix", ".")
    assert proc.returncode == 1, proc.stderr
    assert (
        tree / "mine/Dockerfile"
    ).read_text() == f"FROM {registry.host}/{repo}:1.27.3@{index.digest}\n"
    for name, why in (("theirs", "belongs to another user"), ("readonly", "is read-only")):
        path = tree / name / "Dockerfile"
        assert path.read_text() == floating, name
        assert f"{name}/Dockerfile" in proc.stdout
        assert f"not rewritten: cannot write: the file {why}" in proc.stdout, proc.stdout
    assert os.stat(tree / "theirs/Dockerfile").st_uid == 0
    assert stat.S_IMODE(os.stat(tree / "readonly/Dockerfile").st_mode) == 0o444
    assert not list(tree.rglob("*.pinlint"))


@ROOT_ONLY
def test_fix_as_root_keeps_owner_and_group(tmp_path: Path, registry: Registry) -> None:
    repo = registry.new_repo("web")
    index = registry.push_index(repo, ["latest", "1.27.3"])
    path = tmp_path / "Dockerfile"
    path.write_text(f"FROM {registry.host}/{repo}:latest\n", encoding="utf-8")
    os.chown(path, NOBODY, NOBODY)
    path.chmod(0o640)
    env = {**os.environ, "PINLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "pinlint", "--fix", "Dockerfile"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert path.read_text() == f"FROM {registry.host}/{repo}:1.27.3@{index.digest}\n"
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (NOBODY, NOBODY, 0o640)


@ROOT_ONLY
@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_unreadable_directory_is_an_error(shared_dir: Path, git: bool) -> None:
    tree = shared_dir / "tree"
    (tree / "secret").mkdir(parents=True)
    (tree / "secret/Dockerfile").write_text("FROM nginx:latest\n", encoding="utf-8")
    (tree / "Dockerfile").write_text("FROM nginx:1.27.3@sha256:" + "0" * 64 + "\n")
    if git:
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
    _chown_tree(shared_dir, NOBODY)
    (tree / "secret").chmod(0o000)
    proc = _as_nobody(tree, ".")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == "No findings; 1 file read.\n"
    assert "pinlint: secret: cannot read directory: Permission denied" in proc.stderr


SIGTERM_DURING_WRITE = """
import os, signal, sys
from pinlint import cli, fix

real_fsync = os.fsync

def fsync_then_cancelled(fd):
    real_fsync(fd)
    if os.readlink(f"/proc/self/fd/{fd}").endswith(".pinlint"):
        # CI cancels the job now: the fixer's temp file is written, not yet renamed.
        os.kill(os.getpid(), signal.SIGTERM)

fix.os.fsync = fsync_then_cancelled
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_sigterm_during_fix_leaves_no_temp_file(tmp_path: Path, registry: Registry) -> None:
    repo = registry.new_repo("web")
    registry.push_index(repo, ["latest", "1.27.3"])
    path = tmp_path / "Dockerfile"
    floating = f"FROM {registry.host}/{repo}:latest\n"
    path.write_text(floating, encoding="utf-8")
    env = {**os.environ, "PINLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", SIGTERM_DURING_WRITE, "--fix", "Dockerfile"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 143, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert path.read_text() == floating
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["Dockerfile"]
