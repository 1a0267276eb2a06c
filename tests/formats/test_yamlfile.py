from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence

import pytest
import yaml
from yaml.events import ScalarEvent

from pinlint.formats import ScanOptions, yamltree
from pinlint.formats.yamlfile import scan
from pinlint.formats.yamltree import (
    is_null,
    iter_documents,
    locate,
    mappings,
    merged,
    position,
    scalar_text,
)
from pinlint.model import ParseError


def _value_span(text: str, key: str = "v") -> tuple[str, bool, int, int]:
    """Written text, verbatim flag, line and column of the scalar under ``key``."""
    [root] = list(iter_documents(text))
    assert isinstance(root, dict)
    node = root[key]
    assert not isinstance(node, (dict, list))
    bom = 1 if text.startswith("\ufeff") else 0
    span = locate(text, bom, node)
    return text[span.start : span.end], span.verbatim, span.line, span.column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("v: nginx:1\n", ("nginx:1", True, 1, 4), id="plain"),
        pytest.param("v: nginx:1   # note\n", ("nginx:1", True, 1, 4), id="plain-comment"),
        pytest.param('v: "nginx:1"\n', ("nginx:1", True, 1, 5), id="double-quoted"),
        pytest.param("v: 'nginx:1'\n", ("nginx:1", True, 1, 5), id="single-quoted"),
        pytest.param("v: 'it''s'\n", ("it''s", False, 1, 5), id="single-quoted-escape"),
        pytest.param('v: "a\\tb"\n', ("a\\tb", False, 1, 5), id="double-quoted-escape"),
        pytest.param('v: ""\n', ("", True, 1, 5), id="empty-quoted"),
        pytest.param("v: &a nginx\n", ("nginx", True, 1, 7), id="anchor"),
        pytest.param("v: !!str &a 'nginx'\n", ("nginx", True, 1, 14), id="tag-anchor-quoted"),
        pytest.param("v: !<tag:yaml.org,2002:str> x\n", ("x", True, 1, 29), id="verbatim-tag"),
        pytest.param("v: &a # c\n  # d\n  nginx\n", ("nginx", True, 3, 3), id="anchor-newline"),
        pytest.param("v: |-\n  nginx\n", ("nginx", True, 2, 3), id="literal-strip"),
        pytest.param("v: |  # c\n  nginx\n\n", ("nginx", False, 2, 3), id="literal-clip"),
        pytest.param("v: >-\n  a\n  b\n", ("a\n  b", False, 2, 3), id="folded-multi-line"),
        pytest.param("v: a\n  b\n", ("a\n  b", False, 1, 4), id="plain-multi-line"),
        pytest.param("{v: x, w: y}\n", ("x", True, 1, 5), id="flow-mapping"),
        pytest.param("\ufeffv: x\n", ("x", True, 1, 4), id="bom"),
        pytest.param("a: é\r\nv: 'ü'\r\n", ("ü", True, 2, 5), id="crlf-non-ascii"),
        pytest.param("a: 1\x85v: x\n", ("x", True, 2, 4), id="next-line-break"),
    ],
)
def test_locate(text: str, expected: tuple[str, bool, int, int]) -> None:
    assert _value_span(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("abc", (1, 3), id="same-line"),
        pytest.param("a\nbc", (2, 2), id="lf"),
        pytest.param("a\r\nbc", (2, 2), id="crlf"),
        pytest.param("a\rb\u2028c", (3, 1), id="cr-and-line-separator"),
    ],
)
def test_position(text: str, expected: tuple[int, int]) -> None:
    assert position(text, 0, 0, 0, len(text) - 1) == expected


def test_merged_precedence() -> None:
    text = textwrap.dedent(
        """\
        a: &a {x: a, y: a, z: a}
        b: &b {y: b, w: b, <<: {q: deep}}
        m:
          <<: [*a, *b]
          z: own
        """
    )
    [root] = list(iter_documents(text))
    assert isinstance(root, dict)
    mapping = root["m"]
    assert isinstance(mapping, dict)
    values = {key: scalar_text(node) for key, node in merged(mapping).items()}
    assert values == {"x": "a", "y": "a", "z": "own", "w": "b", "q": "deep"}


