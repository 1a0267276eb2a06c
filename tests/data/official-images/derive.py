"""Derive the tag layouts in this folder from docker-library/official-images.

    python derive.py GIT_DIR LAYOUT DATE

GIT_DIR is a clone of https://github.com/docker-library/official-images; DATE is the day
the layout shows (``HEAD`` for the newest commit).  Writes ``LAYOUT/<image>.txt``: one
line per image (manifest or index) the registry would hold on that day, the tags that
point to it, space-separated; the images of that day's file first, then, after
``# older releases``, those only older commits list.  The tags of one entry
(``Tags:``) share one image; the ``SharedTags:`` of one set of entries share another,
multi-OS index.  Older releases come from the same file at earlier commits (every three
months, two years back): a tag keeps the image of the newest commit that lists it, as
on Docker Hub, where a tag moves and the exact tags of older releases stay.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

IMAGES = [
    "python",
    "node",
    "nginx",
    "postgres",
    "redis",
    "golang",
    "alpine",
    "ubuntu",
    "debian",
    "eclipse-temurin",
    "traefik",
    "rabbitmq",
    "mariadb",
    "mysql",
    "httpd",
]
HISTORY = 8  # older commits, three months apart


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True
    ).stdout


def groups(text: str) -> list[list[str]]:
    """The tag groups of one ``library/NAME`` file (RFC 2822-like entries)."""
    entries = [e for e in text.split("\n\n") if "Tags:" in e]
    out: list[list[str]] = []
    shared: dict[str, set[int]] = {}
    for n, entry in enumerate(entries):
        fields: dict[str, str] = {}
        key = ""
        for line in entry.splitlines():
            if line.startswith("#"):
                continue
            if line[:1].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
        tags = [t.strip() for t in fields.get("Tags", "").split(",") if t.strip()]
        if tags:
            out.append(tags)
        for t in fields.get("SharedTags", "").split(","):
            if t.strip():
                shared.setdefault(t.strip(), set()).add(n)
    by_entries: dict[frozenset[int], list[str]] = {}
    for t, ns in shared.items():
        by_entries.setdefault(frozenset(ns), []).append(t)
    out.extend(by_entries.values())
    return out


def main(git_dir: str, layout: str, date: str) -> None:
    if date == "HEAD":
        top = git(git_dir, "rev-parse", "HEAD").strip()
    else:
        top = git(git_dir, "rev-list", "-1", f"--before={date}", "HEAD").strip()
    day = datetime.date.fromisoformat(git(git_dir, "log", "-1", "--format=%cs", top).strip())
    commits = [top]
    for k in range(1, HISTORY + 1):
        when = day - datetime.timedelta(days=91 * k)
        commits.append(git(git_dir, "rev-list", "-1", f"--before={when}", top).strip())
    folder = Path(__file__).parent / layout
    folder.mkdir(exist_ok=True)
    for image in IMAGES:
        owner: dict[str, tuple[int, int]] = {}
        for age, commit in reversed(list(enumerate(commits))):
            try:
                text = git(git_dir, "show", f"{commit}:library/{image}")
            except subprocess.CalledProcessError:
                continue
            for g, tags in enumerate(groups(text)):
                for t in tags:
                    owner[t] = (age, g)
        lines: dict[tuple[int, int], list[str]] = {}
        for t, key in owner.items():
            lines.setdefault(key, []).append(t)
        header = [
            f"# docker-library/official-images library/{image}",
            f"# as of commit {top} ({day})",
            "# older releases from commits " + " ".join(c[:12] for c in commits[1:]),
            "# one line per image: the tags that point to it (see derive.py)",
        ]
        current = [" ".join(tags) for (age, _), tags in sorted(lines.items()) if age == 0]
        older = [" ".join(tags) for (age, _), tags in sorted(lines.items()) if age > 0]
        body = [*current, "# older releases", *older]
        (folder / f"{image}.txt").write_text("\n".join(header + body) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
