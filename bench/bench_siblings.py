"""``--resolve`` of 1,000 floating references over 15 real tag layouts (issue 11).

    python bench/bench_siblings.py [--refs 1000] [--layout head] [--runs 3]
                                   [--src OTHER_CHECKOUT/src]

The 15 official images of ``tests/data/official-images/<layout>/`` (tag groups of
docker-library/official-images with two years of older releases; about 7,000 tags for
``head``, 5,000 for ``2025-01``) are pushed to a real CNCF distribution registry
(Debian's ``docker-registry``, started by the test harness), one OCI index per group,
tagged once per tag of the group: its tag listing gives no digests.  One Dockerfile
references ``--refs`` distinct floating tags (not exact: ``latest``, ``3.12-slim``,
``lts-alpine``, ``bookworm``, ...), drawn evenly from every image, in a fixed order.

Measured, with a fresh cache each run (``--no-cache``):

- CPU of ``pinlint --resolve --no-cache`` minus CPU of the offline ``pinlint`` of the
  same file (medians; target < 1.5 s): the cost of resolving on top of linting, HTTP
  client included;
- the same for the sibling choice alone, in this process: the parsed listings, candidate
  order, best sibling and newer release of every reference, given the digests the
  registry holds (what the resolver computes between requests);
- manifest and tag-listing requests per reference, from the registry's access log
  (target <= 2);
- suggestions: references left without a pin (target 0).

``--src`` runs the same measurement on another checkout's ``src`` (``PYTHONPATH``): the
figure before this change.  Prints tables and PASS/FAIL; exits 0 either way.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import bench_env, machine, median, pinlint_command, run, table, verdict
from bench_resolve import Requests

# The same requests again, through pinlint's own registry client, with nothing else to
# do: the CPU of the HTTP requests themselves (interpreter start and imports included).
REPLAY = """
import asyncio, json, sys
from pinlint.registry.cache import Cache
from pinlint.registry.client import RegistryClient
from pinlint.registry.types import Repository

async def replay(host, heads, lists):
    async with RegistryClient(cache=Cache(None), concurrency=64) as client:
        await asyncio.gather(
            *(client.manifest_info(Repository(host, r), ref) for r, ref in heads),
            *(client.tags(Repository(host, r)) for r in lists),
        )

with open(sys.argv[1]) as f:
    plan = json.load(f)
asyncio.run(replay(plan["host"], plan["heads"], plan["lists"]))
"""

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = Path(REPO_ROOT, "tests", "data", "official-images")
EXTRA_CPU = 1.5  # seconds of CPU beyond the offline run
REQUESTS_PER_REF = 2
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _import_harness() -> Any:
    for path in (REPO_ROOT, os.path.join(REPO_ROOT, "tests", "support")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import registry_server

    return registry_server


def layouts(name: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for path in sorted((DATA / name).glob("*.txt")):
        out[path.stem] = [
            line.split()
            for line in path.read_text().splitlines()
            if line and not line.startswith("#")
        ]
    return out


def seed(registry: Any, images: dict[str, list[list[str]]]) -> dict[str, dict[str, str]]:
    """Push every image's layout; returns image -> tag -> digest."""
    digests: dict[str, dict[str, str]] = {}
    puts: list[tuple[str, str, bytes]] = []
    for image, groups in images.items():
        base = registry.push_image(image, None, content=image)
        data, media_type = registry.manifest(image, base)
        digests[image] = {}
        for n, group in enumerate(groups):
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
                    "annotations": {"org.opencontainers.image.title": f"{image} {n}"},
                }
            ).encode()
            puts.extend((image, t, index) for t in group)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        done = pool.map(lambda p: (p[0], p[1], registry.put_manifest(*p, OCI_INDEX)), puts)
        for image, tag, digest in done:
            digests[image][tag] = digest
    return digests


