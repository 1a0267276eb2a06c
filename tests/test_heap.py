"""The heap frozen for a run and thawed after it, on every Python pinlint supports.

CPython 3.12 starts with objects of its own frozen (``gc.get_freeze_count()`` is 375 on
3.12.1 before any code runs), 3.11 and 3.13 with none: a run must thaw what it froze in
both cases, and leave a caller's own freeze as it was.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinlint import heap, lint
from pinlint.config import Config


@pytest.fixture
def thawed() -> Iterator[None]:
    """Whatever a test freezes is thawed after it, pass or fail."""
    try:
        yield
    finally:
        gc.unfreeze()


def test_a_run_thaws_what_it_froze_when_the_interpreter_had_frozen_some_of_its_own(
    monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:
    # What CPython 3.12 does at start-up, on any version: objects frozen before pinlint.
    gc.freeze()
    monkeypatch.setattr(heap, "_FROZEN_AT_IMPORT", gc.get_freeze_count())
    assert heap._FROZEN_AT_IMPORT > 0
    heap.thaw(heap.freeze())
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_stays(thawed: None) -> None:
    gc.freeze()
    assert gc.get_freeze_count() > heap._FROZEN_AT_IMPORT
    heap.thaw(heap.freeze())
    # Still frozen. (A frozen object can still be freed when its last reference goes, so
    # the count may drop a little; gc.unfreeze() would have made it 0.)
    assert gc.get_freeze_count() > 0


def test_a_fresh_interpreter_ends_a_freeze_with_nothing_frozen() -> None:
    # The interpreter's own count at import, whatever it is on this version, is the mark.
    code = (
        "import gc; at_start = gc.get_freeze_count()\n"
        "from pinlint import heap\n"
        "assert heap._FROZEN_AT_IMPORT == at_start, (heap._FROZEN_AT_IMPORT, at_start)\n"
        "heap.thaw(heap.freeze())\n"
        "assert gc.get_freeze_count() == 0, gc.get_freeze_count()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the parallel lint forks (Linux only)")
def test_a_parallel_lint_thaws_its_freeze_and_leaves_a_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:
    for i in range(4):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "Dockerfile").write_text("FROM alpine\n")
    monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert gc.get_freeze_count() <= heap._FROZEN_AT_IMPORT  # nothing frozen by a caller
    result = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert len(result.findings) == 4
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own
    lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert gc.get_freeze_count() > 0  # still frozen (see above)
