from __future__ import annotations

import json
import os

import pytest

from pinlint import baseline
from pinlint.config import ConfigError
from pinlint.model import Finding, Severity


def _f(path: str, rule: str, image: str, line: int = 1) -> Finding:
    return Finding(path, line, 1, rule, Severity.ERROR, "m", image)


def test_round_trip_keeps_only_new(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "baseline.json")
    old = [_f("a", "PIN001", "nginx:latest"), _f("a", "PIN001", "nginx:latest", line=9)]
    baseline.write(path, old)
    with open(path) as f:
        assert json.load(f)["findings"] == [
            {"path": "a", "rule": "PIN001", "image": "nginx:latest", "count": 2}
        ]
    # Lines moved, one more of the same, and one of another image: two are new.
    now = [
        _f("a", "PIN001", "nginx:latest", line=3),
        _f("a", "PIN001", "nginx:latest", line=4),
        _f("a", "PIN001", "nginx:latest", line=5),
        _f("a", "PIN002", "redis"),
    ]
    new = baseline.filter_new(now, baseline.read(path))
    assert [(f.line, f.rule) for f in new] == [(5, "PIN001"), (1, "PIN002")]


@pytest.mark.parametrize("content", ["not json", "[]", '{"findings": [{"path": 1}]}'])
def test_bad_baseline_is_a_config_error(tmp_path: os.PathLike[str], content: str) -> None:
    path = os.path.join(tmp_path, "b.json")
    with open(path, "w") as f:
        f.write(content)
    with pytest.raises(ConfigError, match="not a pinlint baseline"):
        baseline.read(path)