def floating_refs(images: dict[str, list[list[str]]], count: int) -> list[tuple[str, str]]:
    """``count`` distinct (image, floating tag), drawn round-robin over the images."""
    sys.path.insert(0, os.path.join(REPO_ROOT, "src"))
    from pinlint import tags

    rng = random.Random(11)
    pools = {}
    for image, groups in images.items():
        floating = sorted(
            {t for g in groups for t in g if tags.classify(t) is not tags.TagKind.EXACT}
        )
        rng.shuffle(floating)
        pools[image] = floating
    out: list[tuple[str, str]] = []
    while len(out) < count and any(pools.values()):
        for image in sorted(pools):
            if pools[image] and len(out) < count:
                out.append((image, pools[image].pop()))
    return out


def sibling_cpu(
    images: dict[str, list[list[str]]],
    refs: Sequence[tuple[str, str]],
    digests: dict[str, dict[str, str]],
) -> float:
    """CPU seconds of the resolver's tag arithmetic for ``refs``, with the registry's
    digests known (no request): what runs between the requests."""
    sys.path.insert(0, os.path.join(REPO_ROOT, "src"))
    from pinlint import siblings
    from pinlint.resolve import MAX_CANDIDATE_HEADS

    siblings.tag_info.cache_clear()
    start = time.process_time()
    listings = {
        image: siblings.Listing(t for g in groups for t in g) for image, groups in images.items()
    }
    for image, tag in refs:
        listing, known = listings[image], digests[image]
        digest = known[tag]
        found = next(
            (t for t in listing.candidates(tag)[:MAX_CANDIDATE_HEADS] if known[t] == digest), None
        )
        best = siblings.best_sibling(tag, [t for t in (found, tag) if t is not None])
        listing.newest_release(tag)
        if best is not None:
            listing.newer_release(tag, best)
    return time.process_time() - start


