"""``resolve_all`` answers what the cache holds whole without an event loop (``_from_cache``).

Against the real registry: a warm run gives what the registry gave, sends nothing, and
loads no asyncio; a reference the cache answers in part is asked again; ``--offline``
keeps what the cache gives; a warm run of many references forks no second process.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from pinlint import reference, resolve
from pinlint.config import Config
from pinlint.registry.cache import Cache
from pinlint.registry.cached import CachedClient
from pinlint.registry.types import ManifestInfo, Repository
from pinlint.resolution import Resolution
from registry_server import Registry

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def refs(registry: Registry) -> dict[str, reference.Reference]:
    """References of every kind the resolver tells apart, on one repository."""
    repo = registry.new_repo("warm")
    h = registry.host
    mainline = registry.push_index(repo, ["latest", "1.27.3", "1.27", "1"])
    stable = registry.push_index(repo, ["stable", "1.26.2", "1.26"], content="stable")
    registry.push_index(repo, ["edge", "2.0.0-rc1"], content="edge")
    registry.push_image(repo, "main", content="main")
    amd64 = mainline.manifests["linux/amd64"]
    web = f"{h}/{repo}"
    texts = [
        f"{web}:latest",
        f"{web}",
        f"{web}:1",
        f"{web}:stable",
        f"{web}:edge",
        f"{web}:main",
        f"{web}:1.27.3",  # exact: its digest only
        f"{web}:1.26.2@{stable.digest}",  # pinned, and the tag still has it
        f"{web}:1.27@{stable.digest}",  # the tag moved: 1.26.2 owns the pin (PIN103)
        f"{web}:latest@{amd64}",  # one platform of the tag's index
        f"{web}@{mainline.digest}",  # a digest alone
        f"{web}:nosuchtag",  # NotFound: not cached, asked every run
    ]
    registry.clear_log()
    return {t: reference.parse(t) for t in texts}


def _comparable(results: dict[str, Resolution]) -> dict[str, tuple[Resolution, str]]:
    # Registry errors compare by identity: their message stands for them.
    return {t: (r.replace(error=None), str(r.error)) for t, r in results.items()}


def test_a_warm_run_gives_what_the_registry_gave(
    refs: dict[str, reference.Reference], registry: Registry
) -> None:
    cold = resolve.resolve_all(refs, Config())
    assert sum(r.error is not None for r in cold.values()) == 1
    assert cold[next(t for t in refs if t.endswith(":1"))].exact_tag == "1.27.3"
    registry.clear_log()
    warm = resolve.resolve_all(refs, Config())
    assert _comparable(warm) == _comparable(cold)
    # Only the missing tag is asked again (its HEAD; the listing is cached).
    [missing] = [t for t in refs if t.endswith("nosuchtag")]
    assert registry.request_log() == [
        "GET /v2/",
        f"HEAD /v2/{refs[missing].path}/manifests/nosuchtag",
    ]


def test_the_cache_pass_answers_exactly_what_the_cache_holds(
    refs: dict[str, reference.Reference], tmp_path: Path
) -> None:
    cold = resolve.resolve_all(refs, Config())
    done, left = resolve._from_cache(refs, Config(), Cache(tmp_path / "cache"))
    assert list(left) == [t for t in refs if t.endswith("nosuchtag")]
    assert _comparable(done) == _comparable({t: r for t, r in cold.items() if t not in left})


def _age_tag_lists(cache_dir: Path, seconds: float) -> None:
    path = cache_dir / "registry-lists.json"
    data = json.loads(path.read_text())
    for entry in data["tag_lists"].values():
        entry["at"] -= seconds
    path.write_text(json.dumps(data))


def test_a_reference_the_cache_answers_in_part_is_asked_again(
    refs: dict[str, reference.Reference], registry: Registry, tmp_path: Path
) -> None:
    latest = {t: r for t, r in refs.items() if t.endswith(":latest")}
    [first] = resolve.resolve_all(latest, Config()).values()
    assert first.exact_tag == "1.27.3"
    # The listing expired, the tag's digest not: without the listing the cache alone
    # would pin latest's digest under the tag latest.  The registry is asked instead.
    _age_tag_lists(tmp_path / "cache", 7200)
    registry.clear_log()
    [again] = resolve.resolve_all(latest, Config()).values()
    assert again == first
    [ref] = latest.values()
    assert registry.request_log() == ["GET /v2/", f"GET /v2/{ref.path}/tags/list"]


def test_offline_keeps_what_the_cache_gives_in_part(
    refs: dict[str, reference.Reference], registry: Registry, tmp_path: Path
) -> None:
    latest = {t: r for t, r in refs.items() if t.endswith(":latest")}
    [first] = resolve.resolve_all(latest, Config()).values()
    _age_tag_lists(tmp_path / "cache", 7200)
    registry.clear_log()
    [offline] = resolve.resolve_all(latest, Config(offline=True)).values()
    # As before this pass existed: the tag's digest, no sibling (no listing to find one).
    assert (offline.error, offline.digest, offline.exact_tag) == (None, first.digest, None)
    assert registry.request_log() == []


def test_a_warm_run_of_many_references_forks_nothing(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = registry.new_repo("many")
    registry.push_index(repo, ["latest", "1.2.3", "1.2", "1"])
    texts = [f"{registry.host}/{repo}:{t}" for t in ("latest", "1", "1.2")]
    # Distinct texts of the same three references, enough for the split.
    many = {
        f"{text} {i}": reference.parse(text)
        for i in range(resolve.SPLIT_MIN_REFERENCES // 3 + 1)
        for text in texts
    }
    assert len(many) >= resolve.SPLIT_MIN_REFERENCES
    cold = resolve.resolve_all(many, Config())

    def no_fork(*args: object) -> None:
        raise AssertionError("a warm run forked")

    monkeypatch.setattr(resolve._Helper, "start", no_fork)
    registry.clear_log()
    warm = resolve.resolve_all(many, Config())
    assert warm == cold
    assert {r.exact_tag for r in warm.values()} == {"1.2.3"}
    assert registry.request_log() == []


def test_a_warm_run_loads_no_event_loop(
    refs: dict[str, reference.Reference], tmp_path: Path
) -> None:
    # The pinlint-fix hook's case: what the cache answers costs no asyncio (~40 ms with
    # ssl), no HTTP stack, no fork.
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(f"FROM {t}\n" for t in refs if "nosuchtag" not in t))
    code = (
        "import sys\n"
        "from pinlint.cli import main\n"
        f"code = main(['--resolve', '--format', 'json', {str(dockerfile)!r}])\n"
        "heavy = ('asyncio', 'ssl', 'h11', 'httpx', 'pinlint.registry.client')\n"
        "print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    # The environment (PINLINT_CACHE_DIR, DOCKER_CONFIG) is the test's.
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        for _ in range(2)
    ]
    assert runs[0].stderr.strip().endswith("'pinlint.registry.client']")
    assert runs[1].stderr.strip() == "[]"
    assert json.loads(runs[1].stdout) == json.loads(runs[0].stdout)
    [latest] = [f for f in json.loads(runs[1].stdout) if f["image"].endswith(":latest")]
    assert latest["suggestion"].startswith(latest["image"].replace(":latest", ":1.27.3@sha256:"))


def test_the_fix_hook_on_pinned_files_loads_only_what_it_uses(
    refs: dict[str, reference.Reference], tmp_path: Path
) -> None:
    # The pinlint-fix hook's command line on a file pinned already, with a warm cache:
    # none of the modules only a request, a new cache entry, an option or a GET needs.
    # Pins that hold (a moved tag's pin needs the sibling arithmetic to name its owner).
    pinned = [t for t, r in refs.items() if r.digest and r.tag in (None, "1.26.2")]
    assert len(pinned) == 2
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("".join(f"FROM {t}\n" for t in pinned))
    code = (
        "import sys\n"
        "from pinlint.cli import main\n"
        "code = main(['--fix', 'Dockerfile'])\n"
        "unused = ('asyncio', 'ssl', 'argparse', 'typing', 'tempfile', 'pickle', 'hashlib',"
        " 'pathlib', 'pinlint.siblings', 'pinlint.directives', 'dataclasses', 'inspect')\n"
        "print(code, [m for m in unused if m in sys.modules], file=sys.stderr)\n"
    )

    def hook() -> str:
        return subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
        ).stderr.splitlines()[-1]

    hook()  # the cache is cold: this run asks the registry
    before = dockerfile.read_bytes()
    assert hook() == "0 []"
    assert dockerfile.read_bytes() == before


def test_the_registries_are_asked_with_asyncio_loaded_before_the_heap_is_frozen(
    refs: dict[str, reference.Reference],
) -> None:
    # Loaded after the freeze, asyncio's and the client's objects would be walked by every
    # full collection of the run (~45 ms of CPU in the 1,000-reference bench).
    [text] = [t for t in refs if t.endswith(":latest")]
    code = (
        "import sys\n"
        "from pinlint import heap, reference, resolve\n"
        "from pinlint.config import Config\n"
        "seen = []\n"
        "real = heap.freeze\n"
        "def freeze():\n"
        "    seen.append([m for m in ('asyncio', 'pinlint.registry.client') if m in sys.modules])\n"
        "    return real()\n"
        "heap.freeze = freeze\n"
        f"[res] = resolve.resolve_all({{'r': reference.parse({text!r})}}, Config()).values()\n"
        "print(res.exact_tag, seen)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1.27.3 [['asyncio', 'pinlint.registry.client']]"


# --- the coroutines run at once ------------------------------------------------------------


class _Waits(CachedClient):
    """A client whose misses wait (as a request would): the resolver run at once must
    leave the reference for the registries, not call it an invalid answer."""

    async def _missing_manifest_info(self, repo: Repository, reference: str) -> ManifestInfo:
        await asyncio.sleep(0)
        raise AssertionError("never resumed")


def test_a_coroutine_that_would_wait_is_left_for_the_registries() -> None:
    resolver = resolve.Resolver(_Waits(Cache(None)), at_once=True)
    for text in ("127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:1.2.3"):
        coro = resolver.resolve(reference.parse(text))
        with pytest.raises(resolve._WouldWait):
            resolve._run_now(coro)
        assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # not left suspended


def _suspends(log: list[str]) -> Coroutine[Any, Any, None]:
    async def run() -> None:
        try:
            await asyncio.sleep(0)
        finally:
            log.append("closed")

    return run()


async def _answers(value: str) -> str:
    return value


async def _fails() -> str:
    raise KeyError("x")


def test_gather_now_returns_each_outcome_in_order() -> None:
    got = resolve._run_now(
        resolve._gather_now(_answers("a"), _fails(), _answers("b"), return_exceptions=True)
    )
    assert got[::2] == ["a", "b"]
    assert isinstance(got[1], KeyError)


def test_gather_now_closes_what_it_never_started() -> None:
    log: list[str] = []
    later = _answers("never started")
    with pytest.raises(resolve._WouldWait):
        resolve._run_now(
            resolve._gather_now(_answers("a"), _suspends(log), later, return_exceptions=True)
        )
    assert log == ["closed"]
    # Closed: no "coroutine was never awaited" warning when it goes.
    assert inspect.getcoroutinestate(later) == inspect.CORO_CLOSED


def test_now_stands_for_a_task() -> None:
    async def use() -> tuple[str, str]:
        ok = resolve._Now(_answers("x"))
        bad = resolve._Now(_fails())
        assert ok.cancel() is False  # nothing left to cancel
        try:
            await bad
        except KeyError as e:
            return await ok, str(e)
        raise AssertionError("the error was not raised")

    assert resolve._run_now(use()) == ("x", "'x'")
