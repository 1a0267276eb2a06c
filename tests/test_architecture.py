"""The import graph of ``src/pinlint`` has no cycle.

The graph is read from the source (the AST), not from ``sys.modules``, so that every
import counts: at module level, inside functions (the lazy imports of the start-up
budget) and under ``if TYPE_CHECKING:``.  A cycle hidden in a function or in a
type-only import is still two modules that cannot be understood one without the
other, which is what this test guards against; the only cost is that a module that
needs another's type for an annotation must not be needed by it.

An edge goes to the module named: ``from pinlint import drift`` is an edge to
``pinlint.drift``, ``from pinlint.registry import NotFound`` one to
``pinlint.registry``.  The parent packages Python also executes on the way
(``pinlint``, ``pinlint.registry`` for ``pinlint.registry.client``) are not edges: a
package's ``__init__`` may import its own submodules (a dispatch table) while they import
each other.  A module loaded by a name held in data (the sources registry of
``pinlint.formats`` loads each source with ``__import__``) is not an edge either: only
``import`` statements are read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """``module -> modules it imports`` for every module of ``package`` under ``root``."""
    files = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for choices in _imports(tree, name, is_package):
            target = next((t for t in choices if t in files), None)
            if target is not None and target != name:
                graph[name].add(target)
    return graph


def _imports(tree: ast.AST, name: str, is_package: bool) -> Iterator[tuple[str, ...]]:
    """Per imported name, the modules it may be, the likelier first."""
    modules_here = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield (alias.name,)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = modules_here.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                # ``from a import b``: b is a submodule, or a name defined in a.
                yield (f"{module}.{alias.name}", module)


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected component that has one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: set[str] = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_one_cycle(graph, c) for c in components]


def _one_cycle(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the first module of ``component`` (breadth first)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & component):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError("a strongly connected component without a cycle")


def test_no_import_cycle_in_pinlint() -> None:
    graph = import_graph(SRC, "pinlint")
    assert {"pinlint.drift", "pinlint.resolve", "pinlint.registry.client"} <= graph.keys()
    found = cycles(graph)
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_online_pass_flows_one_way() -> None:
    # drift decides, resolve asks, resolution is the record between them.
    graph = import_graph(SRC, "pinlint")
    assert "pinlint.resolve" in graph["pinlint.drift"]
    assert "pinlint.drift" not in graph["pinlint.resolve"]
    # model: the records' base classes, a leaf every layer may use.
    assert graph["pinlint.resolution"] <= {"pinlint.registry", "pinlint.reference", "pinlint.model"}


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""."""\n')
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub import b\n")
    (pkg / "a.py").write_text("from pkg.sub.b import thing\n")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import c\nthing = 1\n"
    )
    (pkg / "c.py").write_text("def f() -> None:\n    from pkg import a\n")
    (pkg / "d.py").write_text("from . import a\nfrom .sub import b\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {
        "pkg": set(),
        "pkg.sub": {"pkg.sub.b"},
        "pkg.a": {"pkg.sub.b"},
        "pkg.sub.b": {"pkg.c"},
        "pkg.c": {"pkg.a"},
        "pkg.d": {"pkg.a", "pkg.sub.b"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]]
    graph["pkg.c"].clear()
    assert cycles(graph) == []


def test_rule_ids_are_written_only_in_the_rule_table() -> None:
    # Other modules name a rule by its constant (rules.STALE_DIGEST.id): the id's text,
    # its severity and whether it is online or fixable are facts of one row.
    rule_id = re.compile(r"PIN\d+")
    found = []
    for path in sorted((SRC / "pinlint").rglob("*.py")):
        if path.name == "rules.py" and path.parent.name == "pinlint":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and rule_id.fullmatch(node.value)
            ):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    assert found == []
