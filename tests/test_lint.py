"""One pass per file: the lint record carries what later passes would re-read."""

from __future__ import annotations

import collections
import copy
import itertools
import json
import os
import pickle
import re
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinlint import drift, fix, lint
from pinlint.config import Config
from pinlint.formats import yamltree
from pinlint.model import Finding, Occurrence, ParseError, Severity
from pinlint.resolution import Resolution

COMPOSE = (
    "services:\n"
    '  a: {image: "nginx:1.27"}  # pinlint: ignore[PIN104]\n'
    "  # pinlint: ignore\n"
    '  b: {image: "redis:7"}\n'
    '  c: {image: "alpine:3.20"}\n'
)


def test_record_holds_kind_suppressions_and_stamped_occurrences(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)
    result = lint.lint_paths([str(path)], Config())
    [record] = result.files
    assert (record.path, record.kind) == (str(path), "yaml")
    assert record.suppressions == {2: {"PIN104"}, 3: {"*"}, 4: {"*"}}
    assert [(o.image, o.ignored) for o in result.occurrences] == [
        ("nginx:1.27", {"PIN104"}),
        ("redis:7", {"*"}),
        ("alpine:3.20", frozenset()),
    ]
    # The offline findings: PIN004 on line 2 (only PIN104 ignored), none on line 4.
    assert [(f.line, f.rule) for f in result.findings] == [(2, "PIN004"), (5, "PIN004")]
    assert result.kinds() == {str(path): "yaml"}


def test_record_of_a_parallel_run_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(8):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "compose.yaml").write_text(COMPOSE)
    serial = lint.lint_paths([str(tmp_path)], Config())
    monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    parallel = lint.lint_paths([str(tmp_path)], Config())
    assert parallel.occurrences == serial.occurrences
    assert [(r.path, r.kind, r.suppressions) for r in parallel.files] == [
        (r.path, r.kind, r.suppressions) for r in serial.files
    ]


def test_findings_of_a_parallel_offline_run_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # keep_occurrences=False: the workers send plain tuples, not the records.
    for i in range(8):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "compose.yaml").write_text(COMPOSE)
        (tmp_path / str(i) / "Dockerfile").write_text(
            "FROM alpine\n# pinlint: ignore\nFROM node:20\n"
        )
    (tmp_path / "bad.yaml").write_text("services: [\n")
    serial = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    parallel = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert len(parallel.findings) == 8 * 3 + 1
    assert [f.as_dict() for f in parallel.findings] == [f.as_dict() for f in serial.findings]
    assert all(f.occurrence is None for f in parallel.findings)
    assert [(r.path, r.kind, r.suppressions) for r in parallel.files] == [
        (r.path, r.kind, r.suppressions) for r in serial.files
    ]


def _manifest(docs: int, bad: int | None = None) -> str:
    out = []
    for i in range(docs):
        image = f'"registry.example/app{i}:{i % 3 or "latest"}"'
        if i == bad:
            image = '"unterminated'
        out.append(
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n"
            f"spec:\n  containers:\n    - name: c\n      image: {image}\n"
        )
        if i % 7 == 0:
            out.append("# pinlint: ignore\n---\nkind: ConfigMap\ndata: {a: 'image: x:latest'}\n")
    return "---\n".join(out)


