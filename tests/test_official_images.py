"""Resolution on the real tag layouts of 15 official images (issue 11).

``tests/data/official-images/<day>/<image>.txt`` hold the tag groups of
docker-library/official-images ``library/<image>`` at one commit (cited in each file),
with two years of older releases (see ``derive.py`` there): ``2025-01`` is the day the
issue's examples come from, ``head`` the newest commit.  Each line is one image, every
tag on it points to that image.

Two kinds of tables, ``(layout, image, floating tag, expected suggestion)``:

- the pure functions (fast): :func:`pinlint.siblings.best_sibling` over the tag's group,
  and the resolver's path (the first of :meth:`Listing.candidates` in the group, within
  the request budget);
- the same layouts pushed to the real registry (one index per group, tagged many times)
  and resolved by ``--resolve``, and ``--fix`` on a file holding every tag of the newest
  commit.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import isolate
from pinlint import lint, siblings, tags
from pinlint.cli import main
from pinlint.config import Config
from pinlint.drift import resolve_findings
from pinlint.resolve import MAX_CANDIDATE_HEADS
from registry_server import OCI_INDEX, Registry

DATA = Path(__file__).parent / "data" / "official-images"
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


def layout(day: str, image: str, *, current_only: bool = False) -> list[list[str]]:
    groups = []
    for line in (DATA / day / f"{image}.txt").read_text().splitlines():
        if line == "# older releases" and current_only:
            break
        if line and not line.startswith("#"):
            groups.append(line.split())
    return groups


# (layout, image, floating tag, expected suggestion); None: the tag is final.
CASES = [
    # 1. never silenced: the more specific sibling lies in another variant family
    ("2025-01", "eclipse-temurin", "21", "21.0.5_11-jdk"),
    ("2025-01", "eclipse-temurin", "21-alpine", "21.0.5_11-jdk-alpine"),
    ("2025-01", "eclipse-temurin", "8", "8u432-b06-jdk"),
    ("2025-01", "eclipse-temurin", "11-windowsservercore", "11.0.25_9-jdk-windowsservercore"),
    ("2025-01", "eclipse-temurin", "17-jre", "17.0.13_11-jre"),
    ("head", "eclipse-temurin", "8-alpine", "8u502-b07-jdk-alpine"),
    # ... and final only when nothing with its digest is more specific
    ("2025-01", "postgres", "17.2", "17.2"),
    ("2025-01", "ubuntu", "24.04", "24.04"),
    ("head", "debian", "13.5", "13.5"),
    ("2025-01", "debian", "12", "12.9"),
    ("2025-01", "postgres", "17", "17.2"),
    # 2. date-stamped siblings are exact
    ("2025-01", "debian", "bookworm", "bookworm-20250113"),
    ("2025-01", "debian", "trixie-slim", "trixie-20250113-slim"),
    ("2025-01", "debian", "latest", "bookworm-20250113"),
    ("2025-01", "ubuntu", "noble", "noble-20241118.1"),
    ("2025-01", "ubuntu", "latest", "noble-20241118.1"),
    ("head", "golang", "tip-alpine", "tip-20260815-alpine"),
    ("2025-01", "alpine", "edge", "20250108"),
    # 3. code names and channel words
    ("2025-01", "node", "jod", "22.13.0"),
    ("2025-01", "node", "lts", "22.13.0"),
    ("2025-01", "node", "iron-alpine3.20", "20.18.1-alpine3.20"),
    ("2025-01", "traefik", "mimolette", "2.11.18"),
    ("2025-01", "traefik", "latest", "3.3.2"),
    ("2025-01", "mysql", "innovation", "9.1.0"),
    ("2025-01", "mysql", "innovation-oracle", "9.1.0-oracle"),
    ("2025-01", "mysql", "lts", "8.4.3"),
    ("2025-01", "ubuntu", "devel", "plucky-20241213"),
    ("head", "ubuntu", "devel", "stonking-20260705"),
    ("head", "ubuntu", "rolling", "resolute-20260811.1"),
    ("2025-01", "debian", "oldstable", "oldstable-20250113"),
    # 4. the closest variant wins
    ("2025-01", "nginx", "stable-alpine", "1.26.2-alpine"),
    ("2025-01", "nginx", "alpine", "1.27.3-alpine"),
    ("2025-01", "nginx", "mainline-alpine3.20-slim", "1.27.3-alpine3.20-slim"),
    ("2025-01", "node", "lts-alpine", "22.13.0-alpine"),
    ("2025-01", "mariadb", "lts-ubi", "11.4.4-ubi"),
    ("2025-01", "mariadb", "noble", "11.6.2-noble"),
    # 5. implicit variants
    ("2025-01", "eclipse-temurin", "latest", "21.0.5_11-jdk"),
    # 6. an exact tag beats a partial one, in an extended family too
    ("2025-01", "python", "slim", "3.13.1-slim"),
    ("2025-01", "python", "3.12-slim", "3.12.8-slim"),
    ("2025-01", "python", "slim-bookworm", "3.13.1-slim-bookworm"),
    ("2025-01", "python", "latest", "3.13.1"),
    # 8. pre-releases placed after the variant; pre-release originals pin to one
    ("2025-01", "mariadb", "11.7-rc", "11.7.1-rc"),
    ("2025-01", "mariadb", "11.7-noble-rc", "11.7.1-noble-rc"),
    ("2025-01", "golang", "1.24-rc-bookworm", "1.24rc2-bookworm"),
    # the other images
    ("2025-01", "golang", "latest", "1.23.5"),
    ("2025-01", "golang", "alpine", "1.23.5-alpine"),
    ("2025-01", "redis", "latest", "7.4.2"),
    ("2025-01", "redis", "alpine", "7.4.2-alpine"),
    ("2025-01", "rabbitmq", "management", "4.0.5-management"),
    ("2025-01", "rabbitmq", "alpine", "4.0.5-alpine"),
    ("2025-01", "httpd", "latest", "2.4.62"),
    ("2025-01", "httpd", "alpine", "2.4.62-alpine"),
    ("2025-01", "mysql", "oracle", "9.1.0-oracle"),
    ("2025-01", "nginx", "stable", "1.26.2"),
    ("head", "mysql", "lts", "9.7.2"),
    ("head", "node", "lts", "24.19.0"),
    ("head", "eclipse-temurin", "latest", "25.0.4_7-jdk"),
    ("head", "debian", "latest", "trixie-20260803"),
]
CASE_PARAMS = [pytest.param(*c, id=f"{c[0]}-{c[1]}:{c[2]}") for c in CASES]


def _group(day: str, image: str, tag: str) -> list[str]:
    return next(g for g in layout(day, image) if tag in g)


@pytest.mark.parametrize(("day", "image", "tag", "expected"), CASE_PARAMS)
def test_best_sibling_of_real_groups(day: str, image: str, tag: str, expected: str) -> None:
    assert siblings.best_sibling(tag, _group(day, image, tag)) == expected


@pytest.mark.parametrize(("day", "image", "tag", "expected"), CASE_PARAMS)
def test_candidates_reach_the_sibling_within_budget(
    day: str, image: str, tag: str, expected: str
) -> None:
    # The resolver's path on a registry without digests in its listing: HEADs of the
    # candidates in order until one has the tag's digest.
    group = set(_group(day, image, tag))
    listing = siblings.Listing(t for g in layout(day, image) for t in g)
    candidates = listing.candidates(tag)
    assert expected in candidates or expected == tag
    checked = candidates[:MAX_CANDIDATE_HEADS]
    found = next((t for t in checked if t in group), None)
    mine = [tag] if tags.parse_version(tag) is not None else []
    if found is None:
        # Final: every candidate was checked, none shares the digest.
        assert expected == tag
        assert len(candidates) <= MAX_CANDIDATE_HEADS
    else:
        assert siblings.best_sibling(tag, [found, *mine]) == expected


def test_every_floating_tag_of_every_image_pins_to_a_more_specific_sibling() -> None:
    # Across both layouts: for each tag that is not exact, a sibling with its digest that
    # is exact, or the tag itself when it has a version and nothing more specific exists.
    for day in ("2025-01", "head"):
        for image in IMAGES:
            for group in layout(day, image):
                for tag in group:
                    if tags.classify(tag) is tags.TagKind.EXACT:
                        continue
                    best = siblings.best_sibling(tag, group)
                    if best is None:
                        # Only when nothing with its digest has a version or a date
                        # (debian's bookworm-backports): the tag is pinned by digest.
                        assert all(
                            tags.parse_version(t) is None and not siblings.tag_info(t).stamp
                            for t in group
                        ), (day, image, tag)
                        continue
                    if best != tag:
                        assert tags.classify(best) is not tags.TagKind.MOVING, (image, tag, best)


# --- the real registry -------------------------------------------------------------------

_seeded: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}


def seed(registry: Registry, day: str, image: str) -> tuple[str, dict[str, str]]:
    """Push ``image``'s layout once per registry: (repository, tag -> digest)."""
    key = (registry.url, day, image)
    if key in _seeded:
        return _seeded[key]
    repo = registry.new_repo(image)
    base = registry.push_image(repo, None, content=image)
    data, media_type = registry.manifest(repo, base)
    puts: list[tuple[str, bytes]] = []
    digests: dict[str, str] = {}
    for n, group in enumerate(layout(day, image)):
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {
                        "mediaType": media_type,
                        "size": len(data),
                        "digest": base,
                        "platform": {"architecture": "amd64", "os": "linux"},
                    }
                ],
                # One image per group: the annotation makes each index's digest unique.
                "annotations": {"org.opencontainers.image.title": f"{image} group {n}"},
            }
        ).encode()
        puts.extend((t, index) for t in group)
    with ThreadPoolExecutor(8) as pool:
        for t, digest in zip(
            (t for t, _ in puts),
            pool.map(lambda p: registry.put_manifest(repo, p[0], p[1], OCI_INDEX), puts),
            strict=True,
        ):
            digests[t] = digest
    _seeded[key] = (repo, digests)
    return repo, digests


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.mark.slow  # pushes 14 layouts (about 5,000 tags) the first time
def test_resolve_real_layouts(tmp_path: Path, registry_session: Registry) -> None:
    registry = registry_session  # layouts are pushed once per session
    host = registry.url.removeprefix("http://")
    lines: list[str] = []
    wanted: dict[str, str] = {}
    for day, image, tag, expected in CASES:
        repo, digests = seed(registry, day, image)
        image_ref = f"{host}/{repo}:{tag}"
        lines.append(f"FROM {image_ref}\n")
        wanted[image_ref] = f"{host}/{repo}:{expected}@{digests[tag]}"
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(lines))
    cfg = Config()
    result = lint.lint_paths([str(dockerfile)], cfg)
    findings = resolve_findings(result.occurrences, result.findings, cfg)
    got = {f.as_written: f.suggestion for f in findings if f.rule in ("PIN001", "PIN003", "PIN004")}
    # The layouts hold newer feature and interim releases than what latest or lts follow
    # (temurin 23, ubuntu 24.10, node 23): no roll-back is claimed.
    assert [f.as_written for f in findings if f.rule == "PIN104"] == []
    # Final tags (postgres 17.2) are not reported; every other gets its sibling.
    final = {f"{host}/{seed(registry, d, i)[0]}:{t}" for d, i, t, e in CASES if t == e}
    assert final
    assert {ref: got.get(ref) for ref in wanted if ref not in final} == {
        ref: pin for ref, pin in wanted.items() if ref not in final
    }
    assert not final & set(got)


