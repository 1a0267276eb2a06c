"""The fixer's span machinery; end-to-end fixes against a registry are in test_fix_e2e.py."""

from __future__ import annotations

import os
import stat

import pytest

from pinlint import fix


@pytest.mark.parametrize(
    ("text", "edits", "expected"),
    [
        pytest.param("FROM a\n", [(5, 6, "b")], "FROM b\n", id="one"),
        pytest.param(
            "x: a\ny: b\n", [(3, 4, "aa"), (8, 9, "bbb")], "x: aa\ny: bbb\n", id="two-back-to-front"
        ),
        pytest.param("\ufeffFROM a\r\n", [(6, 7, "b")], "\ufeffFROM b\r\n", id="bom-crlf"),
        pytest.param("FROM a", [(5, 6, "b@sha256:0")], "FROM b@sha256:0", id="no-final-newline"),
    ],
)
def test_apply_edits(text: str, edits: list[tuple[int, int, str]], expected: str) -> None:
    assert fix.apply_edits(text, [fix.Edit(*e) for e in edits]) == expected


def test_apply_edits_noop() -> None:
    assert fix.apply_edits("FROM a\n", []) == "FROM a\n"


def test_overlapping_edits_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        fix.apply_edits("abcdef", [fix.Edit(0, 3, "x"), fix.Edit(2, 4, "y")])


def test_write_atomic_keeps_mode(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "Dockerfile")
    with open(path, "wb") as f:
        f.write(b"FROM a\r\n")
    os.chmod(path, 0o640)
    fix.write_atomic(path, "\ufeffFROM b\r\n")
    with open(path, "rb") as f:
        assert f.read() == b"\xef\xbb\xbfFROM b\r\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["Dockerfile"]


def test_write_atomic_failed_rename_leaves_original(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = os.path.join(tmp_path, "Dockerfile")
    with open(path, "wb") as f:
        f.write(b"FROM a\n")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        fix.write_atomic(path, "FROM b\n")
    with open(path, "rb") as g:
        assert g.read() == b"FROM a\n"
    assert os.listdir(tmp_path) == ["Dockerfile"]  # no temporary file left behind


def test_unified_diff_marks_missing_final_newline() -> None:
    diff = fix.unified_diff("Dockerfile", "FROM a", "FROM b")
    assert diff == (
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-FROM a\n"
        "\\ No newline at end of file\n+FROM b\n\\ No newline at end of file\n"
    )


def test_symlink_out_of_tree_is_not_inside(tmp_path: os.PathLike[str]) -> None:
    tree = os.path.join(tmp_path, "tree")
    outside = os.path.join(tmp_path, "outside")
    os.makedirs(tree)
    os.makedirs(outside)
    target = os.path.join(outside, "Dockerfile")
    with open(target, "w") as f:
        f.write("FROM a\n")
    link = os.path.join(tree, "Dockerfile")
    os.symlink(target, link)
    inner = os.path.join(tree, "Dockerfile.inner")
    os.symlink(os.path.join(tree, "real"), inner)
    assert not fix._inside(link, [tree])
    assert not fix._inside(link, [link])  # named explicitly, still a link out
    assert fix._inside(inner, [tree])
    assert fix._inside(target, [target])
