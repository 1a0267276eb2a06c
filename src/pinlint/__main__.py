from __future__ import annotations

from pinlint.cli import main

raise SystemExit(main())
