"""Which files to lint, and which format each one is."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

DOCKERFILE = "dockerfile"
YAML = "yaml"


def classify(path: str) -> str | None:
    """The format of a file by its name, or None when pinlint does not read it.

    Dockerfile: ``Dockerfile``, ``*.Dockerfile``, ``Dockerfile.*``, ``Containerfile*``;
    the whole name and the suffix in any case (``dockerfile``, ``api.dockerfile``), the
    ``Dockerfile.`` prefix only as written, so that ``dockerfile.py`` stays Python.
    BuildKit's per-Dockerfile ignore files (``Dockerfile.dockerignore``) are not
    Dockerfiles.  YAML: ``*.yml``, ``*.yaml``; which of them are compose files or
    manifests is decided by their content.
    """
    name = os.path.basename(path)
    lower = name.lower()
    if lower.endswith((".yml", ".yaml")):
        return YAML
    if lower.endswith(".dockerignore"):
        return None
    if (
        lower in ("dockerfile", "containerfile")
        or lower.endswith((".dockerfile", ".containerfile"))
        or name.startswith(("Dockerfile.", "Containerfile"))
    ):
        return DOCKERFILE
    return None


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    """``exclude`` globs match the path or any of its trailing parts (like ruff)."""
    if not patterns:
        return False
    import fnmatch  # only with patterns: not on the plain pre-commit path

    norm = path.replace(os.sep, "/")
    parts = norm.split("/")
    candidates = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns) or any(
        fnmatch.fnmatch(part, p) for part in parts for p in patterns
    )


def _git_root(directory: str) -> str | None:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_files(directory: str) -> list[str] | None:
    """Files under ``directory`` that git does not ignore, or None without git.

    git itself knows every .gitignore, .git/info/exclude and the global excludes file,
    so asking it is both exact and fast (one process for the whole tree).
    """
    import subprocess  # only for directories: not on the one-file pre-commit path

    try:
        proc = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "."],
            cwd=directory,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n]


def _walk(directory: str) -> Iterator[str]:
    """Relative paths of the files below ``directory`` that pinlint reads.

    Symlinked directories are not followed, so a symlink loop cannot trap the walk; a
    symlink to a file is read like the file (a broken one is passed over).  ``DirEntry``
    answers most type questions from the directory listing itself, without a stat.
    """
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = os.scandir(os.path.join(directory, rel_dir))
        except OSError:
            continue
        with entries:
            for entry in entries:
                rel = rel_dir + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != ".git":
                        stack.append(rel + os.sep)
                elif classify(entry.name) is not None and entry.is_file():
                    yield rel


def discover(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[tuple[str, str]]:
    """``(path, format)`` for every file to lint, in a stable order.

    Directories are walked recursively (skipping ``.git``; inside a git work tree, what
    git ignores is skipped too).  A file named explicitly is linted even if git ignores
    it, as pre-commit passes file names; ``exclude`` applies to both.  Missing paths are
    the caller's business (checked before).
    """
    seen: set[str] = set()
    for arg in paths:
        if os.path.isdir(arg):
            prefix = os.path.normpath(arg)
            prefix = "" if prefix == "." else prefix + os.sep
            names = _git_files(arg) if _git_root(arg) is not None else None
            if names is not None:
                # git lists tracked files that were deleted, and submodules: check them.
                names = [
                    n
                    for n in names
                    if classify(n) is not None
                    and ".git" not in n.split("/")
                    and os.path.isfile(prefix + n)
                ]
            else:
                names = list(_walk(arg))
            for rel in sorted(names):
                path = prefix + (rel if os.sep == "/" else rel.replace("/", os.sep))
                kind = classify(rel)
                if kind is None or path in seen or is_excluded(path, exclude):
                    continue
                seen.add(path)
                yield path, kind
        else:
            path = os.path.normpath(arg)
            kind = classify(path)
            if kind is None or path in seen or is_excluded(path, exclude):
                continue
            seen.add(path)
            yield path, kind