def test_merged_cycle_ends() -> None:
    [root] = list(iter_documents("m: &m {a: 1, <<: *m}\n"))
    assert isinstance(root, dict)
    mapping = root["m"]
    assert isinstance(mapping, dict)
    assert list(merged(mapping)) == ["a"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("v:\n", True, id="empty"),
        pytest.param("v: ~\n", True, id="tilde"),
        pytest.param("v: Null\n", True, id="null-word"),
        pytest.param("v: !!null ''\n", True, id="null-tag"),
        pytest.param("v: ''\n", False, id="empty-string"),
        pytest.param("v: 'null'\n", False, id="quoted-null"),
        pytest.param("v: []\n", False, id="sequence"),
    ],
)
def test_is_null(text: str, expected: bool) -> None:
    [root] = list(iter_documents(text))
    assert isinstance(root, dict)
    assert is_null(root["v"]) is expected


def test_documents_one_at_a_time() -> None:
    documents = iter_documents("a: 1\n---\n---\n- x\n---\nb: [\n")
    first = next(documents)
    assert isinstance(first, dict)
    assert list(first) == ["a"]
    assert is_null(next(documents))  # an empty document
    assert isinstance(next(documents), list)
    # The broken document is only parsed when it is reached.
    with pytest.raises(ParseError):
        next(documents)


def test_pure_python_parser_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "\ufeffapiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n"
        "  - image: &i 'nginx:latest'\r\n  - image: *i\r\n  - {image: \"é\"}\r\n"
    )
    with_libyaml = [(o.start, o.end, o.line, o.column) for o in scan("p.yaml", text, OPTIONS)]
    monkeypatch.setattr(yamltree, "_parser", yaml.SafeLoader)
    assert [(o.start, o.end, o.line, o.column) for o in scan("p.yaml", text, OPTIONS)] == (
        with_libyaml
    )
    assert with_libyaml == [
        (text.index("nginx"), text.index("nginx") + 12, 5, 16),
        (108, 109, 7, 14),
    ]


OPTIONS = ScanOptions()
POD_HEAD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n"


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        pytest.param(
            'services:\n  a:\n    image: "nginx\n',
            "invalid YAML: found unexpected end of stream while scanning a quoted scalar",
            3,  # the end of the last line, not a line the file does not have
            18,
            id="broken-quoting",
        ),
        pytest.param(
            "services:\n\timage: nginx\n",
            "invalid YAML: found character that cannot start any token"
            " while scanning for the next token",
            2,
            1,
            id="tab-indentation",
        ),
        pytest.param(
            POD_HEAD + "    image: [nginx\n",
            "invalid YAML: did not find expected ',' or ']' while parsing a flow sequence",
            6,
            18,
            id="unclosed-flow",
        ),
        pytest.param(
            "image: a\x00b\n",
            "invalid YAML: unacceptable character #x0000: control characters are not allowed",
            1,
            9,
            id="nul",
        ),
        pytest.param(
            "é: 1\nimage: \x07\n",
            "invalid YAML: unacceptable character #x0007: control characters are not allowed",
            2,
            8,
            id="control-after-non-ascii",
        ),
        pytest.param(
            "a: 1\nimage: \udcff\n",
            "invalid YAML: not valid Unicode",
            2,
            8,
            id="lone-surrogate",
        ),
        pytest.param(
            "image: x\nother: *nowhere\n",
            "invalid YAML: found undefined alias 'nowhere'",
            2,
            8,
            id="undefined-alias",
        ),
        pytest.param(
            "image: " + "[" * 20_000 + "]" * 20_000 + "\n",
            "invalid YAML: nesting too deep",
            1,
            1007,  # the root mapping is the first level
            id="deep-flow-nesting",
        ),
        pytest.param(
            "image:\n" + "- " * 20_000 + "x\n",
            "invalid YAML: nesting too deep",
            2,
            1999,
            id="deep-block-nesting",
        ),
    ],
)
def test_parse_error(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as info:
        scan("broken.yaml", text, OPTIONS)
    assert (info.value.message, info.value.line, info.value.column) == (message, line, column)
    assert "\n" not in str(info.value)


def test_own_depth_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Builds of libyaml without a nesting limit meet this one instead.
    monkeypatch.setattr(yamltree, "MAX_DEPTH", 5)
    scan("ok.yaml", "image: [[[[x]]]]\n", OPTIONS)  # 5 levels with the root mapping
    with pytest.raises(ParseError, match="nesting too deep") as info:
        scan("deep.yaml", "image: [[[[[x]]]]]\n", OPTIONS)
    assert (info.value.line, info.value.column) == (1, 12)


def test_binary_file() -> None:
    data = bytes(range(256)).decode("latin-1") + "image"
    with pytest.raises(ParseError, match=r"^invalid YAML: unacceptable character"):
        scan("blob.yaml", data, OPTIONS)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("\ufeff", id="bom-only"),
        pytest.param("# image: nginx\n", id="comment-only"),
        pytest.param("---\n# image\n...\n", id="empty-documents"),
        pytest.param("image\n", id="scalar-root"),
        pytest.param("- image: nginx\n", id="sequence-root"),
        pytest.param("key: 'broken\n", id="broken-without-image-is-not-parsed"),
        pytest.param("{{ .Values.image }\nkey: 'broken\n", id="broken-helm-template"),
        pytest.param("image: nginx\n", id="neither-compose-nor-kubernetes"),
    ],
)
def test_noop(text: str) -> None:
    assert scan("any.yaml", text, OPTIONS) == []


