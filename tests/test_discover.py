from __future__ import annotations

import os
import subprocess

import pytest

from pinlint import discover


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        pytest.param("Dockerfile", "dockerfile", id="Dockerfile"),
        pytest.param("dockerfile", "dockerfile", id="lowercase"),
        pytest.param("api.Dockerfile", "dockerfile", id="suffix"),
        pytest.param("Dockerfile.dev", "dockerfile", id="prefix"),
        pytest.param("Containerfile", "dockerfile", id="Containerfile"),
        pytest.param("Containerfile.prod", "dockerfile", id="Containerfile-dot"),
        pytest.param("compose.yaml", "yaml", id="yaml"),
        pytest.param("deploy.yml", "yaml", id="yml"),
        pytest.param("README.md", None, id="markdown"),
        pytest.param("Dockerfile-dev", "dockerfile", id="dash-suffix"),
        pytest.param("build.Containerfile", "dockerfile", id="Containerfile-suffix"),
        pytest.param("Dockerfile-x.yml", "yaml", id="dash-yaml"),
        pytest.param(".devcontainer/devcontainer.json", "devcontainer", id="devcontainer"),
        pytest.param(".devcontainer.json", "devcontainer", id="devcontainer-root"),
        pytest.param("devcontainer.json", None, id="devcontainer-elsewhere"),
        pytest.param("dockerfile-notes", None, id="lowercase-dash-not-a-dockerfile"),
        pytest.param("dockerfile.py", None, id="python-module"),
        pytest.param("Dockerfile.dockerignore", None, id="buildkit-ignore-file"),
        pytest.param("api.containerfile", "dockerfile", id="containerfile-suffix"),
        pytest.param("values.json", None, id="json"),
    ],
)
def test_classify(name: str, kind: str | None) -> None:
    assert discover.classify(os.path.join("some", "dir", name)) == kind


def _touch(root: str, *names: str) -> None:
    for name in names:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("FROM scratch\n")


def test_walk_skips_git_and_unknown_files(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    _touch(root, "Dockerfile", "a/compose.yaml", "a/b/Dockerfile.dev", ".git/Dockerfile", "x.txt")
    os.mkdir(os.path.join(root, "c"))
    os.mkdir(os.path.join(root, "c", "Dockerfile"))  # a directory named Dockerfile
    found = list(discover.discover([root]))
    assert [os.path.relpath(p, root) for p, _ in found] == [
        "Dockerfile",
        os.path.join("a", "b", "Dockerfile.dev"),
        os.path.join("a", "compose.yaml"),
    ]


def test_symlink_loop_terminates(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    _touch(root, "a/Dockerfile")
    os.symlink(root, os.path.join(root, "a", "loop"))
    found = [os.path.relpath(p, root) for p, _ in discover.discover([root])]
    assert found == [os.path.join("a", "Dockerfile")]


def test_gitignore_honoured_in_work_tree(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    subprocess.run(["git", "init", "-q", root], check=True)
    _touch(root, "Dockerfile", "build/Dockerfile", "keep/Dockerfile")
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write("build/\n")
    found = [os.path.relpath(p, root) for p, _ in discover.discover([root])]
    assert found == ["Dockerfile", os.path.join("keep", "Dockerfile")]
    # Named explicitly, an ignored file is still linted (pre-commit passes names).
    ignored = os.path.join(root, "build", "Dockerfile")
    assert list(discover.discover([ignored])) == [(ignored, "dockerfile")]


def test_exclude_globs(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    _touch(root, "Dockerfile", "vendor/Dockerfile", "svc/x.tmpl.yaml", "svc/y.yaml")
    found = [
        os.path.relpath(p, root)
        for p, _ in discover.discover([root], exclude=["vendor", "*.tmpl.yaml"])
    ]
    assert found == ["Dockerfile", os.path.join("svc", "y.yaml")]


def test_paths_relative_to_argument(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(str(tmp_path), "sub/Dockerfile")
    monkeypatch.chdir(tmp_path)
    assert list(discover.discover(["."])) == [(os.path.join("sub", "Dockerfile"), "dockerfile")]
    assert list(discover.discover(["sub"])) == [(os.path.join("sub", "Dockerfile"), "dockerfile")]


def _brute_force(root: str) -> list[tuple[str, str]]:
    """Every file a walk reads, found by os.walk and sorted: the order discovery keeps."""
    found = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = os.path.join(directory, name)
            kind = discover.classify(path)
            if kind is not None and os.path.isfile(path):
                found.append((path, kind))
    return sorted(found)


def test_walk_gives_the_order_of_sorted_paths(tmp_path: os.PathLike[str]) -> None:
    # Names that sort one way alone and another with a separator after them: ``a-b``,
    # ``a.b`` and ``a!Dockerfile`` sort before ``a`` as a directory (``a/...``), and
    # ``ab`` after it.  Symlinks to files are read, to directories not followed, broken
    # ones passed over; ``.git`` is skipped, vendor/ left out (and reported skipped).
    root = str(tmp_path)
    for d in ("a", "a-b/c", "a.b", "a b", "ab/Dockerfile.d", "z", "é", "vendor/x", ".git"):
        _touch(root, os.path.join(d, "Dockerfile"))
    _touch(root, "a-b/Dockerfile", "a!Dockerfile", "Dockerfile", "a/b/compose.yaml", "a/0.yaml")
    os.symlink(os.path.join(root, "a"), os.path.join(root, "link"))
    os.symlink(os.path.join(root, "a", "Dockerfile"), os.path.join(root, "z", "Dockerfile.x"))
    os.symlink(os.path.join(root, "nowhere"), os.path.join(root, "z", "Dockerfile.broken"))
    skipped: list[str] = []
    found = list(discover.discover([root], skipped=skipped))
    vendor = os.path.join(root, "vendor", "x", "Dockerfile")
    assert found == [item for item in _brute_force(root) if item[0] != vendor]
    assert skipped == [vendor]
    assert os.path.join(root, "z", "Dockerfile.x") in dict(found)
    assert not any(p.startswith(os.path.join(root, "link")) for p, _ in found)


def test_walk_lists_a_directory_only_when_it_comes_to_it(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No list of the tree's paths: the first file comes after listing only the
    # directories on its way down, the last after listing every directory once.
    root = str(tmp_path)
    for i in range(10):
        _touch(root, os.path.join(f"d{i}", "sub", "Dockerfile"))
    listed: list[str] = []
    scandir = os.scandir

    def counting(path: str) -> object:
        listed.append(path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    walk = discover.discover([root])
    assert next(walk)[0] == os.path.join(root, "d0", "sub", "Dockerfile")
    assert len(listed) == 3  # the root, d0, d0/sub
    assert len(list(walk)) == 9
    assert len(listed) == 1 + 10 * 2
