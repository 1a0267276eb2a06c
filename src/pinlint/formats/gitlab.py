"""GitLab CI configuration (``.gitlab-ci.yml``, included ``*.gitlab-ci.yml`` files).

The images a pipeline pulls:

- ``image``: a string, or a mapping whose ``name`` is one (``entrypoint`` beside it);
- ``services``: a list of strings, or of mappings with ``name`` (and ``alias``);

at the top level (the old global form), in ``default``, in every job and in hidden
templates (``.name``, used through ``extends``, ``<<: *anchor`` or ``!reference``): each
written reference is reported once, where it is written.

Variables: ``image: $X``, ``${X}`` or ``"registry/x:$TAG"`` take ``X`` from the job's
``variables``, then those of the templates it ``extends``, then the top-level
``variables`` (a value or a mapping with ``value``).  When one variable is the whole
reference, the finding is its value and ``--fix`` rewrites it; one that is exactly the
tag (``"$REG/app:$TAG"``) is rewritten there too; otherwise the reference is reported on
its last variable and not rewritten.  A variable defined nowhere in
the file (``$CI_REGISTRY_IMAGE``, a project setting) is known only to the pipeline and
is not reported.  ``!reference`` tags parse like any other tag.

Variables may also come from the files the pipeline ``include``s with ``local:`` (or
as a plain path): their top-level ``variables``, under those of the file itself.  Such
a reference is reported where it is used (``image: $BUILD_IMAGE``), with the image the
included value makes, and not rewritten: the value is written in another file.  Only
the included files themselves are read (not what they include), paths without
wildcards, inside the scanned tree, looked for from the including file's directory up
(GitLab resolves them from the repository's root).

Not container images: the VM images of GitLab's hosted macOS runners
(``macos-14-xcode-15``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]

# Top-level keys that are not jobs.
_GLOBAL_KEYS = frozenset(
    (
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "types",
        "spec",
    )
)
_JOB_KEYS = frozenset(("script", "extends", "trigger", "stage", "run"))
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_MACOS_VM = re.compile(r"macos-\d+(?:\.\d+)?-xcode-\d+(?:\.\d+)*", re.I)


def sniff(root: dict[str, Node]) -> bool:
    """A top-level job (a mapping with ``script``, ``extends`` or ``trigger``) with, in
    the file, ``stages``, a global ``image``/``services``, or in the job a ``stage``, an
    ``image`` or ``services``."""
    if "jobs" in root or "apiVersion" in root:
        return False
    global_hint = "stages" in root or "image" in root or "services" in root
    for key, value in root.items():
        if key in _GLOBAL_KEYS or not isinstance(value, dict):
            continue
        job = merged(value)
        if ("script" in job or "extends" in job or "trigger" in job) and (
            global_hint or "stage" in job or "image" in job or "services" in job
        ):
            return True
    return False


def _variables(node: Node | None) -> dict[str, ScalarEvent]:
    from yaml.events import ScalarEvent

    out: dict[str, ScalarEvent] = {}
    if isinstance(node, dict):
        for name, value in merged(node).items():
            scalar = merged(value).get("value") if isinstance(value, dict) else value
            if isinstance(scalar, ScalarEvent) and not is_null(scalar):
                out[name] = scalar
    return out


def scan_document(doc: Document) -> list[Occurrence]:
    from yaml.events import ScalarEvent

    root = doc.root
    found: list[Occurrence] = []
    seen: set[int] = set()
    global_vars = _variables(root.get("variables"))
    cache: list[dict[str, str]] = []

    def included() -> dict[str, str]:
        """The variables of the locally included files, read on first use."""
        if not cache:
            cache.append(_included_variables(doc, root.get("include")))
        return cache[0]

    jobs = {k: merged(v) for k, v in root.items() if isinstance(v, dict) and k not in _GLOBAL_KEYS}

    def chain_vars(name: str) -> dict[str, ScalarEvent]:
        """The job's variables over those of what it extends (nearest wins)."""
        result: dict[str, ScalarEvent] = {}
        pending, visited = [name], set()
        order: list[str] = []
        while pending:
            current = pending.pop(0)
            if current in visited or current not in jobs:
                continue
            visited.add(current)
            order.append(current)
            extends = jobs[current].get("extends")
            if isinstance(extends, ScalarEvent):
                pending.append(extends.value)
            elif isinstance(extends, list):
                # Later entries of ``extends`` win over earlier ones.
                pending += [e.value for e in reversed(extends) if isinstance(e, ScalarEvent)]
        for current in reversed(order):
            result.update(_variables(jobs[current].get("variables")))
        return result

    def report(node: Node | None, context: str, variables: dict[str, ScalarEvent]) -> None:
        if isinstance(node, dict):
            node = merged(node).get("name")
            context += ".name"
        if not isinstance(node, ScalarEvent) or is_null(node) or id(node) in seen:
            return
        value = node.value
        if _MACOS_VM.fullmatch(value):
            return
        if "$" not in value:
            seen.add(id(node))
            found.append(doc.occurrence(node, context))
            return
        occ = _interpolated(doc, node, context, {**global_vars, **variables})
        if occ is None and included():
            occ = _from_included(doc, node, context, {**global_vars, **variables}, included())
        if occ is not None:
            # A variable feeding several jobs is one finding: the lint pass keeps one
            # occurrence per span.
            seen.add(id(node))
            found.append(occ)

    def scan_holder(
        holder: dict[str, Node], prefix: str, variables: dict[str, ScalarEvent]
    ) -> None:
        report(holder.get("image"), prefix + "image", variables)
        services = holder.get("services")
        if isinstance(services, list):
            for index, service in enumerate(services):
                report(service, f"{prefix}services[{index}]", variables)

    scan_holder(root, "", {})
    default = root.get("default")
    if isinstance(default, dict):
        scan_holder(merged(default), "default.", {})
    for name, job in jobs.items():
        tags = job.get("tags")
        if isinstance(tags, list) and any(
            isinstance(t, ScalarEvent) and "macos" in t.value for t in tags
        ):
            continue
        scan_holder(job, f"{name}.", chain_vars(name))
    return found


