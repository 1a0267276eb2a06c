"""Which files to lint, and which source reads each one.

Discovery walks the paths given and asks the registry of sources
(:func:`pinlint.formats.classify`) which files are theirs, by name and path.
"""

from __future__ import annotations

import os

from pinlint.formats import classify

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Iterator, Sequence

    from pinlint.formats import Project

__all__ = ["DEFAULT_EXCLUDES", "classify", "discover", "is_excluded"]

# Third-party trees: what lies in them is not the user's to fix.  Skipped in directory
# walks (as ruff skips ``node_modules``, ``site-packages``, ...), counted, and read with
# ``--no-default-excludes`` or ``default-excludes = false``.  A file or a directory named
# on the command line is read even inside one (``pinlint vendor/x``).
DEFAULT_EXCLUDES = frozenset(("vendor", "node_modules", "third_party"))

# The kinds of the two sources older code names; every kind is a ``formats.SOURCES`` entry.
DOCKERFILE = "dockerfile"
YAML = "yaml"


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    """``exclude`` globs match the path, any of its trailing parts, or any of the
    directories it lies in, written as a path prefix (``bench/heldout``,
    ``bench/heldout/``, ``./bench/heldout``) or a bare name (``heldout``), as ruff's
    ``--exclude`` does.  A pattern ending in ``/`` names directories only."""
    if not patterns:
        return False
    return _exclude_regex(tuple(patterns)).search(path.replace(os.sep, "/")) is not None


_EXCLUDE_REGEXES: dict[tuple[str, ...], re.Pattern[str]] = {}


def _exclude_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for ``patterns``: a glob matches a run of whole path components, so
    ``a/b`` excludes ``a/b/Dockerfile`` and ``x/a/b/c.yaml`` but not ``a/bc/Dockerfile``.
    fnmatch's ``*`` also matches ``/`` (``build/*`` excludes ``build/x/Dockerfile``)."""
    regex = _EXCLUDE_REGEXES.get(patterns)
    if regex is None:
        # Only with patterns: not on the plain pre-commit path.
        import fnmatch
        import re

        alternatives = []
        for pattern in patterns:
            glob = pattern.replace(os.sep, "/")
            while glob.startswith("./"):
                glob = glob[2:]
            directory = glob.endswith("/")
            glob = glob.rstrip("/")
            if not glob:
                continue
            # ``(?s:...)\Z`` (Python 3.9 to 3.13): the part before ``\Z``.
            translated = fnmatch.translate(glob).removesuffix(r"\Z")
            alternatives.append(translated + (r"(?=/)" if directory else r"(?=/|\Z)"))
        body = "|".join(alternatives) or r"(?!)"
        regex = _EXCLUDE_REGEXES[patterns] = re.compile(r"(?:^|(?<=/))(?:" + body + ")")
    return regex


def _git_root(directory: str) -> str | None:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_files(directory: str, errors: list[str] | None = None) -> list[str] | None:
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
    if errors is not None:
        # git lists what it can and warns about the rest ("could not open directory").
        prefix = os.path.normpath(directory)
        for line in proc.stderr.decode("utf-8", "surrogateescape").splitlines():
            if line.startswith("warning: could not open directory '"):
                name, _, why = line[len("warning: could not open directory '") :].partition("': ")
                where = os.path.join(prefix, name.rstrip("/")) if prefix != "." else name
                errors.append(f"{where.rstrip('/')}: cannot read directory: {why}")
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n]


def _walk(
    directory: str, prefix: str, project: Project | None, errors: list[str] | None = None
) -> Iterator[tuple[str, str]]:
    """``(relative path, kind)`` of the files below ``directory`` that pinlint reads, in
    the order of their paths as strings (what sorting every path would give), without a
    list of every path: each directory's entries are sorted, a directory's name with
    ``os.sep`` after it (so ``a/x`` comes after ``a-b`` and ``a.txt``, as in a sort of
    whole paths), and a directory's files come where its name sorts.  What is held at
    once is the listings of the directories on one path down the tree.

    Symlinked directories are not followed, so a symlink loop cannot trap the walk; a
    symlink to a file is read like the file (a broken one is passed over).  ``DirEntry``
    answers most type questions from the directory listing itself, without a stat.
    """
    levels = [_listing(directory, "", errors)]
    while levels:
        level = levels[-1]
        if not level:
            levels.pop()
            continue
        rel, entry = level.pop()
        if rel.endswith(os.sep):
            levels.append(_listing(directory, rel, errors))
            continue
        kind = classify(prefix + rel, project)
        if kind is not None and entry.is_file():
            yield rel, kind


