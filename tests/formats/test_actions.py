"""Action metadata (``action.yml``): ``runs.image``, composite steps, image inputs."""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions


def _scan(text: str, path: str = "action.yml") -> list[tuple[int, int, str, str]]:
    found = formats.scan(formats.classify(path) or "yaml", path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.context) for o in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: a\nruns:\n  using: docker\n  image: 'docker://ghcr.io/o/a:v2'\n",
            [(4, 20, "ghcr.io/o/a:v2", "runs.image")],
            id="runs-image",
        ),
        pytest.param(
            "name: a\nruns:\n  using: composite\n  steps:\n    - uses: docker://alpine\n",
            [(5, 22, "alpine", "runs.steps[0].uses")],
            id="composite-step",
        ),
        pytest.param(
            "name: a\ninputs:\n  image:\n    default: 'docker.io/tonistiigi/binfmt:latest'\n"
            "runs:\n  using: node20\n  main: index.js\n",
            [(4, 15, "docker.io/tonistiigi/binfmt:latest", "inputs.image.default")],
            id="image-input-default",
        ),
    ],
)
def test_action(text: str, expected: list[tuple[int, int, str, str]]) -> None:
    assert _scan(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("name: a\nruns:\n  using: docker\n  image: Dockerfile\n", id="built"),
        pytest.param(
            "name: a\ninputs:\n  cache-image:\n    default: 'true'\n  base_image:\n"
            "    default: ''\nruns:\n  using: node20\n  main: x.js\n",
            id="not-references",
        ),
        pytest.param(
            "name: a\ninputs:\n  docker_image:\n    default: o/a\n  docker_tag:\n"
            "    default: v2.1.0\nruns:\n  using: composite\n  steps: []\n",
            id="split-image-and-tag",
        ),
    ],
)
def test_action_noop(text: str) -> None:
    assert _scan(text) == []
