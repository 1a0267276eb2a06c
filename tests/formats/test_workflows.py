"""GitHub Actions workflows: job containers, services, ``docker://`` steps, matrices."""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = ".github/workflows/ci.yml") -> list[Row]:
    found = formats.scan(formats.classify(path) or "yaml", path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


CASES = [
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    container: node:20\n",
        [(5, 16, "node:20", "node:20", "jobs.t.container")],
        id="container-string",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    container:\n"
        "      image: 'python:3.12'\n      options: --user root\n",
        [(6, 15, "python:3.12", "python:3.12", "jobs.t.container.image")],
        id="container-image-quoted",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    services:\n      redis: redis\n"
        "      db:\n        image: postgres:16\n        ports: ['5432:5432']\n",
        [
            (6, 14, "redis", "redis", "jobs.t.services.redis"),
            (8, 16, "postgres:16", "postgres:16", "jobs.t.services.db.image"),
        ],
        id="services-both-shapes",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
        "      - uses: docker://alpine:3.20\n      - uses: actions/checkout@v4\n",
        [(6, 24, "alpine:3.20", "alpine:3.20", "jobs.t.steps[0].uses")],
        id="docker-scheme-step",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        image: [node:20, 'node:22.11.0']\n        include:\n          - image: alpine\n"
        "    container: ${{ matrix.image }}\n",
        [
            (7, 17, "node:20", "node:20", "jobs.t.container"),
            (7, 27, "node:22.11.0", "node:22.11.0", "jobs.t.container"),
            (9, 20, "alpine", "alpine", "jobs.t.container"),
        ],
        id="matrix-whole-reference",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        pg: [14, '16.4']\n    services:\n      db:\n"
        "        image: postgres:${{ matrix.pg }}\n",
        [
            (7, 14, "14", "postgres:14", "jobs.t.services.db.image"),
            (7, 19, "16.4", "postgres:16.4", "jobs.t.services.db.image"),
        ],
        id="matrix-tag-only",
    ),
    pytest.param(
        "on: push\nenv:\n  IMAGE: redis:7\njobs:\n  t:\n    runs-on: x\n"
        "    services:\n      r: ${{ env.IMAGE }}\n",
        [(3, 10, "redis:7", "redis:7", "jobs.t.services.r")],
        id="env-value",
    ),
]

CASES += [
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        include:\n          - {pg: 'postgres:15'}\n"
        "    services:\n      db:\n        image: ${{ matrix.pg || 'postgres:14' }}\n",
        [
            (8, 19, "postgres:15", "postgres:15", "jobs.t.services.db.image"),
            (11, 34, "postgres:14", "postgres:14", "jobs.t.services.db.image"),
        ],
        id="matrix-or-literal",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        cfg: [{id: arch}, {id: fedora}]\n"
        "    container:\n      image: org/${{ matrix.cfg.id }}:latest\n",
        [
            (
                9,
                14,
                "org/${{ matrix.cfg.id }}:latest",
                "org/arch:latest",
                "jobs.t.container.image",
            )
        ],
        id="tag-in-field",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        include:\n          - s: opensearchproject/opensearch:2\n"
        "    services:\n      os:\n"
        "        image: ${{ contains(matrix.s, 'opensearch') && matrix.s || '' }}\n",
        [
            (
                8,
                16,
                "opensearchproject/opensearch:2",
                "opensearchproject/opensearch:2",
                "jobs.t.services.os.image",
            )
        ],
        id="condition-on-matrix",
    ),
]

NOOP = [
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: ${{ matrix.image }}\n    strategy:\n"
        "      matrix:\n        image: [ubuntu-latest, macos-14]\n    steps: [{run: make}]\n",
        id="runner-labels",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    container: ${{ needs.b.outputs.image }}\n",
        id="runtime-expression",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n"
        "      matrix: ${{ fromJSON(needs.a.outputs.m) }}\n    container: ${{ matrix.image }}\n",
        id="matrix-from-json",
    ),
    pytest.param(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: ./local\n", id="no-image"
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_workflow(text: str, expected: list[Row]) -> None:
    assert _scan(text) == expected


@pytest.mark.parametrize("text", NOOP)
def test_workflow_noop(text: str) -> None:
    assert _scan(text) == []


def test_workflow_recognised_by_content_elsewhere() -> None:
    text = "on: push\njobs:\n  t:\n    runs-on: x\n    container: node:20\n"
    assert [r[2] for r in _scan(text, "ci/build.yml")] == ["node:20"]


def test_matrix_value_shared_by_jobs_is_one_occurrence() -> None:
    text = (
        "on: push\nenv:\n  I: redis:7\njobs:\n"
        "  a:\n    runs-on: x\n    container: ${{ env.I }}\n"
        "  b:\n    runs-on: x\n    container: ${{ env.I }}\n"
    )
    assert [r[:3] for r in _scan(text)] == [(3, 6, "redis:7")]


def test_alias_bomb_is_cheap() -> None:
    # Anchors are never expanded: a billion-laughs matrix costs its size.
    lines = ["on: push", "x0: &a0 [node:20, node:20]"]
    lines += [f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    lines += ["jobs:", "  t:", "    runs-on: x", "    strategy:", "      matrix:"]
    lines += ["        image: *a29", "    container: ${{ matrix.image }}"]
    assert _scan("\n".join(lines) + "\n") == []
