"""The registry of sources: claims by name, by content, the one dispatch, lazy imports.

The sources registered here are written by the tests into a temporary package, as a
contributor would write a new module: they prove that a source plugs in with its module
and one registry entry, and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinlint import formats, lint
from pinlint.config import Config
from pinlint.formats import YAML, Project, ScanOptions, Source

# A name-claimed text source: each line ``use IMAGE`` names an image.
_TEXT_SOURCE = '''
"""Test source: ``use IMAGE`` lines."""

from __future__ import annotations

from pinlint.model import Occurrence


def scan(path, text, options, project):
    found = []
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.startswith("use "):
            image = line[4:].strip()
            start = offset + 4
            found.append(
                Occurrence(path, start, start + len(image), number, 5, image, image, "use")
            )
        offset += len(line)
    return found
'''

# A YAML source: documents with a top-level ``pipeline`` list of ``{image: ...}``;
# ``confirm`` accepts a name claim only beside a ``pipeline.lock`` file.
_YAML_SOURCE = '''
"""Test source: ``pipeline: [{image: ...}]`` documents."""

from __future__ import annotations

from pinlint.formats.yamltree import is_null, scalar_text


def sniff(root):
    return isinstance(root.get("pipeline"), list)


def confirm(path, project):
    return project.read_beside(path, "pipeline.lock") is not None


def scan_document(doc):
    found = []
    for index, step in enumerate(doc.root.get("pipeline") or []):
        node = step.get("image") if isinstance(step, dict) else None
        if node is not None and not isinstance(node, (dict, list)) and not is_null(node):
            assert scalar_text(node) is not None
            found.append(doc.occurrence(node, f"pipeline[{index}].image"))
    return found
'''


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two sources, ``usefile`` (text) and ``pipeline`` (YAML), added to the registry."""
    package = tmp_path / "lib" / "extra_sources"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Sources for the tests."""\n')
    (package / "usefile.py").write_text(_TEXT_SOURCE)
    (package / "pipeline.py").write_text(_YAML_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))

    def usefile(name: str, lower: str, path: str) -> bool:
        return name == "Usefile" or path.endswith("/ci/uses.txt") or path == "ci/uses.txt"

    def pipeline_name(name: str, lower: str, path: str) -> bool:
        return name == "pipeline.yml"

    registry = list(formats.SOURCES)
    generic = next(i for i, s in enumerate(registry) if s.kind == "yaml")
    registry.insert(0, Source("usefile", "extra_sources.usefile", claim=usefile))
    entry = Source(
        "pipeline",
        "extra_sources.pipeline",
        reader=YAML,
        claim=pipeline_name,
        confirm=True,
        sniff=True,
        needs=("image",),
    )
    registry.insert(generic, entry)
    monkeypatch.setattr(formats, "SOURCES", tuple(registry))
    monkeypatch.setattr(formats, "_BY_KIND", {})
    root = tmp_path / "tree"
    root.mkdir()
    return root


def test_claims_by_name_and_path(sources: Path) -> None:
    (sources / "pipeline.lock").write_text("")
    project = Project([str(sources)])
    assert formats.classify(str(sources / "Usefile"), project) == "usefile"
    assert formats.classify("ci/uses.txt") == "usefile"
    assert formats.classify("other/ci/uses.txt") == "usefile"
    assert formats.classify("uses.txt") is None
    # Confirmed by the file beside it; without it the file is generic YAML.
    assert formats.classify(str(sources / "pipeline.yml"), project) == "pipeline"
    assert formats.classify(str(sources / "sub" / "pipeline.yml"), project) == "yaml"
    # What was there before is unchanged.
    assert formats.classify("Dockerfile") == "dockerfile"
    assert formats.classify("compose.yaml") == "yaml"


def test_a_new_source_is_linted_end_to_end(sources: Path) -> None:
    (sources / "Usefile").write_text("# images\nuse redis\nuse nginx:1.27.3\n")
    (sources / "pipeline.lock").write_text("")
    (sources / "pipeline.yml").write_text("pipeline:\n  - image: alpine\n  - run: true\n")
    # Found by content: a generic YAML file with a pipeline document, beside a manifest.
    (sources / "any.yaml").write_text(
        "pipeline:\n  - {image: 'busybox:latest'}\n---\n"
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: nginx\n"
    )
    result = lint.lint_paths([str(sources)], Config())
    got = sorted((f.path.rsplit("/", 1)[-1], f.line, f.rule, f.as_written) for f in result.findings)
    assert got == [
        ("Usefile", 2, "PIN002", "redis"),
        ("any.yaml", 2, "PIN001", "busybox:latest"),
        ("any.yaml", 8, "PIN002", "nginx"),
        ("pipeline.yml", 2, "PIN002", "alpine"),
    ]
    assert result.kinds() == {
        str(sources / "Usefile"): "usefile",
        str(sources / "any.yaml"): "yaml",
        str(sources / "pipeline.yml"): "pipeline",
    }


def test_sniff_order_decides_a_document_both_would_take(sources: Path) -> None:
    # Kubernetes comes before the test source in the registry: a manifest with a
    # ``pipeline`` key is a manifest.
    text = "apiVersion: v1\nkind: X\npipeline:\n  - image: alpine\n"
    found = formats.scan("yaml", "x.yaml", text, ScanOptions())
    assert found == []


def test_yaml_without_a_needed_word_is_not_parsed(
    sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parse(text: str) -> object:
        raise AssertionError("parsed")

    monkeypatch.setattr("pinlint.formats.yamlfile.iter_documents", no_parse)
    assert formats.scan("yaml", "x.yaml", "pipeline: [{run: true}]\n", ScanOptions()) == []
    assert formats.scan("pipeline", "p.yml", "pipeline: []\n", ScanOptions()) == []


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        formats.scan("nothing", "x", "", ScanOptions())


def test_one_dockerfile_imports_no_yaml_source(tmp_path: Path) -> None:
    """Entries name modules: a Dockerfile-only run loads no other source."""
    (tmp_path / "Dockerfile").write_text("FROM nginx:latest\n")
    script = textwrap.dedent(
        """
        import sys
        from pinlint import cli
        code = cli.main(["Dockerfile"])
        loaded = sorted(m for m in sys.modules if m.startswith("pinlint.formats."))
        print(code, loaded)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.splitlines()[-1] == "1 ['pinlint.formats.dockerfile']"
