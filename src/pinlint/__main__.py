from __future__ import annotations

from pinlint.cli import run

raise SystemExit(run())
