"""The tuning corpus (tests/data/real): every labelled floating reference is found where
it is written, and nothing else is reported.

The files are real (SOURCES.md names repository, commit and path); the labels in
expected.txt were written by hand from the files.  The held-out corpus in bench/heldout
is only measured (bench/recall.py), never tested.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinlint.cli import main

REAL = Path(__file__).parent.parent / "data" / "real"
# The Kubernetes-ecosystem sources; the CI sources' folders share the corpus.
SOURCES = ("argo", "helm", "kustomize", "olm", "skaffold", "tekton")


def _expected() -> set[tuple[str, int]]:
    found = set()
    for raw in (REAL / "expected.txt").read_text().splitlines():
        if raw.strip() and not raw.startswith("#"):
            location, _image = raw.split(": ", 1)
            path, line = location.rsplit(":", 1)
            if path.split("/", 1)[0] in SOURCES:
                found.add((path, int(line)))
    return found


def test_tuning_corpus(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REAL)
    main(["--format", "json", "--fail-on", "never", *SOURCES])
    findings = json.loads(capsys.readouterr().out)
    reported = {(f["path"], f["line"]) for f in findings}
    assert sorted(_expected() - reported) == []  # recall: all found
    assert sorted(reported - _expected()) == []  # nothing else
    assert all(f["severity"] == "error" for f in findings)