def _laughs(levels: int, width: int, leaf: str) -> str:
    lines = [f"l0: &l0 {leaf}"]
    for level in range(1, levels):
        items = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{items}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_kubernetes() -> None:
    # 10 levels of 10 aliases: 10**9 containers if aliases were expanded.
    text = (
        "apiVersion: v1\nkind: Pod\n"
        + _laughs(10, 10, "{name: c, image: 'nginx:latest'}")
        + "spec:\n  containers: *l9\n  initContainers: [*l0, *l0]\n"
    )
    started = time.monotonic()
    found = scan("bomb.yaml", text, OPTIONS)
    assert time.monotonic() - started < 2
    # The containers list holds lists (not container mappings): only the direct use
    # of the anchored container counts, and once.
    assert [(o.written, o.context) for o in found] == [
        ("nginx:latest", "spec.initContainers[0].image")
    ]


def test_alias_bomb_compose() -> None:
    text = _laughs(10, 10, "{image: 'redis'}") + "services:\n  a: {<<: *l0}\n  b: *l9\n"
    started = time.monotonic()
    found = scan("compose.yaml", text, OPTIONS)
    assert time.monotonic() - started < 2
    assert [(o.line, o.column, o.written) for o in found] == [(1, 18, "redis")]


@pytest.mark.slow  # a 6 MB manifest in a subprocess
def test_large_multi_document_manifest_in_bounded_memory() -> None:
    # A separate interpreter, so that its peak memory is this scan's alone.
    code = textwrap.dedent(
        """\
        import resource
        from pinlint.formats import ScanOptions
        from pinlint.formats.yamlfile import scan
        doc = (
            "apiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: app{i}\\n"
            "  annotations: {{note: 'image: nginx:latest'}}\\nspec:\\n  template:\\n"
            "    spec:\\n      initContainers:\\n      - name: init\\n"
            "        image: busybox:1.{i}\\n      containers:\\n      - name: app\\n"
            "        image: 'ghcr.io/acme/app{i}:latest'\\n"
            "        args: [--port, '8080', --verbose]\\n        env:\\n"
            "        - {{name: A, value: b}}\\n"
            "        resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}\\n"
        )
        text = "---\\n".join(doc.format(i=i) for i in range(13_000))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        found = scan("big.yaml", text, ScanOptions())
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(len(text), len(found), (after - before) // 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    size, count, grown_mb = map(int, result.stdout.split())
    assert size > 5_500_000
    assert count == 26_000
    # The text, libyaml's UTF-8 copy and 26,000 occurrences; a tree of the whole file
    # would need several times the text.
    assert grown_mb < 60


def test_mappings_of_a_sequence() -> None:
    # ``- name: x`` entries with merge keys applied; scalars, nested sequences and a
    # node that is not a sequence give nothing.
    text = (
        "base: &b {tag: '1'}\nitems:\n- {name: a, <<: *b}\n- plain\n- [x]\n- name: c\n"
        "other: {name: d}\n"
    )
    root = next(iter_documents(text))
    assert isinstance(root, dict)
    got = [{k: scalar_text(v) for k, v in m.items()} for m in mappings(root["items"])]
    assert got == [{"name": "a", "tag": "1"}, {"name": "c"}]
    assert list(mappings(root["other"])) == []
    assert list(mappings(None)) == []


# --- documents without a word their sources need are not parsed -------------------------

_MANIFEST = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
--- {a: [1,
  2]}
--- |
  a block scalar at the root
---
kind: Pod
apiVersion: v1
spec:
  containers: [{name: x, image: "redis"}]
"""


def test_blank_documents_keeps_offsets_lines_and_the_documents_that_have_a_word() -> None:
    blank = yamltree.blank_documents(_MANIFEST, ["image"])
    assert len(blank) == len(_MANIFEST)
    assert blank.count("\n") == _MANIFEST.count("\n")
    kept = [d for d in _MANIFEST.split("---") if "image" in d]
    assert all(d in blank for d in kept)
    assert "Service" not in blank
    assert "block scalar" not in blank
    assert blank.count("---") == _MANIFEST.count("---")
    # The same roots where a word is, an empty document for the others.
    # (a blank first document, with no ``---``, is no document at all)
    docs = list(iter_documents(blank))
    assert [type(d).__name__ for d in docs] == ["dict", "ScalarEvent", "ScalarEvent", "dict"]
    whole = [d for d in iter_documents(_MANIFEST) if isinstance(d, dict) and "spec" in d]
    assert [locate(_MANIFEST, 0, n) for n in _images(docs)] == [
        locate(_MANIFEST, 0, n) for n in _images(whole)
    ]
    # Text it cannot cut, or with nothing to blank, comes back as it is.
    assert (
        yamltree.blank_documents("a: 1\r\n---\r\nb: 2\r\n", ["image"]) == "a: 1\r\n---\r\nb: 2\r\n"
    )
    assert yamltree.blank_documents(_MANIFEST, ["a"]) is _MANIFEST


def _images(docs: Sequence[yamltree.Node | None]) -> list[ScalarEvent]:
    out = []
    for d in docs:
        if isinstance(d, dict) and "spec" in d:
            spec = d["spec"]
            assert isinstance(spec, dict)
            for container in _containers(spec):
                image = container["image"]
                assert isinstance(image, ScalarEvent)
                out.append(image)
    return out


def _containers(spec: dict[str, yamltree.Node]) -> list[dict[str, yamltree.Node]]:
    template = spec.get("template")
    if isinstance(template, dict):
        inner = template["spec"]
        assert isinstance(inner, dict)
        spec = inner
    items = spec.get("containers", [])
    assert isinstance(items, list)
    return [c for c in items if isinstance(c, dict)]


def test_a_broken_document_without_an_image_no_longer_hides_the_file() -> None:
    # A document no source can find anything in is not parsed, as a file without such a
    # word is not: its YAML error no longer turns the whole file into one PIN900 that
    # hides the other documents' findings.
    text = (
        _MANIFEST
        + "---\nkind: ConfigMap\ndata: {a: [unclosed\n"
        + "---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: busybox\n"
    )
    found = scan("all.yaml", text, ScanOptions())
    assert [(o.line, o.image) for o in found] == [
        (16, "nginx:latest"),
        (25, "redis"),
        (34, "busybox"),
    ]
    # A broken document that does have the word still makes the file a parse error.
    with pytest.raises(ParseError):
        scan("all.yaml", text.replace("[unclosed", "[unclosed, image"), ScanOptions())
