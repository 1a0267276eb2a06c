"""devcontainer.json: JSON with comments, the ``image``, template options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinlint.formats import Project, ScanOptions, classify
from pinlint.formats.devcontainer import blank_jsonc, scan
from pinlint.model import ParseError

PATH = ".devcontainer/devcontainer.json"


def _scan(
    text: str, path: str = PATH, project: Project | None = None
) -> list[tuple[int, int, str, str | None]]:
    found = scan(path, text, ScanOptions(), project)
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image) for o in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{\n  "image": "mcr.microsoft.com/devcontainers/python:3"\n}\n',
            [(2, 13, "mcr.microsoft.com/devcontainers/python:3", None)],
            id="plain",
        ),
        pytest.param(
            '// head\n{\n\t"name": "x", /* c */\n\t// "features": {},\n'
            '\t"image": "node:20", // tail\n}\n',
            [(5, 12, "node:20", None)],
            id="comments",
        ),
        pytest.param(
            '{"features": {"ghcr.io/devcontainers/features/node:1": {"image": "x"}},\n'
            ' "image": "alpine",\n}',
            [(2, 12, "alpine", None)],
            id="trailing-comma-and-nested-image",
        ),
        pytest.param('\ufeff{"image": "redis"}', [(1, 12, "redis", None)], id="bom"),
    ],
)
def test_devcontainer(text: str, expected: list[tuple[int, int, str, None]]) -> None:
    assert [(*r[:3], None) for r in _scan(text)] == expected
    assert all(r[3] == r[2] for r in _scan(text))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"build": {"dockerfile": "Dockerfile"}}', id="build"),
        pytest.param('{"dockerComposeFile": "compose.yml", "service": "app"}', id="compose"),
        pytest.param('{"image": "${localEnv:IMAGE}"}', id="local-env"),
        pytest.param('{"name": "x", "features": {"ghcr.io/x/y:1": {}}}', id="features"),
    ],
)
def test_devcontainer_noop(text: str) -> None:
    assert _scan(text) == []


def test_template_option_default(tmp_path: Path) -> None:
    (tmp_path / ".devcontainer").mkdir()
    (tmp_path / "devcontainer-template.json").write_text(
        json.dumps({"options": {"v": {"type": "string", "default": "3.12-bookworm"}}})
    )
    path = str(tmp_path / ".devcontainer" / "devcontainer.json")
    text = '{"image": "python:${templateOption:v}"}'
    assert _scan(text, path, Project([str(tmp_path)])) == [
        (1, 12, "python:${templateOption:v}", "python:3.12-bookworm")
    ]


def test_template_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    # The template is a symlink to a file outside the scanned tree: not followed.
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"options": {"v": {"default": "3.12"}}}))
    tree = tmp_path / "tree"
    (tree / ".devcontainer").mkdir(parents=True)
    (tree / "devcontainer-template.json").symlink_to(outside)
    path = str(tree / ".devcontainer" / "devcontainer.json")
    text = '{"image": "python:${templateOption:v}"}'
    assert _scan(text, path, Project([str(tree)])) == []


def test_blank_keeps_offsets() -> None:
    text = '{"a": "// not a comment", /* x */ "b": [1,],}'
    blanked = blank_jsonc(text)
    assert len(blanked) == len(text)
    assert json.loads(blanked) == {"a": "// not a comment", "b": [1]}


def test_broken_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        scan(PATH, '{"image": "x"\n"name": 1}', ScanOptions())
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        (".devcontainer/devcontainer.json", True),
        ("a/.devcontainer/py/devcontainer.json", True),
        (".devcontainer.json", True),
        ("devcontainer.json", False),
        ("docs/devcontainer.json", False),
    ],
)
def test_claims(path: str, claimed: bool) -> None:
    assert (classify(path) == "devcontainer") is claimed


def test_deep_nesting_is_one_parse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pinlint import cli

    folder = tmp_path / ".devcontainer"
    folder.mkdir()
    path = folder / "devcontainer.json"
    path.write_text('{"image": "redis", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code = cli.main([str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "PIN900" in out
    assert "Traceback" not in out


def test_comment_markers_inside_strings_are_text() -> None:
    text = '{"image": "ghcr.io/o/a:1.2.3", "postCreateCommand": "echo // /* , ]"}'
    assert _scan(text) == [(1, 12, "ghcr.io/o/a:1.2.3", "ghcr.io/o/a:1.2.3")]