def _listing(
    directory: str, rel_dir: str, errors: list[str] | None
) -> list[tuple[str, os.DirEntry[str]]]:
    """The entries of ``directory``/``rel_dir`` as ``(relative path, entry)``, a
    directory's path ending in ``os.sep`` (``.git`` left out), sorted last first."""
    try:
        entries = os.scandir(os.path.join(directory, rel_dir))
    except OSError as e:
        # Said, not skipped in silence: "No findings." would be a lie.
        if errors is not None:
            where = os.path.normpath(os.path.join(directory, rel_dir))
            errors.append(f"{where}: cannot read directory: {e.strerror}")
        return []
    found: list[tuple[str, os.DirEntry[str]]] = []
    with entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != ".git":
                    found.append((rel_dir + entry.name + os.sep, entry))
            else:
                found.append((rel_dir + entry.name, entry))
    # By path alone: no two entries of a directory have the same one.
    found.sort(reverse=True)
    return found


def _third_party(rel: str) -> bool:
    """``rel`` (``/`` or ``os.sep`` separated, below a walked directory) lies in a
    third-party tree."""
    parts = rel.replace(os.sep, "/").split("/")[:-1]
    return any(part in DEFAULT_EXCLUDES for part in parts)


def _is_file(path: str, errors: list[str] | None) -> bool:
    """A regular file; a deleted one is not, one behind a closed directory is an error."""
    import stat

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as e:
        if errors is not None:
            errors.append(f"{path}: cannot read: {e.strerror}")
        return False


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    project: Project | None = None,
    *,
    default_excludes: bool = True,
    skipped: list[str] | None = None,
    errors: list[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """``(path, kind)`` for every file to lint, in a stable order.

    Directories are walked recursively (skipping ``.git``; inside a git work tree, what
    git ignores is skipped too).  A file named explicitly is linted even if git ignores
    it, as pre-commit passes file names; ``exclude`` applies to both.  Missing paths are
    the caller's business (checked before).  Each file is classified once, by its path
    as given (the scanned directory's prefix included).

    With ``default_excludes``, files below a walked directory that lie in a third-party
    tree (:data:`DEFAULT_EXCLUDES`) are left out and appended to ``skipped``.
    Directories and files that cannot be read are added to ``errors``, one line each.
    """
    # Only several paths can name a file twice (within one listing, sorted, a file named
    # twice is named in a row): a set of every path is a tree's worth of memory.
    track = len(paths) > 1
    seen: set[str] = set()
    for arg in paths:
        if os.path.isdir(arg):
            prefix = os.path.normpath(arg)
            prefix = "" if prefix == "." else prefix + os.sep
            names = _git_files(arg, errors) if _git_root(arg) is not None else None
            found: Iterable[tuple[str, str]]
            if names is not None:
                listed: list[tuple[str, str]] = []
                # git lists tracked files that were deleted, and submodules: check them.
                for n in names:
                    if ".git" in n.split("/"):
                        continue
                    path = prefix + (n if os.sep == "/" else n.replace("/", os.sep))
                    kind = classify(path, project)
                    if kind is not None and _is_file(path, errors):
                        listed.append((path, kind))
                listed.sort()
                found = listed
            else:
                # Already in order, one file at a time: no list of the tree's paths.
                walk = _walk(arg, prefix, project, errors)
                found = ((prefix + rel, kind) for rel, kind in walk)
            last = None
            for item in found:
                path, kind = item
                if path == last or (track and path in seen) or is_excluded(path, exclude):
                    continue
                if default_excludes and _third_party(path[len(prefix) :]):
                    if skipped is not None:
                        skipped.append(path)
                    continue
                last = path
                if track:
                    seen.add(path)
                if project is not None:
                    project.saw(path, kind)
                yield item
        else:
            path = os.path.normpath(arg)
            kind = classify(path, project)
            if kind is None or path in seen or is_excluded(path, exclude):
                continue
            seen.add(path)
            if project is not None:
                project.saw(path, kind)
            yield path, kind
