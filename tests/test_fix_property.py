"""``--fix`` changes the reported spans and nothing else, whatever the formatting.

Hypothesis writes Dockerfiles, compose files and Kubernetes manifests out of pieces:
literal text, and *slots* where a reference (or the variable default that supplies it)
is written.  Each slot knows whether a fix must rewrite it.  The file is linted for
real, every finding that has an image gets a synthetic suggestion (its reference with a
digest: no registry), and the fixer runs on the file.  Then:

- the bytes written are the pieces again with the rewritable slots replaced by their
  suggestions: the generator's own answer, independent of the scanners' spans;
- the same bytes are also what splicing the suggestions into the original at the spans
  the findings report gives, and each finding's line and column point at its span;
- the diff, applied by a strict applier that checks every hunk's line counts, turns
  the original into the fixed file; ``--diff`` writes nothing;
- a second lint finds nothing left to rewrite.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinlint import fix, lint, reference
from pinlint.config import Config
from pinlint.model import Finding

# Property tests over generated files: seconds each.
pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# References that a default run reports (latest, no tag, a moving tag, a partial
# version), and exact tags it does not (no finding: the fixer must not touch them).
FLOATING = (
    "nginx",
    "nginx:latest",
    "redis:7",
    "node:20-alpine",
    "python:3.12-slim",
    "ghcr.io/acme/api:main",
    "127.0.0.1:5000/team/app:stable",
    "docker.io/library/busybox:1",
    "library/alpine",
    "quay.io/org/tool:edge",
)
EXACT = ("nginx:1.27.3", "registry.example.com:8443/a/b:2.0.1")
REFS = FLOATING + EXACT


@dataclasses.dataclass(frozen=True)
class Slot:
    """Where a reference is written; ``changes``: the fix must rewrite exactly this."""

    text: str
    changes: bool


Piece = str | Slot


def pin(image: str) -> str:
    """The synthetic suggestion: the reference as written, with a digest."""
    ref = reference.parse(image)
    digest = "sha256:" + hashlib.sha256(image.encode()).hexdigest()
    return ref.with_pin(ref.tag, digest)


@dataclasses.dataclass(frozen=True)
class Generated:
    name: str  # file name (decides the format)
    pieces: tuple[Piece, ...]
    crlf: bool
    bom: bool
    final_newline: bool

    def render(self, *, fixed: bool) -> str:
        parts = []
        for p in self.pieces:
            if isinstance(p, Slot):
                parts.append(pin(p.text) if fixed and p.changes else p.text)
            else:
                parts.append(p)
        text = "".join(parts)
        if not self.final_newline and text.endswith("\n"):
            text = text[:-1]
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + text


# -- Dockerfiles ---------------------------------------------------------------------

SPACE = st.sampled_from([" ", "  ", "\t", " \t "])
# Comments with what a diff must not split lines at: form feed, CR, NEL, U+2028, and
# characters outside the BMP (offsets count characters, not UTF-16 units or bytes).
DOCKER_COMMENT = st.sampled_from(
    [
        "# a comment",
        "#",
        "# café ünïcode",
        "# music 𝄞 and 日本語",
        "# form\x0cfeed",
        "# a lone\rcarriage return",
        "# next\x85line and line\u2028separator",
        "# FROM nginx:latest (in a comment)",
    ]
)


def _case(draw: st.DrawFn, word: str) -> str:
    """An instruction word in any case: BuildKit does not mind."""
    mixed = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(word))
    return draw(st.sampled_from([word.upper(), word.lower(), word.capitalize(), mixed]))


@st.composite
def dockerfiles(draw: st.DrawFn) -> Generated:
    out: list[Piece] = []
    esc = "\\"
    directives: list[list[Piece]] = []
    if draw(st.booleans()):
        ref = draw(
            st.sampled_from(["docker/dockerfile:1", "docker/dockerfile:1.7", "docker/dockerfile"])
        )
        prefix = draw(st.sampled_from(["# syntax=", "#syntax=", "# syntax = "]))
        directives.append([prefix, Slot(ref, True), "\n"])
    if draw(st.booleans()):
        esc = "`"
        directives.append(["# escape=`\n"])
    for d in draw(st.permutations(directives)):
        out += d

    def line_end() -> str:
        return draw(st.sampled_from(["", "", " ", "\t"])) + "\n"

    def gap() -> str:
        """Between two words: spaces, or a line continuation (with comments or blank
        lines in between, as BuildKit allows)."""
        if draw(st.integers(0, 3)) != 0:
            return draw(SPACE)
        text = draw(SPACE) + esc + draw(st.sampled_from(["", " "])) + "\n"
        for _ in range(draw(st.integers(0, 2))):
            text += draw(st.sampled_from(["  # inside a continuation\n", "\n", "#\n"]))
        return text + draw(st.sampled_from(["", "  ", "\t"]))

    # Global ARGs: one feeding FROMs whole, one feeding a FROM in part.
    whole = draw(st.none() | st.sampled_from(REFS))
    partial = draw(st.booleans())
    args: list[list[Piece]] = []
    if whole is not None:
        quote = draw(st.sampled_from(["", '"', "'"]))
        # Rewritten only if a FROM uses it (decided below).
        arg_slot = Slot(whole, False)
        args.append(["BASE=" + quote, arg_slot, quote])
    if partial:
        args.append(["NODE_VERSION=20"])
    if draw(st.booleans()):
        args.append(["UNUSED=nginx:latest"])  # not used by any FROM: not a reference
    if args:
        if draw(st.booleans()):
            out += [_case(draw, "arg"), draw(SPACE)]
            for i, a in enumerate(args):
                out += ([draw(SPACE)] if i else []) + a
            out.append(line_end())
        else:
            for a in args:
                out += [_case(draw, "arg"), draw(SPACE), *a, line_end()]
    stages: list[str] = []
    used_whole = False
    for n in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(DOCKER_COMMENT | st.just("")) + "\n")
        words: list[list[Piece]] = [[_case(draw, "from")]]
        for flag in draw(
            st.lists(
                st.sampled_from(
                    [
                        "--platform=linux/amd64",
                        "--platform=$BUILDPLATFORM",
                        '--platform="linux/arm64"',
                    ]
                ),
                max_size=1,
            )
        ):
            words.append([flag])
        kind = draw(
            st.sampled_from(
                ["literal", "literal", "split", "default", "unresolved"]
                + (["whole"] * 2 if whole is not None else [])
                + (["partial"] if partial else [])
                + (["stage"] if stages else [])
            )
        )
        if kind == "literal":
            ref = draw(st.sampled_from(REFS))
            words.append([Slot(ref, ref in FLOATING)])
        elif kind == "split":
            # A continuation inside the reference: the text is not the reference, so it
            # is never rewritten (the finding says why).
            ref = draw(st.sampled_from(FLOATING))
            k = draw(st.integers(1, len(ref) - 1))
            words.append([Slot(ref[:k] + esc + "\n" + ref[k:], False)])
        elif kind == "default":
            ref = draw(st.sampled_from(REFS))
            words.append(["${IMAGE_OVERRIDE:-", Slot(ref, ref in FLOATING), "}"])
        elif kind == "unresolved":
            words.append([draw(st.sampled_from(["${NOPE}", "$NOPE", "${NOPE}:1.0"]))])
        elif kind == "whole":
            used_whole = True
            words.append([draw(st.sampled_from(["${BASE}", "$BASE", '"${BASE}"']))])
        elif kind == "partial":
            words.append([Slot("node:${NODE_VERSION}-alpine", False)])
        else:
            words.append([draw(st.sampled_from(stages))])
        if draw(st.booleans()):
            stage = f"stage{n}"
            stages.append(stage)
            words += [[draw(st.sampled_from(["AS", "as", "As", "aS"]))], [stage]]
        for i, w in enumerate(words):
            if i:
                out.append(gap())
            out += w
        out.append(line_end())
        for _ in range(draw(st.integers(0, 3))):
            out += draw(_stage_instruction(esc, stages))
    if whole is not None and used_whole:
        out = [Slot(whole, whole in FLOATING) if p is arg_slot else p for p in out]
    return Generated("Dockerfile", tuple(out), *draw(_encoding()))


@st.composite
def _stage_instruction(draw: st.DrawFn, esc: str, stages: Sequence[str]) -> list[Piece]:
    kind = draw(
        st.sampled_from(
            ["run", "copy", "mount", "heredoc", "onbuild", "comment", "other"]
            + (["copy-stage"] if stages else [])
        )
    )
    sp = draw(SPACE)
    if kind == "copy":
        ref = draw(st.sampled_from(REFS))
        quote = draw(st.sampled_from(["", '"']))
        return [
            _case(draw, "copy"), sp, "--from=" + quote, Slot(ref, ref in FLOATING), quote,
            " /src /dst\n",
        ]  # fmt: skip
    if kind == "copy-stage":
        return [_case(draw, "copy"), sp, f"--from={draw(st.sampled_from(stages))} /a /b\n"]
    if kind == "mount":
        ref = draw(st.sampled_from(REFS))
        before, after = draw(
            st.sampled_from(
                [
                    ("type=bind,from=", ",target=/x"),
                    ("from=", ",target=/x"),
                    ("target=/x,type=cache,from=", ""),
                ]
            )
        )
        return [
            _case(draw, "run"), sp, "--mount=" + before, Slot(ref, ref in FLOATING), after,
            " make\n",
        ]  # fmt: skip
    if kind == "heredoc":
        return [_case(draw, "run"), sp, "<<EOF\nFROM nginx:latest\necho hi\nEOF\n"]
    if kind == "onbuild":
        return [_case(draw, "onbuild"), sp, "COPY --from=nginx:latest /a /b\n"]
    if kind == "comment":
        return [draw(DOCKER_COMMENT), "\n"]
    if kind == "other":
        return [
            draw(st.sampled_from(["ENV A=1", "WORKDIR /app", 'CMD ["nginx"]', "EXPOSE 80"])),
            "\n",
        ]
    return [_case(draw, "run"), sp, "echo", sp, esc, "\n", "  done\n"]


@st.composite
def _encoding(draw: st.DrawFn) -> tuple[bool, bool, bool]:
    """(CRLF, BOM, final newline)."""
    return draw(st.booleans()), draw(st.booleans()), draw(st.booleans())


# -- YAML ----------------------------------------------------------------------------

YAML_COMMENT = st.sampled_from(["# note", "#", "# café 𝄞 日本語", "# image: nginx:latest"])


@st.composite
def _yaml_value(draw: st.DrawFn, flow: bool, compose: bool) -> list[Piece]:
    """An image value: plain or quoted, maybe anchored or interpolated."""
    ref = draw(st.sampled_from(REFS))
    slot = Slot(ref, ref in FLOATING)
    kinds = ["plain", "plain", "anchored"]
    if compose:
        kinds += ["default", "partial", "unresolved"]
    kind = draw(st.sampled_from(kinds))
    # ``{`` and ``}`` end a plain scalar in flow style: interpolation is quoted there.
    quotes = ["'", '"'] if flow and kind in ("default", "partial", "unresolved") else ["", "'", '"']
    quote = draw(st.sampled_from(quotes))
    if kind == "default":
        op = draw(st.sampled_from([":-", "-"]))
        return [quote + "${IMAGE" + op, slot, "}" + quote]
    if kind == "partial":
        return [Slot(quote + "app:${TAG:-1}" + quote, False)]
    if kind == "unresolved":
        return [quote + "${REGISTRY}/app:1" + quote]
    anchor = ["&img ", draw(st.sampled_from(["", "!!str "]))] if kind == "anchored" else []
    return [*anchor, quote, slot, quote]


def _trailing(draw: st.DrawFn) -> str:
    """What may follow a value on its line: spaces, a tab, a comment."""
    text = draw(st.sampled_from(["", "", " ", "\t", "  "]))
    if draw(st.booleans()):
        text = draw(st.sampled_from([" ", "  ", "\t"])) + draw(YAML_COMMENT)
    return text + "\n"


def _filler(draw: st.DrawFn, indent: str) -> str:
    """Blank lines and whole-line comments (at any indentation)."""
    text = ""
    for _ in range(draw(st.integers(0, 2))):
        text += draw(st.sampled_from(["\n", indent + "# comment\n", "# at column one\n", "   \n"]))
    return text


def _has_anchor(pieces: Sequence[Piece]) -> bool:
    return any(isinstance(p, str) and p.startswith("&img") for p in pieces)


@st.composite
def compose_files(draw: st.DrawFn) -> Generated:
    unit = " " * draw(st.integers(1, 4))
    out: list[Piece] = [_filler(draw, "")]
    if draw(st.booleans()):
        out.append("---\n")
    base = draw(st.booleans())
    kinds = draw(
        st.lists(
            st.sampled_from(["image", "image", "built"] + (["merge"] if base else [])),
            min_size=1,
            max_size=4,
        )
    )
    if base:
        shared = draw(_yaml_value(False, True))
        if _has_anchor(shared):
            shared = shared[2:]  # one anchor per document keeps aliases unambiguous
        if "merge" not in kinds:  # no service uses it: not a reference
            shared = [Slot(p.text, False) if isinstance(p, Slot) else p for p in shared]
        out += ["x-base: &base\n", unit, "image: ", *shared, _trailing(draw)]
    flow = draw(st.booleans())
    services: list[list[Piece]] = []
    anchored = False
    for n, kind in enumerate(kinds):
        name = f"svc{n}"
        if kind == "merge":
            if flow:
                services.append([f"{name}: {{<<: *base}}"])
            else:
                services.append([f"{unit}{name}:\n{unit * 2}<<: *base\n"])
            continue
        if kind == "built":
            # A service that builds its image names it, it does not pull it.
            if flow:
                services.append([f"{name}: {{build: ., image: 'myorg/app:latest'}}"])
            else:
                services.append(
                    [f"{unit}{name}:\n{unit * 2}build: .\n{unit * 2}image: myorg/app:latest\n"]
                )
            continue
        if anchored and draw(st.booleans()):
            value: list[Piece] = ["*img"]
        else:
            value = draw(_yaml_value(flow, True))
            if _has_anchor(value):
                if anchored:
                    value = value[2:]
                anchored = True
        if flow:
            services.append([f"{name}: {{image: ", *value, ", restart: always}"])
        else:
            services.append(
                [
                    f"{unit}{name}:\n",
                    _filler(draw, unit * 2),
                    f"{unit * 2}image: ",
                    *value,
                    _trailing(draw),
                    f'{unit * 2}ports:\n{unit * 2}{unit}- "80:80"\n',
                ]
            )
    if flow:
        out.append("services: {")
        for i, s in enumerate(services):
            out += ([draw(st.sampled_from([", ", ",\n  ", " ,"]))] if i else []) + s
        out.append("}" + _trailing(draw))
    else:
        out.append("services:" + _trailing(draw))
        for s in services:
            out += s
    name = draw(st.sampled_from(["compose.yaml", "docker-compose.yml", "stack.yaml"]))
    return Generated(name, tuple(out), *draw(_encoding()))


@st.composite
def manifests(draw: st.DrawFn) -> Generated:
    out: list[Piece] = []
    for d in range(draw(st.integers(1, 3))):
        if d or draw(st.booleans()):
            out.append("---" + draw(st.sampled_from(["", " # doc", " "])) + "\n")
        out.append(_filler(draw, ""))
        out += draw(_manifest())
    return Generated("deploy.yaml", tuple(out), *draw(_encoding()))


@st.composite
def _manifest(draw: st.DrawFn) -> list[Piece]:
    unit = " " * draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["Deployment", "Pod", "ConfigMap", "CronJob"]))
    out: list[Piece] = [f"apiVersion: {'v1' if kind in ('Pod', 'ConfigMap') else 'apps/v1'}\n"]
    out.append(f"kind: {kind}" + _trailing(draw))
    out.append(f"metadata:\n{unit}name: x\n{unit}annotations:\n")
    out.append(f"{unit * 2}note: 'image: nginx:latest'\n")  # never a reference
    if kind == "ConfigMap":
        out.append(f"data:\n{unit}image: nginx:latest\n")  # data, not a container
        return out
    depth = {"Pod": 1, "Deployment": 3, "CronJob": 5}[kind]
    path = {
        1: ["spec"],
        3: ["spec", "template", "spec"],
        5: ["spec", "jobTemplate", "spec", "template", "spec"],
    }[depth]
    for level, key in enumerate(path):
        out.append(f"{unit * level}{key}:\n")
    ind = unit * depth
    anchored = False
    for lst in draw(
        st.lists(
            st.sampled_from(["initContainers", "containers"]), min_size=1, max_size=2, unique=True
        )
    ):
        flow = draw(st.booleans())
        containers: list[tuple[str, list[Piece]]] = []
        for n in range(draw(st.integers(1, 3))):
            if anchored and draw(st.booleans()):
                value: list[Piece] = ["*img"]
            else:
                value = draw(_yaml_value(flow, False))
                if _has_anchor(value):
                    if anchored:
                        value = value[2:]
                    anchored = True
            containers.append((f"name: c{n}", value))
        if flow:
            out.append(f"{ind}{lst}: [")
            for i, (name, value) in enumerate(containers):
                out += ([", "] if i else []) + ["{" + name + ", image: ", *value, "}"]
            out.append("]" + _trailing(draw))
        else:
            out.append(f"{ind}{lst}:\n")
            dash = draw(st.sampled_from([ind, ind + unit]))  # "- " at or inside the key
            for name, value in containers:
                out.append(f"{dash}- {name}\n")
                out.append(_filler(draw, dash + "  "))
                out += [f"{dash}  image: ", *value, _trailing(draw)]
    return out


# -- the check -----------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Lines as patch tools see them: ended by LF only."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n\Z")


def apply_unified(before: str, diff: str) -> str:
    """Apply one file's unified diff strictly: context must match, counts must add up."""
    src = _lines(before)
    rows = _lines(diff)
    assert rows[0].startswith("--- a/"), rows[0]
    assert rows[1].startswith("+++ b/"), rows[1]
    out: list[str] = []
    pos = 0
    i = 2
    while i < len(rows):
        m = _HUNK.match(rows[i])
        assert m is not None, f"not a hunk header: {rows[i]!r}"
        old_start, old_len = int(m[1]), int(m[2] or 1)
        new_len = int(m[4] or 1)
        start = old_start - 1 if old_len else old_start
        assert start >= pos
        out += src[pos:start]
        pos = start
        i += 1
        old_seen = new_seen = 0
        while i < len(rows) and not rows[i].startswith("@@"):
            tag, body = rows[i][0], rows[i][1:]
            i += 1
            if i < len(rows) and rows[i] == "\\ No newline at end of file\n":
                assert body.endswith("\n")
                body = body[:-1]
                i += 1
            if tag in " -":
                assert src[pos] == body, (src[pos], body)
                pos += 1
                old_seen += 1
            if tag in " +":
                out.append(body)
                new_seen += 1
            assert tag in " -+", rows[i - 1]
        assert (old_seen, new_seen) == (old_len, new_len), (old_seen, new_seen, m.group())
    return "".join(out + src[pos:])


