"""``--resolve`` of many references on two cores: a forked process takes half of the
repositories (``pinlint.resolve.resolve_all``).  Against the real registry."""

from __future__ import annotations

import asyncio
import gc
import io
import os
import pickle
import time

import pytest

from pinlint import reference, resolve
from pinlint.config import Config
from pinlint.reference import Reference
from pinlint.registry import (
    DigestMismatch,
    Forbidden,
    InsecureRegistry,
    InvalidResponse,
    NotFound,
    NotInCache,
    RateLimited,
    RegistryError,
    RegistryTimeout,
    ServerError,
    Unauthorized,
    Unreachable,
)
from pinlint.registry.cache import Cache
from pinlint.resolution import Resolution
from registry_server import Registry

pytestmark = pytest.mark.usefixtures("isolated")

REPOS = resolve.SPLIT_MIN_REFERENCES + 4


@pytest.fixture(scope="module")
def many(registry_session: Registry) -> dict[str, Reference]:
    """More references than one process resolves: repositories with a moving tag, one
    of them with a second reference, and a repository that does not exist."""
    host = registry_session.host
    texts = []
    for i in range(REPOS):
        repo = f"split/app{i}"
        digest = registry_session.push_image(repo, "1.0.0", content=f"app{i}")
        registry_session.tag(repo, digest, "latest")
        texts.append(f"{host}/{repo}:latest")
    texts += [f"{host}/split/app0:1.0.0", f"{host}/split/missing:latest"]
    return {t: reference.parse(t) for t in texts}


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    # The split depends on the cores this process may use; the test machine may have one.
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})


def _same(a: Resolution, b: Resolution) -> bool:
    """Equal, errors compared by type and text (exceptions compare by identity)."""

    def norm(r: Resolution) -> tuple[object, ...]:
        error = None if r.error is None else (type(r.error), str(r.error))
        return (*(getattr(r, f) for f in r.__slots__ if f != "error"), error)

    return norm(a) == norm(b)


def test_two_processes_answer_as_one(
    many: dict[str, Reference], registry: Registry, two_cores: None
) -> None:
    one = asyncio.run(resolve.resolve_references(many, Config(no_cache=True)))
    registry.clear_log()
    both = resolve.resolve_all(many, Config(no_cache=True))
    assert list(both) == list(many)  # in the order of the references
    assert all(_same(both[t], one[t]) for t in many)
    # The heap was frozen for the run only: nothing stays out of the collector's sight.
    assert gc.get_freeze_count() == 0
    assert isinstance(both[f"{registry.host}/split/missing:latest"].error, NotFound)
    log = registry.request_log()
    # Each process pinged the registry once: the references were shared out.
    assert log.count("GET /v2/") == 2
    # Each repository listed once: its references stayed in one process.
    lists = [r for r in log if r.endswith("/tags/list")]
    assert len(lists) == len(set(lists)) == REPOS + 1


def test_the_progress_bar_counts_both_processes(
    many: dict[str, Reference], registry: Registry, two_cores: None
) -> None:
    stream = io.StringIO()
    resolve.resolve_all(many, Config(no_cache=True), progress=stream)
    text = stream.getvalue()
    assert registry.request_log().count("GET /v2/") == 2  # split
    assert text.startswith(f"\rresolving [{'.' * 30}] 0/{len(many)}")
    # The other process's references are counted as it reports them.
    assert f"] {len(many)}/{len(many)}" in text
    assert text.endswith("\r\x1b[K")


def test_one_process_below_the_threshold_or_the_limit(
    many: dict[str, Reference], registry: Registry, two_cores: None
) -> None:
    few = dict(list(many.items())[: resolve.SPLIT_MIN_REFERENCES - 1])
    gc.freeze()  # a caller's own: resolving leaves it frozen
    try:
        resolve.resolve_all(few, Config(no_cache=True))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert registry.request_log().count("GET /v2/") == 1
    registry.clear_log()
    # concurrency = 1 cannot be shared by two processes.
    resolve.resolve_all(many, Config(no_cache=True, concurrency=1))
    assert registry.request_log().count("GET /v2/") == 1


def test_what_the_other_process_learnt_is_cached(
    many: dict[str, Reference], registry: Registry, two_cores: None
) -> None:
    first = resolve.resolve_all(many, Config())
    registry.clear_log()
    second = resolve.resolve_all(many, Config())
    # The missing repository is asked again (errors are not cached); nothing else is.
    assert all("split/missing/" in r or r == "GET /v2/" for r in registry.request_log())
    assert all(_same(first[t], second[t]) for t in many)


def test_a_failed_helper_leaves_its_share_to_this_process(
    many: dict[str, Reference],
    registry: Registry,
    two_cores: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = asyncio.run(resolve.resolve_references(many, Config(no_cache=True)))

    def crash(*_args: object) -> None:
        raise RuntimeError("the forked process fails before answering")

    monkeypatch.setattr(resolve, "_helper_main", crash)
    both = resolve.resolve_all(many, Config(no_cache=True))
    assert all(_same(both[t], one[t]) for t in many)


@pytest.mark.slow  # waits out a run deadline
def test_a_hung_helper_is_stopped_at_the_run_deadline(
    many: dict[str, Reference],
    two_cores: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hang(*_args: object) -> None:
        time.sleep(120)

    monkeypatch.setattr(resolve, "_helper_main", hang)
    monkeypatch.setattr(resolve, "HELPER_GRACE", 0.5)
    mine, theirs = resolve._halves(many)
    start = time.monotonic()
    got = resolve.resolve_all(many, Config(no_cache=True), run_timeout=3.0)
    # The run's deadline, the grace, and no more: the forked process is killed.
    assert time.monotonic() - start < 3.0 + 0.5 + 5.0
    assert all(isinstance(got[t].error, RegistryTimeout) for t in theirs)
    assert not any(isinstance(got[t].error, RegistryTimeout) for t in mine)


def test_garbage_from_the_helper_is_no_answer() -> None:
    helper = resolve._Helper(os.getpid(), -1, {}, Cache(None))
    helper._ticks_done = True
    helper._data = bytearray(b"not a pickle")
    assert helper._decode() == {}


@pytest.mark.parametrize(
    "error",
    [
        RegistryError("r.example", "why"),
        NotFound("r.example", "tag x not found in a/b", what="tag"),
        Unauthorized("docker.io"),
        Forbidden("r.example"),
        RateLimited("r.example"),
        ServerError("r.example", 503),
        Unreachable("r.example", "cannot connect"),
        RegistryTimeout("r.example", "slow"),
        InvalidResponse("r.example", "bad"),
        DigestMismatch("r.example", "hash"),
        InsecureRegistry("r.example", "plain"),
        NotInCache("r.example"),
    ],
)
def test_registry_errors_cross_processes(error: RegistryError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert back.__dict__ == error.__dict__
