"""Recall and extra findings of pinlint on a labelled corpus of real files.

    python bench/recall.py CORPUS_DIR [--details] [--errors-only]

``CORPUS_DIR`` holds one folder per source type (``helm/``, ``kustomize/``, ``gitlab/``,
...), each with files under their repository paths, and an ``expected.txt`` listing the
floating references a user wants reported, labelled by hand from the files' content::

    # comment
    helm/searxng/searxng-helm-chart/searxng/values.yaml:12: searxng/searxng:latest

(``relpath:line: image``; a reference written in parts is spelled whole and its line is
where the tag is, or would be, written).

pinlint runs offline (``--format json``, no registry) with the working directory at
``CORPUS_DIR``, so paths compare as written.  A finding matches an expected entry with
the same path, line and image; what is left is then paired by path and line alone (the
image spelled differently is still the reference found; ``--details`` lists those).
Recall is matched entries / expected entries; extras are findings that match none, as a
share of all findings.  Both are printed per source type (the first path component) and
overall.  PIN900 (a file that does not parse) always counts as an extra.  Globs in an
optional ``CORPUS_DIR/exclude.txt`` are passed as ``--exclude``: files kept only for a
source to read (the Dockerfiles a bake target builds), not linted themselves.

It is a measurement, not a test: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import pinlint_command

Key = tuple[str, int]
_WIDTHS = (8, 6, 7, 9, 7, 6)


def read_expected(path: str) -> list[tuple[str, int, str]]:
    entries = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                location, image = line.split(": ", 1)
                rel, lineno = location.rsplit(":", 1)
                entries.append((rel, int(lineno), image.strip()))
            except ValueError:
                sys.exit(f"{path}:{number}: expected 'relpath:line: image', got {line!r}")
    return entries


def read_excludes(corpus: str) -> list[str]:
    """The globs of ``CORPUS_DIR/exclude.txt``: files the sources read but that are not
    linted themselves (the Dockerfiles a bake file's targets build)."""
    path = os.path.join(corpus, "exclude.txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith("#")]


def run_pinlint(corpus: str) -> list[dict[str, object]]:
    cmd = [*pinlint_command(), "--offline", "--format", "json", "--fail-on", "never", "."]
    for glob in read_excludes(corpus):
        cmd[-1:-1] = ["--exclude", glob]
    proc = subprocess.run(cmd, cwd=corpus, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"pinlint exited {proc.returncode}: {proc.stderr.strip()}")
    findings: list[dict[str, object]] = json.loads(proc.stdout)
    for f in findings:
        f["path"] = os.path.normpath(str(f["path"]))
    return findings


def source_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--details", action="store_true", help="list misses and extras")
    parser.add_argument(
        "--errors-only", action="store_true", help="count only error findings as extras"
    )
    args = parser.parse_args(argv)
    expected = read_expected(os.path.join(args.corpus, "expected.txt"))
    findings = run_pinlint(args.corpus)

    wanted: dict[tuple[str, int, str], int] = Counter(expected)
    unmatched_findings: list[dict[str, object]] = []
    matched: Counter[tuple[str, int, str]] = Counter()
    for f in findings:
        key = (str(f["path"]), int(str(f["line"])), str(f["image"]))
        if f["rule"] != "PIN900" and matched[key] < wanted.get(key, 0):
            matched[key] += 1
        else:
            unmatched_findings.append(f)
    # Second pass: the same place, the image spelled otherwise.
    left_by_place: dict[Key, list[tuple[str, int, str]]] = defaultdict(list)
    for key, count in wanted.items():
        for _ in range(count - matched[key]):
            left_by_place[key[0], key[1]].append(key)
    respelled: list[tuple[tuple[str, int, str], dict[str, object]]] = []
    extras: list[dict[str, object]] = []
    for f in unmatched_findings:
        place = (str(f["path"]), int(str(f["line"])))
        if f["rule"] != "PIN900" and left_by_place.get(place):
            key = left_by_place[place].pop()
            matched[key] += 1
            respelled.append((key, f))
        else:
            extras.append(f)
    if args.errors_only:
        extras = [f for f in extras if f["severity"] == "error"]

    sources = sorted(
        {source_of(rel) for rel, _, _ in expected} | {source_of(str(f["path"])) for f in findings}
    )
    totals = [0, 0, 0, 0]
    header = ("source", "expected", "found", "recall", "findings", "extras", "share")
    cells = zip(header[1:], _WIDTHS, strict=True)
    print(f"{header[0]:<12}", " ".join(f"{h:>{w}}" for h, w in cells))
    for source in [*sources, "all"]:
        if source == "all":
            exp, found, nfind, nextra = totals
        else:
            exp = sum(c for k, c in wanted.items() if source_of(k[0]) == source)
            found = sum(c for k, c in matched.items() if source_of(k[0]) == source)
            nfind = sum(1 for f in findings if source_of(str(f["path"])) == source)
            nextra = sum(1 for f in extras if source_of(str(f["path"])) == source)
            for i, v in enumerate((exp, found, nfind, nextra)):
                totals[i] += v
        recall = f"{100 * found / exp:.1f}%" if exp else "-"
        share = f"{100 * nextra / nfind:.1f}%" if nfind else "-"
        row = (exp, found, recall, nfind, nextra, share)
        print(f"{source:<12}", " ".join(f"{v:>{w}}" for v, w in zip(row, _WIDTHS, strict=True)))

    if args.details:
        missed = [k for k, c in wanted.items() for _ in range(c - matched[k])]
        if missed:
            print("\nmissed:")
            for rel, line, image in sorted(missed):
                print(f"  {rel}:{line}: {image}")
        if respelled:
            print("\nfound at the place, image spelled otherwise:")
            for (rel, line, image), f in sorted(respelled, key=lambda p: p[0]):
                print(f"  {rel}:{line}: expected {image}, reported {f['image']}")
        if extras:
            print("\nextra findings:")
            for f in sorted(extras, key=lambda f: (str(f["path"]), int(str(f["line"])))):
                print(f"  {f['path']}:{f['line']}: {f['rule']} {f['severity']} {f['image']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