def _offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based line and column (a BOM is not a column)."""
    lines = text.split("\n")
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    return offset + 1 if line == 1 and text.startswith("\ufeff") else offset


def _lint(path: str) -> list[Finding]:
    result = lint.lint_paths([path], Config())
    assert [f.message for f in result.findings if f.rule == "PIN900"] == []
    return result.findings


def _check(doc: Generated) -> None:
    before = doc.render(fixed=False)
    expected = doc.render(fixed=True)
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, doc.name)
        Path(path).write_bytes(before.encode())
        findings = _lint(path)
        edits: dict[tuple[int, int], str] = {}
        for finding in findings:
            occ = finding.occurrence
            if occ is None or occ.image is None:
                continue
            finding.suggestion = pin(occ.image)
            # What a user sees points at the text that is rewritten.
            assert _offset(before, finding.line, finding.column) == occ.start
            assert finding.end_line is not None
            assert finding.end_column is not None
            assert _offset(before, finding.end_line, finding.end_column) == occ.end
            assert before[occ.start : occ.end] == occ.written
            if occ.fixable:
                edits[occ.start, occ.end] = finding.suggestion

        # The splice at the reported spans, done here and not by the fixer.
        spliced, last = [], 0
        for (start, end), text in sorted(edits.items()):
            assert start >= last
            spliced += [before[last:start], text]
            last = end
        spliced.append(before[last:])
        assert "".join(spliced) == expected

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            preview = fix.fix_findings(findings, Config(), diff=True, roots=[root])
        assert Path(path).read_bytes() == before.encode()  # --diff writes nothing
        assert preview.changed == (expected != before)
        if preview.changed:
            assert apply_unified(before, preview.diff) == expected

        with contextlib.redirect_stderr(stderr):
            outcome = fix.fix_findings(findings, Config(), diff=False, roots=[root])
        assert Path(path).read_bytes() == expected.encode()
        assert outcome.diff == preview.diff
        assert stderr.getvalue() == (f"Rewriting {path}\n" if outcome.changed else "")
        # Left: exactly the findings whose span is not the reference, each saying why.
        left = [f for f in outcome.remaining if f.occurrence is not None]
        assert all(f.occurrence is not None and not f.occurrence.fixable for f in left)
        assert all("not rewritten" in f.message for f in left if f.suggestion is not None)
        assert len(left) == sum(
            1 for f in findings if f.occurrence is not None and not f.occurrence.fixable
        )

        # Idempotent: nothing the fixer could rewrite is found again.
        again = _lint(path)
        assert [f.as_written for f in again if f.occurrence and f.occurrence.fixable] == []
        assert len(again) == len(left)


@SETTINGS
@given(dockerfiles())
def test_dockerfile_fix_touches_only_the_spans(doc: Generated) -> None:
    _check(doc)


@SETTINGS
@given(compose_files())
def test_compose_fix_touches_only_the_spans(doc: Generated) -> None:
    _check(doc)


@SETTINGS
@given(manifests())
def test_manifest_fix_touches_only_the_spans(doc: Generated) -> None:
    _check(doc)


def _examples(strategy: st.SearchStrategy[Generated], n: int) -> list[Generated]:
    found: list[Generated] = []

    @settings(max_examples=n, deadline=None, database=None)
    @given(strategy)
    def collect(doc: Generated) -> None:
        found.append(doc)

    collect()
    return found


def test_generators_reach_every_case() -> None:
    """The properties above are not vacuous: the generators write files with rewrites,
    with references that must stay, with CRLF, BOM and no final newline."""
    docs = _examples(dockerfiles(), 60) + _examples(compose_files(), 60)
    docs += _examples(manifests(), 60)
    slots = [p for d in docs for p in d.pieces if isinstance(p, Slot)]
    assert any(s.changes for s in slots)
    assert any(not s.changes for s in slots)
    checks: list[Callable[[Generated], bool]] = [
        lambda d: d.crlf,
        lambda d: d.bom,
        lambda d: not d.final_newline,
        lambda d: any(isinstance(p, str) and "&img" in p for p in d.pieces),
    ]
    for check in checks:
        assert any(check(d) for d in docs)