@pytest.mark.slow  # pushes the 15 newest layouts (6,058 tags), fixes 1,467 references
def test_fix_every_head_tag(
    tmp_path: Path, registry_session: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = registry_session  # layouts are pushed once per session
    host = registry.url.removeprefix("http://")
    lines: list[str] = []
    for image in IMAGES:
        repo, _ = seed(registry, "head", image)
        for group in layout("head", image, current_only=True):
            lines.extend(f"FROM {host}/{repo}:{t}\n" for t in group)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(lines))
    assert main(["--fix", "--format", "json", str(dockerfile)]) == 1
    capsys.readouterr()
    after = dockerfile.read_text().splitlines()
    assert len(after) == len(lines)
    for before, line in zip(lines, after, strict=True):
        if tags.classify(before.strip().rsplit(":", 1)[1]) is tags.TagKind.EXACT:
            assert line == before.strip()  # exact already: no digest required by default
            continue
        original = before.strip().rsplit(":", 1)[1]
        if line == before.strip():
            # Left alone only when final: a version nothing with its digest refines.
            image = _image_of(line.removeprefix("FROM "))
            group = next(g for g in layout("head", image) if original in g)
            assert tags.classify(original) is tags.TagKind.PARTIAL, before
            assert siblings.best_sibling(original, group) == original, before
            continue
        ref = line.removeprefix("FROM ")
        name, _, digest = ref.partition("@")
        tag = name.rsplit(":", 1)[1]
        # Every reference pinned; the tag written is exact, or a version with nothing
        # more specific; never a floating tag left behind.
        assert digest.startswith("sha256:"), before
        group = next(g for g in layout("head", _image_of(name)) if original in g)
        if siblings.best_sibling(original, group) is None:
            # Nothing with its digest has a version or a date (bookworm-backports).
            assert tag == original, (before, line)
            continue
        kind = tags.classify(tag)
        assert kind in (tags.TagKind.EXACT, tags.TagKind.PARTIAL), (before, line)
        assert tag in group, (before, line)  # a sibling: same image
        # The most specific sibling: what the group's own choice is.
        assert tag == siblings.best_sibling(original, group), (before, line)
        if kind is tags.TagKind.PARTIAL:
            assert siblings.best_sibling(tag, group) == tag, (before, line)  # final
    # Idempotent: nothing left to fix.
    assert main(["--fix", "--format", "json", str(dockerfile)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def _image_of(name: str) -> str:
    repo = name.split("/", 1)[1].rsplit(":", 1)[0]
    return repo.rsplit("-", 1)[0]


# --- PIN104 without crying wolf ------------------------------------------------------------

# (layout, image, floating tag, expected newer release or None)
NEWER = [
    # latest follows the LTS by design: a newer feature release is no roll-back
    ("2025-01", "eclipse-temurin", "latest", None),
    ("2025-01", "ubuntu", "latest", None),
    ("2025-01", "node", "lts", None),
    ("2025-01", "mysql", "lts", None),
    ("2025-01", "nginx", "stable", None),
    ("2025-01", "traefik", "mimolette", None),
    ("2025-01", "mariadb", "lts-ubi", None),
    ("head", "eclipse-temurin", "latest", None),
    ("head", "ubuntu", "latest", None),
    ("head", "debian", "latest", None),
    ("head", "python", "latest", None),
    ("head", "postgres", "latest", None),
]


@pytest.mark.parametrize(
    ("day", "image", "tag", "expected"),
    [pytest.param(*c, id=f"{c[0]}-{c[1]}:{c[2]}") for c in NEWER],
)
def test_no_rollback_on_real_layouts(day: str, image: str, tag: str, expected: None) -> None:
    groups = layout(day, image)
    listing = siblings.Listing(t for g in groups for t in g)
    group = next(g for g in groups if tag in g)
    current = siblings.best_sibling(tag, group)
    assert current is not None
    assert listing.newer_release(tag, current) == expected
    # Also against the group's most specific versions (ubuntu: 24.04, not the date).
    versions = [
        t
        for t in group
        if tags.parse_version(t) is not None and siblings.best_sibling(t, group) == t
    ]
    assert versions
    for version in versions:
        assert listing.newer_release(tag, version) is None, version


def test_rollback_within_a_line_still_fires_on_a_real_layout() -> None:
    # The Ollama shape on a real layout: latest put back on the previous patch while
    # the newer one stays listed.
    groups = layout("2025-01", "python")
    listing = siblings.Listing(t for g in groups for t in g)
    assert listing.newer_release("latest", "3.13.0") == "3.13.1"
    assert listing.newer_release("slim", "3.13.0-slim") == "3.13.1-slim"
    assert listing.newer_release("3", "3.12.8") == "3.13.1"  # 3 follows every 3.x


def _index(registry: Registry, repo: str, base: str, media_type: str, size: int, n: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": media_type,
                    "size": size,
                    "digest": base,
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
            "annotations": {"org.opencontainers.image.title": n},
        }
    ).encode()


def test_rollback_remembered_by_the_cache(tmp_path: Path, registry: Registry) -> None:
    # latest goes from 1.28.0 back to 1.27.3: another minor line, which the listing alone
    # does not call a roll-back (stable lines look the same); the cache remembers.
    repo = registry.new_repo("app")
    base = registry.push_image(repo, None, content="app")
    data, media_type = registry.manifest(repo, base)
    old = _index(registry, repo, base, media_type, len(data), "1.27.3")
    new = _index(registry, repo, base, media_type, len(data), "1.28.0")
    for t in ("1.27.3", "1.27"):
        registry.put_manifest(repo, t, old, OCI_INDEX)
    for t in ("1.28.0", "1.28", "latest"):
        registry.put_manifest(repo, t, new, OCI_INDEX)
    host = registry.url.removeprefix("http://")
    cfg = Config(cache_ttl=0)  # every run asks the registry again; the memory stays
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM {host}/{repo}:latest\n")

    def run() -> list[tuple[str, str]]:
        result = lint.lint_paths([str(dockerfile)], cfg)
        found = resolve_findings(result.occurrences, result.findings, cfg)
        return [(f.rule, f.message) for f in found]

    assert [rule for rule, _ in run()] == ["PIN001"]
    registry.put_manifest(repo, "latest", old, OCI_INDEX)
    found = run()
    assert [rule for rule, _ in found] == ["PIN001", "PIN104"]
    assert "pointed to 1.28.0 when last resolved" in found[1][1]
    assert "points to 1.27.3" in found[1][1]
    # Still a roll-back on the next run (the higher version is kept), and gone once the
    # tag moves forward again.
    assert [rule for rule, _ in run()] == ["PIN001", "PIN104"]
    registry.put_manifest(repo, "latest", new, OCI_INDEX)
    assert [rule for rule, _ in run()] == ["PIN001"]
    # Without the cache's memory (a fresh cache), 1.27.3 after 1.28.0 is not flagged.
    registry.put_manifest(repo, "latest", old, OCI_INDEX)
    assert [rule for rule, _ in run()] == ["PIN001", "PIN104"]
    (tmp_path / "cache" / "registry.json").unlink()
    assert [rule for rule, _ in run()] == ["PIN001"]