def _interpolated(
    doc: Document, node: ScalarEvent, context: str, variables: dict[str, ScalarEvent]
) -> Occurrence | None:
    """The reference of a value with variables, or None when one has no value here."""
    value = node.value
    if "$$" in value:  # an escaped dollar: not worth a guess
        return None
    whole = _VARIABLE.fullmatch(value)
    if whole is not None:
        target = variables.get(whole.group(1) or whole.group(2))
        if target is None:
            return None
        if "$" not in target.value:
            return doc.occurrence(target, context)
        node, value = target, target.value  # a variable made of variables
    # The value as pieces: its literal text and the variables' values, so that a
    # variable that is exactly the tag (``"$REG/app:$TAG"``) is rewritten in place.
    pieces: list[parts.Piece] = []
    position = 0
    for match in _VARIABLE.finditer(value):
        target = variables.get(match.group(1) or match.group(2))
        if target is None or "$" in target.value:
            return None
        if match.start() > position:
            pieces.append(parts.literal(value[position : match.start()]))
        pieces.append(parts.Piece(target.value, target))
        position = match.end()
    if position < len(value):
        pieces.append(parts.literal(value[position:]))
    last = pieces[-1]
    if last.node is None and ("@" in last.text or ":" in last.text.rsplit("/", 1)[-1]):
        # The tag is written in the field itself: reported there, not rewritten.
        return doc.occurrence(node, context, image="".join(piece.text for piece in pieces))
    return parts.compose(doc.path, doc.text, doc.bom, pieces, context, anchor=node)


_MAX_INCLUDES = 32  # local files of one ``include`` read at most
_MAX_PARENTS = 8  # directories above the including file where a local path is looked for


def _included_variables(doc: Document, include: Node | None) -> dict[str, str]:
    """The top-level ``variables`` of the files ``include`` names locally (a later file
    wins), as text."""
    from yaml.events import ScalarEvent

    entries: list[Node] = []
    if isinstance(include, list):
        entries = include[:_MAX_INCLUDES]
    elif include is not None:
        entries = [include]
    result: dict[str, str] = {}
    for entry in entries:
        local: Node | None = entry
        if isinstance(entry, dict):
            local = merged(entry).get("local")
        if not isinstance(local, ScalarEvent) or is_null(local):
            continue
        path = local.value.strip().lstrip("/")
        if not path or "://" in path or "$" in path or any(c in path for c in "*?["):
            continue
        text = _read_local(doc, path)
        if text is None:
            continue
        result.update(_variables_of(text))
    return result


def _read_local(doc: Document, relative: str) -> str | None:
    """A file of the repository by its path from the root: looked for from the including
    file's directory up, inside the scanned tree only (``Project.read_beside``)."""
    import os

    directory = os.path.dirname(doc.path)
    for _ in range(_MAX_PARENTS + 1):
        text = doc.project.read_beside(os.path.join(directory, "_"), relative)
        if text is not None:
            return text
        parent = os.path.dirname(directory)
        if not directory or parent == directory:
            return None
        directory = parent
    return None


def _variables_of(text: str) -> dict[str, str]:
    """The top-level ``variables`` of an included file; nothing when it is not YAML."""
    from pinlint.formats.yamltree import iter_documents
    from pinlint.model import ParseError

    try:
        for root in iter_documents(text):
            if isinstance(root, dict):
                return {k: v.value for k, v in _variables(root.get("variables")).items()}
            return {}
    except ParseError:
        return {}
    return {}


def _from_included(
    doc: Document,
    node: ScalarEvent,
    context: str,
    own: dict[str, ScalarEvent],
    included: dict[str, str],
) -> Occurrence | None:
    """The reference of a value whose variables the included files (and this one)
    define, reported at the value: the text is in another file, so it is not rewritten."""
    value = node.value
    if "$$" in value:
        return None
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1) or match.group(2)
        target = own[name].value if name in own else included.get(name)
        if target is None or "$" in target:
            missing = True
            return ""
        return target

    image = _VARIABLE.sub(substitute, value)
    if missing:
        return None
    return doc.occurrence(node, context, image=image)
