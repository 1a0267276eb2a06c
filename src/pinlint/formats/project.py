"""What a source may know beyond the file it scans: other files of the scanned tree.

Some sources read more than one file: a compose file takes variables from the ``.env``
beside it; Helm values need the ``Chart.yaml`` of their chart; a kustomization rewrites
the images of its bases; skaffold builds images that the manifests it deploys then name.
One :class:`Project` per run answers these questions for every source, so that

- a file is read at most once per run, however many files ask for it (answers are
  cached under a key the asking source chooses: :meth:`Project.fact`);
- what is read stays inside the scanned tree: a symlink that leads out of it (to
  ``/etc``, to another project, to a secret) is not followed, and neither is anything
  but a regular file (a FIFO would block the run);
- what is read is bounded: at most ``MAX_FILE_SIZE`` bytes, decoded as UTF-8.

The scanned tree is the directories named on the command line, and for a file named on
its own (the pre-commit call) the directory that holds it.  Sources never open other
files themselves.  A Project is plain data plus caches, so it travels to the worker
processes of a large run (each keeps its own cache).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

# A module-level TYPE_CHECKING as in ``pinlint.cli``: importing typing would cost the
# one-file run more than it lints.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    _T = TypeVar("_T")

__all__ = ["MAX_FILE_SIZE", "Project"]

# The limit of every file pinlint reads (the linted files too: ``pinlint.lint``).
MAX_FILE_SIZE = 16 * 1024 * 1024


class Project:
    """Per-run facts about the scanned tree, read on first use and cached."""

    __slots__ = ("_facts", "_real_roots", "roots")

    def __init__(self, roots: Sequence[str] = ()) -> None:
        # The paths given to the run (files or directories).
        self.roots = tuple(roots)
        self._real_roots: tuple[str, ...] | None = None
        self._facts: dict[object, object] = {}

    def fact(self, key: object, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per run for ``key`` (a tuple naming the source first)."""
        try:
            return self._facts[key]  # type: ignore[return-value]
        except KeyError:
            value = self._facts[key] = compute()
            return value

    def _trees(self, path: str) -> tuple[str, ...]:
        if self._real_roots is None:
            trees = []
            for root in self.roots:
                directory = root if os.path.isdir(root) else os.path.dirname(root) or "."
                trees.append(os.path.realpath(directory))
            self._real_roots = tuple(trees)
        if self._real_roots:
            return self._real_roots
        # No roots given (a format scanned on its own): the file's own directory.
        return (os.path.realpath(os.path.dirname(path) or "."),)

    def inside(self, path: str, other: str) -> str | None:
        """The real path of ``other`` when it lies inside the tree ``path`` was found in."""
        real = os.path.realpath(other)
        for tree in self._trees(path):
            if real == tree or real.startswith(tree.rstrip(os.sep) + os.sep):
                return real
        return None

    def read_beside(self, path: str, name: str) -> str | None:
        """The text of the file ``name`` in the directory of ``path``, or None.

        None when there is no such file, or it is not a regular file, lies outside the
        scanned tree (through a symlink), is larger than ``MAX_FILE_SIZE`` or is not
        UTF-8 (a BOM is dropped).  Cached: asking again costs nothing.
        """
        other = os.path.join(os.path.dirname(path), name)
        return self.fact(("file", other), lambda: self._read(path, other))

    def _read(self, path: str, other: str) -> str | None:
        import stat

        real = self.inside(path, other)
        if real is None:
            return None
        try:
            # O_NONBLOCK: a FIFO swapped in after the realpath above cannot block the run.
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(MAX_FILE_SIZE + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_SIZE:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