def replay_cpu(registry: Any, entries: Sequence[Any], files: str) -> float:
    """CPU seconds of sending the manifest HEADs and tag listings of ``entries`` again."""
    heads: list[tuple[str, str]] = []
    lists: list[str] = []
    for e in entries:
        target = e.target.split("?", 1)[0]
        if e.method == "HEAD" and "/manifests/" in target:
            name, _, ref = target.removeprefix("/v2/").partition("/manifests/")
            heads.append((name, ref))
        elif target.endswith("/tags/list"):
            lists.append(target.removeprefix("/v2/").removesuffix("/tags/list"))
    plan = os.path.join(files, "..", "replay.json")
    with open(plan, "w") as f:
        json.dump({"host": registry.host, "heads": heads, "lists": lists}, f)
    env = bench_env()
    env.pop("PYTHONPATH", None)
    r = run([sys.executable, "-c", REPLAY, plan], files, env, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.output.decode(errors="replace")[-500:])
    return r.cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refs", type=int, default=1000, help="distinct floating references")
    parser.add_argument("--layout", default="head", help="head or 2025-01")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each mode")
    parser.add_argument("--src", help="another checkout's src folder, run instead")
    args = parser.parse_args(argv)

    pinlint = pinlint_command()
    table([list(kv) for kv in machine()] + [["pinlint", " ".join(pinlint)]])
    if shutil.which("docker-registry") is None:
        verdict([("siblings", None, "docker-registry not found")])
        return 0
    harness = _import_harness()
    images = layouts(args.layout)
    n_tags = sum(len(g) for groups in images.values() for g in groups)
    refs = floating_refs(images, args.refs)
    work = tempfile.mkdtemp(prefix="pinlint-bench-siblings-")
    results: list[tuple[str, bool | None, str]] = []
    try:
        os.makedirs(os.path.join(work, "registry"))
        with harness.start_registry(Path(work, "registry")) as registry:
            t0 = time.perf_counter()
            digests = seed(registry, images)
            print(
                f"seeded {len(images)} repositories, {n_tags} tags, "
                f"in {time.perf_counter() - t0:.1f} s\n"
            )
            host = registry.host
            files = os.path.join(work, "files")
            os.makedirs(files)
            with open(os.path.join(files, "Dockerfile"), "w") as f:
                f.write("".join(f"FROM {host}/{image}:{tag}\n" for image, tag in refs))
            extra = {"PYTHONPATH": args.src} if args.src else {}
            env = bench_env(PINLINT_CACHE_DIR=os.path.join(work, "cache"), **extra)
            results = measure(args, pinlint, registry, env, files, refs, digests, images)
    except Exception as e:  # a measurement: report and exit 0
        results.append(("siblings", None, f"{type(e).__name__}: {e}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    verdict(results)
    return 0


def measure(
    args: argparse.Namespace,
    pinlint: list[str],
    registry: Any,
    env: dict[str, str],
    files: str,
    refs: list[tuple[str, str]],
    digests: dict[str, dict[str, str]],
    images: dict[str, list[list[str]]],
) -> list[tuple[str, bool | None, str]]:
    offline_cmd = [*pinlint, "Dockerfile"]
    resolve_cmd = [*pinlint, "--resolve", "--no-cache", "--format", "json", "Dockerfile"]
    run(offline_cmd, files, env)  # warm-up: bytecode, page cache
    offline, resolved, per_run, replayed = [], [], [], []
    output = b""
    for _ in range(args.runs):
        offline.append(run(offline_cmd, files, env, timeout=1800))
        mark = registry.mark()
        r = run(resolve_cmd, files, env, timeout=1800)
        resolved.append(r)
        output = r.output
        entries = registry.requests(since=mark)
        per_run.append(Requests(entries))
        replayed.append(replay_cpu(registry, entries, files))
    n = len(refs)
    o_cpu = median([r.cpu for r in offline])
    r_cpu = median([r.cpu for r in resolved])
    req = per_run[-1]
    manifests = sum(req.manifests.values())
    listings = sum(req.tags.values())
    # stdout and stderr come together: the JSON array is the first line opening with "[".
    text = output.decode(errors="replace")
    start = text.find("\n[") + 1 if not text.startswith("[") else 0
    try:
        findings, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        findings = []
    unpinned = [f for f in findings if isinstance(f, dict) and not f.get("suggestion")]
    pure = median([sibling_cpu(images, refs, digests) for _ in range(args.runs)])
    http = median(replayed)
    own = r_cpu - o_cpu - http
    rows = [
        [
            "pinlint Dockerfile (offline)",
            f"{median([r.wall for r in offline]):.2f} s",
            f"{o_cpu:.2f} s",
            "0",
        ],
        [
            "pinlint --resolve --no-cache Dockerfile",
            f"{median([r.wall for r in resolved]):.2f} s",
            f"{r_cpu:.2f} s",
            str(req.total),
        ],
        ["  difference", "", f"{r_cpu - o_cpu:.2f} s", ""],
        ["the same requests alone (replayed)", "", f"{http:.2f} s", str(req.total)],
        ["  resolving on top of the requests", "", f"{own:.2f} s", ""],
        ["  sibling choice alone (in process)", "", f"{pure:.3f} s", ""],
    ]
    table(rows, [f"{n} floating references, {len(images)} repositories", "wall", "cpu", "requests"])
    print(
        f"\nrequests: {manifests} manifest, {listings} tag listing, {req.other} other; "
        f"{(manifests + listings) / n:.2f} per reference; {len(findings)} findings, "
        f"{len(unpinned)} without a suggestion\n"
    )
    return [
        (
            f"CPU of --resolve beyond the offline lint and the requests < {EXTRA_CPU} s",
            own < EXTRA_CPU,
            f"{own:.2f} s ({r_cpu - o_cpu:.2f} s with the requests; sibling choice alone "
            f"{pure:.3f} s)",
        ),
        (
            f"requests per reference <= {REQUESTS_PER_REF}",
            (manifests + listings) / n <= REQUESTS_PER_REF,
            f"{(manifests + listings) / n:.2f}",
        ),
        ("every floating reference pinned", not unpinned, f"{len(unpinned)} without a suggestion"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
