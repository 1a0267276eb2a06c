"""Docker Bake files (``docker-bake.hcl``, ``docker-bake.json``, ``docker-bake.*.hcl``).

What a target pulls, per target (with what it ``inherits``):

- ``contexts`` values ``docker-image://IMAGE``: named contexts that are images;
- ``args`` that feed what its Dockerfile pulls: the Dockerfile (``context`` +
  ``dockerfile``, read through the project) is scanned with the target's args as build
  arguments, and an arg that supplies a ``FROM``, a ``COPY --from`` or a ``RUN
  --mount=from=`` image is reported at its value in the bake file (pinned there when it
  is the whole reference);
- ``dockerfile-inline``: the ``FROM``s (and the rest) of the inline Dockerfile, at
  their place in the bake file.

A ``FROM`` or ``--from`` that names one of the target's ``contexts`` takes that context,
not an image of that name.

``${NAME}`` in a string takes the ``default`` of ``variable "NAME"``; a string that is
one such variable points at the default, where a fix pins it.  Anything else computed
(functions, conditions) is not evaluated and not reported.  Other ``*.hcl`` files
(Terraform, Packer, Nomad) are read only when they hold a ``target "..." {}`` block, and
then quietly skipped if they are not bake files after all.  The HCL reader and why it is
not a library: :mod:`pinlint.formats.hcl`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from pinlint.formats.hcl import MAX_DEPTH, Block, Other, Str
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from pinlint.formats import Project, ScanOptions

__all__ = ["scan"]

_DOCKER_IMAGE = "docker-image://"
# The longest string a template may expand to (as for compose and Dockerfile variables).
MAX_VALUE = 64 * 1024
_WHOLE_VARIABLE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}")
_TARGET_BLOCK = re.compile(r'^[ \t]*target[ \t]+"', re.M)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_INHERITS = 32  # levels of ``inherits`` followed (a cycle stops there too)
_MAX_PARENTS = 8  # directories above a bake file where its relative contexts are looked for
# What a Dockerfile pulls that an arg can name: a base image, a ``COPY --from`` or a
# ``RUN --mount=from=`` source.
_PULLS = ("FROM", "COPY --from", "RUN --mount")


def scan(path: str, text: str, options: ScanOptions, project: Project) -> list[Occurrence]:
    named = os.path.basename(path).lower().startswith("docker-bake")
    if path.lower().endswith(".json"):
        variables, targets = _from_json(text)
    else:
        if not named and _TARGET_BLOCK.search(text) is None:
            return []
        from pinlint.formats import hcl

        try:
            root = hcl.parse(text)
        except ParseError:
            if named:
                raise
            return []  # an HCL file of another tool
        variables, targets = _from_hcl(root)
    return _Bake(path, text, options, project, variables, targets).run()


# -- the model: variables and targets, from HCL or JSON ------------------------------

Attrs = dict[str, object]


def _from_hcl(root: Block) -> tuple[dict[str, Str], dict[str, Attrs]]:
    variables: dict[str, Str] = {}
    targets: dict[str, Attrs] = {}
    for block in root.blocks:
        if not block.labels:
            continue
        name = block.labels[0]
        if block.type == "variable":
            default = block.attributes.get("default")
            if isinstance(default, Str):
                variables[name] = default
        elif block.type == "target":
            # Blocks of the same target are merged, the later attributes winning.
            targets.setdefault(name, {}).update(block.attributes)
    return variables, targets


def _from_json(text: str) -> tuple[dict[str, Str], dict[str, Attrs]]:
    """The JSON form, read with the YAML parser (JSON is a subset) for exact spans."""
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import iter_documents, locate

    bom = 1 if text.startswith("\ufeff") else 0

    def convert(node: object, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise ParseError("invalid bake file: nesting too deep")
        if isinstance(node, ScalarEvent):
            span = locate(text, bom, node)
            raw = text[span.start : span.end]
            value = Str(span.start, span.end, raw, len(re.findall(r"(?<![$%])[$%]\{", raw)))
            if not span.verbatim:
                value.value = node.value  # JSON escapes, decoded by the parser
            return value
        if isinstance(node, dict):
            return {k: convert(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [convert(v, depth + 1) for v in node]
        return Other(0, 0)

    variables: dict[str, Str] = {}
    targets: dict[str, Attrs] = {}
    for root in iter_documents(text):
        if not isinstance(root, dict):
            continue
        for name, spec in _mapping(root.get("variable")).items():
            default = convert(_mapping(spec).get("default"))
            if isinstance(default, Str):
                variables[name] = default
        for name, spec in _mapping(root.get("target")).items():
            converted = convert(spec)
            if isinstance(converted, dict):
                targets.setdefault(name, {}).update(converted)
    return variables, targets


def _mapping(node: object) -> dict[str, object]:
    return node if isinstance(node, dict) else {}


# -- references ----------------------------------------------------------------------


class _Bake:
    def __init__(
        self,
        path: str,
        text: str,
        options: ScanOptions,
        project: Project,
        variables: dict[str, Str],
        targets: dict[str, Attrs],
    ) -> None:
        self.path = path
        self.text = text
        self.options = options
        self.project = project
        self.variables = variables
        self.targets = targets
        self.found: list[Occurrence] = []
        # A context or arg that several targets inherit is one reference.
        self.spans: set[tuple[int, int]] = set()
        # Each variable is expanded once per depth: without this, twenty ``${A}`` in each
        # of eight chained defaults are 20**8 expansions (a hang).
        self._expanded: dict[tuple[str, int], tuple[str | None, str | None]] = {}

    def run(self) -> list[Occurrence]:
        for name in self.targets:
            attrs = self.effective(name)
            where = f'target "{name}"'
            for key, value in _mapping(attrs.get("contexts")).items():
                if isinstance(value, Str):
                    self.context(value, f"{where} contexts.{key}")
            inline = attrs.get("dockerfile-inline")
            args = {k: v for k, v in _mapping(attrs.get("args")).items() if isinstance(v, Str)}
            # ``FROM base`` and ``COPY --from=base`` name the context ``base`` when the
            # target has one: not an image to pull.
            named = set(_mapping(attrs.get("contexts")))
            if isinstance(inline, Str):
                self.inline(inline, args, where, named)
            elif args:
                self.args(attrs, args, where, named)
        self.found.sort(key=lambda o: o.start)
        return self.found

    def effective(self, name: str) -> Attrs:
        """The attributes of a target with those it inherits (its own win; ``args`` and
        ``contexts`` are merged key by key, as bake merges them)."""
        chain: list[Attrs] = []
        pending, seen = [name], set()
        while pending and len(chain) < _MAX_INHERITS:
            current = pending.pop()
            if current in seen or current not in self.targets:
                continue
            seen.add(current)
            attrs = self.targets[current]
            chain.append(attrs)
            parents = attrs.get("inherits")
            if isinstance(parents, list):
                # The first parent has the lowest precedence: visit the last one first.
                pending.extend(p.value for p in parents if isinstance(p, Str))
        result: Attrs = {}
        for attrs in reversed(chain):  # lowest precedence first
            for key, value in attrs.items():
                if key in ("args", "contexts") and isinstance(value, dict):
                    merged = dict(_mapping(result.get(key)))
                    merged.update(value)
                    result[key] = merged
                else:
                    result[key] = value
        return result

    def resolve(self, value: Str, depth: int = 0) -> tuple[str | None, str | None, Str | None]:
        """(the string, the variable with no value, the variable default that is the
        whole string) of a template whose interpolations are all ``${NAME}``."""
        if not value.interpolations:
            return value.value, None, None
        names = value.simple()
        if names is None or depth > 8:
            return None, "expression", None
        result = value.raw
        for name in dict.fromkeys(names):  # each once: re.sub replaces every use
            default = self.variables.get(name)
            if default is None:
                return None, name, None
            key = (name, depth)
            if key not in self._expanded:
                self._expanded[key] = self.resolve(default, depth + 1)[:2]
            text, missing = self._expanded[key]
            if text is None:
                return None, missing, None
            pattern = r"\$\{\s*" + re.escape(name) + r"\s*\}"
            # Literal replacement text: a backslash in a default is no regex escape.
            result = re.sub(pattern, text.replace("\\", "\\\\"), result)
            if len(result) > MAX_VALUE:
                line = self.text.count("\n", 0, value.start) + 1
                raise ParseError(
                    f"${{{name}}}: value too long after substituting variables"
                    f" (more than {MAX_VALUE} characters)",
                    line,
                )
        whole = re.fullmatch(r"\$\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}", value.raw)
        fed = self.variables.get(whole.group(1)) if whole else None
        if fed is not None and fed.interpolations:
            fed = None
        return result, None, fed

    def occurrence(
        self, start: int, end: int, image: str | None, context: str, unresolved: str | None = None
    ) -> None:
        if (start, end) in self.spans:
            return
        self.spans.add((start, end))
        line = self.text.count("\n", 0, start) + 1
        column = start - self.text.rfind("\n", 0, start)
        if self.text.startswith("\ufeff") and line == 1:
            column -= 1  # editors do not show the BOM
        self.found.append(
            Occurrence(
                path=self.path,
                start=start,
                end=end,
                line=line,
                column=column,
                written=self.text[start:end],
                image=image,
                context=context,
                unresolved=unresolved,
            )
        )

    def context(self, value: Str, context: str) -> None:
        text, missing, fed = self.resolve(value)
        if text is None:
            if value.raw.startswith(_DOCKER_IMAGE):
                self.occurrence(value.start, value.end, None, context, missing)
            return
        if not text.startswith(_DOCKER_IMAGE) or text == _DOCKER_IMAGE:
            return  # a directory, a URL, another target (``target:base``)
        image = text[len(_DOCKER_IMAGE) :]
        tail = _WHOLE_VARIABLE.fullmatch(value.raw, len(_DOCKER_IMAGE))
        if value.raw.startswith(_DOCKER_IMAGE) and tail is not None:
            # ``docker-image://${NAME}``: the variable's default is the image to pin.
            fed = self.variables.get(tail.group(1))
            skip = 0
        else:
            skip = len(_DOCKER_IMAGE)
        if fed is not None and fed.verbatim and not fed.interpolations:
            self.occurrence(fed.start + skip, fed.end, image, context)
        elif value.interpolations == 0 and value.verbatim:
            self.occurrence(value.start + len(_DOCKER_IMAGE), value.end, image, context)
        else:
            self.occurrence(value.start, value.end, image, context)

    def inline(self, value: Str, args: dict[str, Str], where: str, named: set[str]) -> None:
        """The references of an inline Dockerfile, at their place in the bake file."""
        if value.interpolations or not value.verbatim:
            return  # not the text docker builds: nothing here maps back to the file
        from pinlint.formats import ScanOptions, dockerfile

        build_args = dict(self.options.build_args)
        for key, arg in args.items():
            text, _, _ = self.resolve(arg)
            if text is not None:
                build_args.setdefault(key, text)
        found = dockerfile.scan(self.path, value.raw, ScanOptions(build_args), self.project)
        for o in found:
            if o.image in named:
                continue
            self.occurrence(
                value.start + o.start,
                value.start + o.end,
                o.image,
                f"{where} dockerfile-inline {o.context}",
                o.unresolved,
            )

    def dockerfile(self, relative: str) -> str | None:
        """The text of a target's Dockerfile, ``context``/``dockerfile`` joined.

        Bake resolves a relative ``context`` against the directory it runs in, not the
        bake file's: ``docker buildx bake -f bakes/ci.hcl`` at the repository's root
        builds ``./app`` of the root.  Beside the bake file first (where it usually runs),
        then each directory above it, nearest first; what lies outside the scanned tree
        is never read (:meth:`Project.read_beside`).
        """
        directory = os.path.dirname(self.path)
        for _ in range(_MAX_PARENTS + 1):
            text = self.project.read_beside(os.path.join(directory, "_"), relative)
            if text is not None:
                return text
            parent = os.path.dirname(directory)
            if not directory or parent == directory or os.path.basename(directory) in ("", "."):
                return None
            directory = parent
        return None

    def args(self, attrs: Attrs, args: dict[str, Str], where: str, named: set[str]) -> None:
        """Args that supply a ``FROM`` of the target's Dockerfile."""
        context = attrs.get("context")
        dockerfile_attr = attrs.get("dockerfile")
        directory = (
            context.value if isinstance(context, Str) and not context.interpolations else "."
        )
        name = "Dockerfile"
        if isinstance(dockerfile_attr, Str):
            if dockerfile_attr.interpolations:
                return
            name = dockerfile_attr.value
        if "://" in directory or ":" in directory.split("/")[0] or os.path.isabs(name):
            return  # a remote context or another target's output
        relative = os.path.normpath(os.path.join(directory, name))
        text = self.dockerfile(relative)
        if text is None:
            return
        from pinlint.formats import ScanOptions, dockerfile

        # Scanned twice: with the args' values, for the references docker would pull (a
        # FROM that the args turn into a stage name is none), and with a marker as each
        # arg's value, to tell which arg feeds which of them.  Private-use characters
        # appear in no real Dockerfile.
        values: dict[str, str] = {}
        for key, arg in args.items():
            resolved, _, _ = self.resolve(arg)
            if resolved is not None:
                values[key] = resolved
        markers = {key: f"\ue000{index}\ue001" for index, key in enumerate(args)}
        try:
            real = dockerfile.scan(
                relative, text, ScanOptions({**self.options.build_args, **values}), self.project
            )
            marked = dockerfile.scan(
                relative, text, ScanOptions({**self.options.build_args, **markers}), self.project
            )
        except ParseError:
            return  # the Dockerfile is reported on its own
        pulled = {(o.start, o.end, o.context): o for o in real}
        for o in marked:
            if o.image is None or "\ue000" not in o.image or not o.context.startswith(_PULLS):
                continue
            twin = pulled.get((o.start, o.end, o.context))
            if twin is None or twin.image in named:
                continue  # a stage of the Dockerfile or a named context, once the args are in
            for key, marker in markers.items():
                if marker not in o.image:
                    continue
                arg = args[key]
                label = f"{where} args.{key} ({o.context} of {relative})"
                value, missing, fed = self.resolve(arg)
                if value is None:
                    self.occurrence(arg.start, arg.end, None, label, missing)
                elif fed is not None:
                    self.occurrence(fed.start, fed.end, twin.image, label)
                else:
                    self.occurrence(arg.start, arg.end, twin.image, label)
                break
