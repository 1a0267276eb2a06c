"""The heap out of the garbage collector's sight while a run forks or waits on answers.

``gc.freeze()`` moves every object the collector tracks to its permanent generation;
``gc.unfreeze()`` moves all of them back, whoever froze them.  A caller that froze its own
heap before calling pinlint keeps it frozen: :func:`thaw` unfreezes only when nothing
was frozen before :func:`freeze` beyond what the interpreter itself had frozen when this
module was first imported.  That is not always nothing: CPython 3.12 starts with the
tuples of its static types frozen (375 on 3.12.1), and 3.11 and 3.13 with none.
"""

from __future__ import annotations

import gc

_FROZEN_AT_IMPORT = gc.get_freeze_count()


def freeze() -> int:
    """Freeze the heap; returns what was frozen before, for :func:`thaw`."""
    before = gc.get_freeze_count()
    gc.freeze()
    return before


def thaw(before: int) -> None:
    """Undo :func:`freeze`, unless a caller had frozen objects of its own before it."""
    if before <= _FROZEN_AT_IMPORT:
        gc.unfreeze()