@pytest.mark.parametrize("bad", [None, 0, 37, 59])
def test_a_large_manifest_scanned_in_parts_reports_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: int | None
) -> None:
    # Parts cut where documents start, scanned by the workers, findings shifted back to
    # their lines; a part that does not parse makes the whole file report its error.
    path = tmp_path / "all.yaml"
    path.write_text(_manifest(60, bad))
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    serial = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    monkeypatch.setattr(lint, "_SPLIT_MIN_BYTES", 1000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert len(lint._parts(path.read_text(), 8)) == 8
    assert list(lint._splittable([(str(path), "yaml")], 2)) == [str(path)]
    parallel = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert [f.as_dict() for f in parallel.findings] == [f.as_dict() for f in serial.findings]
    rules = collections.Counter(f.rule for f in parallel.findings)
    if bad is None:  # tags latest, 1, 2 in turn; the Dockerfile's alpine
        # and each "# pinlint: ignore" above a "---", which ignores nothing (PIN901)
        assert rules == {"PIN001": 20, "PIN004": 40, "PIN002": 1, "PIN901": 9}
    else:  # the error hides the file's other findings, as in a serial run
        assert rules == {"PIN900": 1, "PIN002": 1}
    assert [(r.path, r.kind) for r in parallel.files] == [(r.path, r.kind) for r in serial.files]


def test_packed_files_give_back_each_path_and_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths written as what they repeat of the one before and the rest: a long shared
    # directory (more than the 254 characters one count says), a path that is the start
    # of the next, non-ASCII and undecodable names, a block's first path whole.
    monkeypatch.setattr(lint, "_BLOCK", 3)
    deep = "d/" + "x" * 300 + "/"
    files = [(f"d/é {i // 2}/{i}.yaml", "dockerfile" if i % 3 else "yaml") for i in range(10)]
    files += [(deep + "a", "yaml"), (deep + "a.yaml", "yaml"), (deep + "b\udcff", "yaml")]
    files += [("漢/\U0001f600/Dockerfile", "dockerfile"), ("漢/\U0001f600/x/Dockerfile", "yaml")]
    packed = lint._pack(iter(files))
    assert len(packed) == 15
    assert len(packed.blocks) == 5
    assert list(packed) == files
    assert packed.run(1, 3, 6) == files[3:6]
    assert packed.run(4, 13, 15) == files[13:]
    assert not packed.ordered  # "d/é 4/..." sorts after "d/xxx..."
    # A path in the directory of the one before: the directory is not written again.
    # Whole blocks compressed, a last one of fewer files not.
    assert all(isinstance(block, bytes) for block in packed.blocks)
    assert isinstance(lint._pack(iter(files[:14])).blocks[-1], str)
    text = zlib.decompress(packed.blocks[0]).decode()  # type: ignore[arg-type]
    assert text == "\x01d/é 0/0.yaml\x00\x071.yaml\x00\x03é 1/2.yaml"
    assert list(lint._pack(iter([]))) == []
    assert lint._pack(iter(sorted(files))).ordered


def test_tasks_of_small_blocks_around_a_split_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tasks take files of one block at a time, at most _TASK_MAX_FILES, and end before a
    # file scanned in parts: every file linted once, the findings in the serial order.
    for i in range(13):
        (tmp_path / f"{i:02}").mkdir()
        (tmp_path / f"{i:02}" / "Dockerfile").write_text(f"FROM alpine:{i}\nFROM node\n")
    (tmp_path / "05" / "all.yaml").write_text(_manifest(60))
    serial = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    monkeypatch.setattr(lint, "_BLOCK", 4)
    monkeypatch.setattr(lint, "_TASK_MAX_FILES", 3)
    monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(lint, "_SPLIT_MIN_BYTES", 1000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    parallel = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert [f.as_dict() for f in parallel.findings] == [f.as_dict() for f in serial.findings]
    assert parallel.files_read() == serial.files_read() == 14
    assert len({f.path for f in parallel.findings}) == 14


@pytest.mark.parametrize("parallel", [False, True])
def test_a_streamed_run_passes_each_files_findings_and_keeps_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    for i in range(8):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "compose.yaml").write_text(COMPOSE)
        (tmp_path / str(i) / "Dockerfile").write_text(
            "FROM alpine\n" if i % 2 else "FROM x@sha256:" + "0" * 64 + "\n"
        )
    (tmp_path / "bad.yaml").write_text("services: [\n")
    whole = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    if parallel:
        monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
        monkeypatch.setattr(lint, "_TASK_MAX_FILES", 3)
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    got: list[list[Finding]] = []
    streamed = lint.lint_paths(
        [str(tmp_path)], Config(), keep_occurrences=False, stream=lambda f: got.append(list(f))
    )
    assert streamed.streamed
    assert not whole.streamed
    assert streamed.findings == []
    assert streamed.files == []
    # File by file, in the order of the paths: each call one file's findings.
    assert [f.as_dict() for fs in got for f in fs] == [f.as_dict() for f in whole.findings]
    assert all(len({f.path for f in fs}) == 1 for fs in got)
    assert [fs[0].path for fs in got] == sorted(fs[0].path for fs in got)
    assert streamed.files_read() == whole.files_read() == 17
    # The online passes need every record: no stream then.
    kept = lint.lint_paths([str(tmp_path)], Config(), stream=lambda f: got.append(list(f)))
    assert not kept.streamed
    assert len(kept.files) == 17


def test_parts_are_cut_only_where_documents_start() -> None:
    text = _manifest(40)
    parts = lint._parts(text, 4)
    assert parts[0][0] == 0
    assert parts[-1][1] == len(text)
    assert all(text.startswith("---\n", start) for start, _ in parts[1:])
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    # Not cut: YAML directives, other line breaks.
    assert lint._parts("%YAML 1.1\n" + text, 4) == [(0, len(text) + 10)]
    assert len(lint._parts(text.replace("\n", "\r\n"), 4)) == 1


@given(
    st.lists(
        st.sampled_from(["---", "--- ", "----", "---x", "\n", "a: 1", " ", "\t"]), max_size=30
    ),
    st.integers(1, 6),
)
@settings(max_examples=1500, deadline=None)
def test_document_starts_and_parts_as_the_expression_finds_them(
    pieces: list[str], count: int
) -> None:
    # Document starts are ``^---(?=[ \t\n]|\Z)`` (MULTILINE); the parts are cut at the
    # first start at or after each of the count - 1 even cut points.
    text = "".join(pieces)
    starts = [m.start() for m in re.finditer(r"^---(?=[ \t\n]|\Z)", text, re.M)]
    assert yamltree.document_starts(text) == starts
    step = len(text) / count
    cuts = [0]
    for k in range(1, count):
        later = [at for at in starts if at >= int(k * step)]
        if later and later[0] > cuts[-1]:
            cuts.append(later[0])
    assert lint._parts(text, count) == list(itertools.pairwise([*cuts, len(text)]))


def test_online_rules_use_the_stamp_and_read_no_file(tmp_path: Path) -> None:
    # The file does not exist: the directives come from the occurrences alone.
    path = str(tmp_path / "gone" / "Dockerfile")
    ref = "nginx:1.27"
    res = Resolution(reference=ref, tag="1.27", exact_tag="1.27.3", newer_tag="1.27.4")

    def occ(ignored: frozenset[str]) -> Occurrence:
        return Occurrence(path, 5, 15, 1, 6, ref, ref, "FROM", ignored=ignored)

    enabled = frozenset({"PIN104"})
    assert [f.rule for f in drift.online_findings([occ(frozenset())], {ref: res}, enabled, "tag")]
    for ignored in ({"PIN104"}, {"*"}):
        assert drift.online_findings([occ(frozenset(ignored))], {ref: res}, enabled, "tag") == []
    kept = drift.online_findings([occ(frozenset({"PIN001"}))], {ref: res}, enabled, "tag")
    assert [f.rule for f in kept] == ["PIN104"]


def test_fixer_takes_the_kind_from_the_lint_pass(tmp_path: Path) -> None:
    # A name no source claims: only the kind recorded by the lint pass says how to read it.
    path = tmp_path / "base.image"
    path.write_text("FROM nginx:latest\n")
    occ = Occurrence(str(path), 5, 17, 1, 6, "nginx:latest", "nginx:latest", "FROM")
    finding = Finding(
        str(path), 1, 6, "PIN001", Severity.ERROR, "m", "nginx:latest", occ, "nginx:1.27.3"
    )
    roots = [str(tmp_path)]
    outcome = fix.fix_findings([finding], Config(), diff=True, roots=roots)
    assert not outcome.changed
    assert [f.message for f in outcome.remaining] == ["m; not rewritten: no source reads this file"]
    kinds = {str(path): "dockerfile"}
    outcome = fix.fix_findings([finding], Config(), diff=False, roots=roots, kinds=kinds)
    assert outcome.changed
    assert path.read_text() == "FROM nginx:1.27.3\n"


def test_read_text_reads_a_file_without_a_size_whole_and_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # fstat gives no size for /proc files: the read goes on to the end, never past the
    # limit (nor does a file that grows after fstat).
    status = lint.read_text("/proc/self/status")
    assert status.startswith("Name:")
    assert status.endswith("\n")
    monkeypatch.setattr(lint, "MAX_FILE_SIZE", 100)
    with pytest.raises(ParseError, match=r"file too large \(the limit is 100 bytes\)"):
        lint.read_text("/proc/self/status")


def test_read_text_refuses_large_binary_and_undecodable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint, "MAX_FILE_SIZE", 100)
    cases = {
        "big": (b"x" * 101, r"file too large \(101 bytes; the limit is 100\)"),
        "nul": (b"FROM a\0", r"binary file \(NUL byte at offset 6\)"),
        "latin1": (b"FROM caf\xe9", r"not valid UTF-8 \(byte 0xe9 at offset 8\)"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ParseError, match=message):
            lint.read_text(str(tmp_path / name))
    (tmp_path / "ok").write_bytes(b"x" * 100)
    assert lint.read_text(str(tmp_path / "ok")) == "x" * 100
    monkeypatch.undo()
    with pytest.raises(IsADirectoryError):
        lint.read_text(str(tmp_path))


def test_workers_die_of_sigterm_whatever_the_parent_handles(tmp_path: Path) -> None:
    """The pool stops its workers with SIGTERM; a handler the forking process installed
    (the fixer's raises) must not reach them, or a worker can wait on the queue for ever."""
    import signal

    def raising(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raising)
    try:
        lint._default_sigterm()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.usefixtures("isolated")
def test_fix_puts_the_sigterm_handler_back(tmp_path: Path) -> None:
    import signal

    from pinlint import cli

    before = signal.getsignal(signal.SIGTERM)
    (tmp_path / "Dockerfile").write_text("FROM nginx:1.27.3\n")
    assert cli.main(["--fix", "--offline", str(tmp_path / "Dockerfile")]) in (0, 1)
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("parallel", [False, True])
def test_an_offline_run_keeps_no_record_of_a_clean_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    # Memory flat with the tree (issue 16): only the files with findings, or that could
    # not be read, leave a record; the closing line's count still includes the others.
    digest = "sha256:" + "a" * 64
    for i in range(6):
        (tmp_path / f"clean{i}").mkdir()
        (tmp_path / f"clean{i}" / "Dockerfile").write_text(f"FROM alpine:3.20@{digest}\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "compose.yaml").write_text("services:\n  a: {image: [\n")
    if parallel:
        monkeypatch.setattr(lint, "_PARALLEL_MIN_FILES", 2)
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    result = lint.lint_paths([str(tmp_path)], Config(), keep_occurrences=False)
    assert sorted((Path(r.path).name, [f.rule for f in r.findings]) for r in result.files) == [
        ("Dockerfile", ["PIN002"]),
        ("compose.yaml", ["PIN900"]),
    ]
    assert result.files_read() == 8
    # With the occurrences kept (--resolve, --fix), every file has its record.
    kept = lint.lint_paths([str(tmp_path)], Config())
    assert len(kept.files) == 8
    assert kept.files_read() == 8


def test_the_real_paths_a_run_keeps_are_bounded(tmp_path: Path) -> None:
    # One entry per directory asked about would grow with the tree (issue 16).
    from pinlint import formats

    project = formats.Project([str(tmp_path)])
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for i in range(formats._REAL_CACHE + 10):
        assert project.realpath(str(tmp_path / "link" / str(i))) == str(tmp_path / "real" / str(i))
    assert len(project._real) <= formats._REAL_CACHE


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_severity_values_are_singletons(protocol: int) -> None:
    # Reports compare by identity (``f.severity is Severity.ERROR``): a severity read
    # back from a worker, from JSON or from a pickle is the same object.
    for sev, text in ((Severity.ERROR, "error"), (Severity.WARNING, "warning")):
        assert Severity(text) is sev
        assert pickle.loads(pickle.dumps(sev, protocol)) is sev
        assert copy.deepcopy(sev) is sev
        assert sev == text
        assert sev.value == text
        assert type(sev.value) is str
        assert json.dumps({"severity": sev}) == f'{{"severity": "{text}"}}'
    assert repr(Severity.ERROR) == "<Severity.ERROR: 'error'>"
    with pytest.raises(ValueError, match="'fatal' is not a valid Severity"):
        Severity("fatal")
