"""``--write-baseline`` / ``--baseline``: adopt pinlint without fixing everything at once.

A baseline entry is (path, rule, image) with a count, not a line number, so that edits
elsewhere in a file do not turn old findings into new ones.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence

from pinlint.config import ConfigError
from pinlint.model import Finding

Key = tuple[str, str, str]


def _key(f: Finding) -> Key:
    return (f.path.replace("\\", "/"), f.rule, f.as_written)


def write(path: str, findings: Sequence[Finding]) -> None:
    counts = collections.Counter(_key(f) for f in findings)
    entries = [
        {"path": p, "rule": r, "image": i, "count": n} for (p, r, i), n in sorted(counts.items())
    ]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "findings": entries}, f, indent=2)
        f.write("\n")


# A baseline may be committed in the checked tree: it is read like any untrusted file.
MAX_BASELINE_SIZE = 64 * 1024 * 1024


def read(path: str) -> collections.Counter[Key]:
    """The counts of a baseline; a ConfigError (one line, exit 2) for anything else."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BASELINE_SIZE + 1)
        if len(raw) > MAX_BASELINE_SIZE:
            raise ConfigError(f"{path}: not a pinlint baseline (over {MAX_BASELINE_SIZE} bytes)")
        data = json.loads(raw.decode("utf-8"))
        counts: collections.Counter[Key] = collections.Counter()
        for e in data["findings"]:
            key = (e["path"], e["rule"], e["image"])
            count = e["count"]
            # int, not float: 1e999 is infinity, which no Counter can hold.
            if not all(isinstance(k, str) for k in key) or type(count) is not int or count < 0:
                raise ValueError("bad entry")
            counts[key] = count
        return counts
    except OSError as e:
        raise ConfigError(f"{path}: cannot read baseline: {e.strerror}") from e
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise ConfigError(f"{path}: not a pinlint baseline") from e


def filter_new(findings: Sequence[Finding], known: collections.Counter[Key]) -> list[Finding]:
    """Findings beyond what the baseline recorded for the same path, rule and image."""
    budget = collections.Counter(known)
    new = []
    for f in findings:
        k = _key(f)
        if budget[k] > 0:
            budget[k] -= 1
        else:
            new.append(f)
    return new
