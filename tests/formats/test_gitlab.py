"""GitLab CI: ``image``, ``services``, ``default``, templates, variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None"]


def _scan(text: str, path: str = ".gitlab-ci.yml") -> list[Row]:
    found = formats.scan(formats.classify(path) or "yaml", path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image) for o in found]


CASES = [
    pytest.param(
        "image: ruby:3.3\nservices: [postgres:16]\ntest:\n  script: [rake]\n",
        [(1, 8, "ruby:3.3", "ruby:3.3"), (2, 12, "postgres:16", "postgres:16")],
        id="top-level",
    ),
    pytest.param(
        "default:\n  image:\n    name: alpine\n    entrypoint: ['']\ntest:\n  script: [x]\n",
        [(3, 11, "alpine", "alpine")],
        id="default-image-name",
    ),
    pytest.param(
        "test:\n  stage: test\n  services:\n    - name: mysql:8\n      alias: db\n"
        "    - redis:7.4.1\n  script: [x]\n",
        [(4, 13, "mysql:8", "mysql:8"), (6, 7, "redis:7.4.1", "redis:7.4.1")],
        id="services-shapes",
    ),
    pytest.param(
        ".base:\n  image: node:20\nbuild:\n  extends: .base\n  script: [x]\n",
        [(2, 10, "node:20", "node:20")],
        id="hidden-template",
    ),
    pytest.param(
        "variables:\n  PG: postgres:15\nx:\n  image: $PG\n  script: [x]\n"
        "y:\n  image: ${PG}\n  script: [x]\n",
        [(2, 7, "postgres:15", "postgres:15"), (2, 7, "postgres:15", "postgres:15")],
        id="variable-whole",
    ),
    pytest.param(
        ".t:\n  variables:\n    V: alpine:3.20\nx:\n  extends: .t\n  image: $V\n  script: [x]\n",
        [(3, 8, "alpine:3.20", "alpine:3.20")],
        id="variable-from-extends",
    ),
    pytest.param(
        "variables:\n  REG: registry.example.com\nx:\n  image: $REG/app:latest\n  script: [x]\n",
        [(4, 10, "$REG/app:latest", "registry.example.com/app:latest")],
        id="variable-part",
    ),
    pytest.param(
        "variables:\n  TAG: '16'\nx:\n  image: postgres:$TAG\n  script: [x]\n",
        [(2, 9, "16", "postgres:16")],
        id="variable-tag",
    ),
    pytest.param(
        ".t:\n  image: python:3.12\nx:\n  image: !reference [.t, image]\n  script: [x]\n",
        [(2, 10, "python:3.12", "python:3.12")],
        id="reference-tag",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_gitlab(text: str, expected: list[Row]) -> None:
    assert _scan(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("mac:\n  image: macos-14-xcode-15\n  script: [x]\n", id="macos-vm"),
        pytest.param("x:\n  image: $CI_REGISTRY_IMAGE:latest\n  script: [x]\n", id="ci-variable"),
        pytest.param("stages: [a]\nx:\n  stage: a\n  script: [make]\n", id="no-image"),
    ],
)
def test_gitlab_noop(text: str) -> None:
    assert _scan(text) == []


def test_gitlab_recognised_by_content() -> None:
    text = "stages: [t]\nunit:\n  stage: t\n  image: node:20\n  script: [npm test]\n"
    assert [r[2] for r in _scan(text, "ci/jobs.yml")] == ["node:20"]


def test_extends_cycle_ends() -> None:
    # Templates that extend each other: the variables are looked up once per template.
    text = (
        ".a:\n  extends: .b\n  variables: {X: alpine:3.20}\n"
        ".b:\n  extends: [.a, .b]\n"
        "job:\n  extends: .a\n  image: $X\n  script: [x]\n"
    )
    assert [r[2] for r in _scan(text)] == ["alpine:3.20"]


def test_alias_bomb_in_variables_is_cheap() -> None:
    lines = ["a0: &a0 {X: redis}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, 40)]
    lines += ["variables: *a39", "job:", "  image: $X", "  script: [x]"]
    assert [r[2] for r in _scan("\n".join(lines) + "\n")] == ["redis"]


# -- variables from locally included files ----------------------------------------------
#
# The shape GitLab documents for ``include:local`` (docs.gitlab.com, "Use CI/CD
# configuration from other files": ``include: '.gitlab-ci-production.yml'``, ``- local:
# /templates/.gitlab-ci-template.yml``) with a file of shared ``variables``.  Written
# for the test.
MAIN = """\
include:
  - local: /.gitlab/ci/images.yml
  - '.gitlab/ci/more.yml'
  - remote: https://example.org/ci.yml
  - local: 'ci/*.yml'
variables:
  TAG: "3.20"
build:
  image: $BUILD_IMAGE
  services:
    - name: ${DB_IMAGE}
  script: [make]
lint:
  image: "$REGISTRY/alpine:$TAG"
  script: [lint]
unknown:
  image: $NOT_DEFINED
  script: [x]
"""
IMAGES = "variables:\n  BUILD_IMAGE: golang:1.22\n  REGISTRY: docker.io/library\n  TAG: '3.19'\n"
MORE = "variables:\n  DB_IMAGE:\n    value: postgres:16\n    description: the database\n"


def _tree(tmp_path: Path, files: dict[str, str]) -> list[tuple[int, str, str | None]]:
    from pinlint.formats import Project

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    path = str(tmp_path / ".gitlab-ci.yml")
    found = formats.scan(
        "gitlab", path, files[".gitlab-ci.yml"], ScanOptions(), Project([str(tmp_path)])
    )
    return [(o.line, o.written, o.image) for o in found]


def test_variables_of_local_includes(tmp_path: Path) -> None:
    """Reported where used, with the included value (the file's own ``TAG`` wins), not
    rewritten; remote and wildcard includes and undefined variables are not read."""
    rows = _tree(
        tmp_path,
        {".gitlab-ci.yml": MAIN, ".gitlab/ci/images.yml": IMAGES, ".gitlab/ci/more.yml": MORE},
    )
    assert rows == [
        (9, "$BUILD_IMAGE", "golang:1.22"),
        (11, "${DB_IMAGE}", "postgres:16"),
        (14, "$REGISTRY/alpine:$TAG", "docker.io/library/alpine:3.20"),
    ]


def test_local_includes_outside_the_tree_or_not_files_are_not_read(tmp_path: Path) -> None:
    """An included path that is a symlink out of the tree, to ``/dev/zero``, or text that
    is not YAML gives no variables, and the pipeline is read as before."""
    import os

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "images.yml").write_text(IMAGES)
    tree = tmp_path / "tree"
    (tree / ".gitlab" / "ci").mkdir(parents=True)
    (tree / ".gitlab" / "ci" / "images.yml").symlink_to(outside / "images.yml")
    (tree / ".gitlab" / "ci" / "more.yml").symlink_to("/dev/zero")
    (tree / "ci").mkdir()
    os.mkfifo(tree / "ci" / "fifo.yml")
    main = MAIN.replace("  - local: 'ci/*.yml'\n", "  - local: ci/fifo.yml\n")
    assert _tree(tree, {".gitlab-ci.yml": main}) == []


def test_local_include_that_is_not_yaml_gives_nothing(tmp_path: Path) -> None:
    rows = _tree(
        tmp_path,
        {
            ".gitlab-ci.yml": MAIN,
            ".gitlab/ci/images.yml": "variables: [\n",
            ".gitlab/ci/more.yml": MORE,
        },
    )
    assert rows == [(11, "${DB_IMAGE}", "postgres:16")]
