from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from pinlint.registry.cache import CACHE_ENV, Cache, default_cache_dir

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_default_dir_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert default_cache_dir() == str(tmp_path / "c")


def test_default_dir_is_the_platform_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert default_cache_dir() == platformdirs.user_cache_dir("pinlint")


def test_tag_digest_expires_after_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, ttl=60, clock=clock)
    cache.put_tag_digest("docker.io/library/nginx", "latest", DIGEST, "application/x")
    cache.save()
    clock.now += 59
    again = Cache(tmp_path, ttl=60, clock=clock)
    assert again.tag_digest("docker.io/library/nginx", "latest") == (DIGEST, "application/x")
    assert again.tag_digest("docker.io/library/nginx", "stable") is None
    clock.now += 2
    assert (
        Cache(tmp_path, ttl=60, clock=clock).tag_digest("docker.io/library/nginx", "latest") is None
    )


def test_tag_list_expires_digest_facts_do_not(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, ttl=10, clock=clock)
    cache.put_tag_list("r/a", ["1.0.0", "latest"], {"latest": DIGEST})
    cache.put_digest_fact("r/a", DIGEST, exists=True, media_type="m")
    cache.save()
    fresh = Cache(tmp_path, ttl=10, clock=clock)
    assert fresh.tag_list("r/a") == (["1.0.0", "latest"], {"latest": DIGEST})
    clock.now += 10**9
    old = Cache(tmp_path, ttl=10, clock=clock)
    assert old.tag_list("r/a") is None
    assert old.digest_fact("r/a", DIGEST) == {"exists": True, "media_type": "m"}


_MAIN, _LISTS = "registry.json", "registry-lists.json"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(_MAIN, b"", id="empty"),
        pytest.param(_MAIN, b'{"version": 1, "tags": {', id="truncated"),
        pytest.param(_MAIN, b"\xff\xfe not json", id="binary"),
        pytest.param(_MAIN, b"[1, 2]", id="not-an-object"),
        pytest.param(_MAIN, b'{"version": 999, "tags": {}}', id="other-version"),
        pytest.param(_MAIN, b'{"version": 1, "tags": {"r:x": {"digest": 5}}}', id="bad-entry"),
        pytest.param(_LISTS, b"", id="lists-empty"),
        pytest.param(_LISTS, b'{"version": 1, "tag_lists": {', id="lists-truncated"),
        pytest.param(_LISTS, b"\xff\xfe not json", id="lists-binary"),
        pytest.param(_LISTS, b'{"version": 1, "tag_lists": []}', id="lists-not-a-mapping"),
        pytest.param(
            _LISTS, b'{"version": 1, "tag_lists": {"x": {"tags": "1.0", "at": 1}}}', id="lists-str"
        ),
        pytest.param(
            _LISTS, b'{"version": 1, "tag_lists": {"x": {"tags": [1], "at": 1}}}', id="lists-ints"
        ),
        pytest.param(
            _LISTS,
            b'{"version": 1, "tag_lists": {"x": {"tags": ["1"], "at": 1, "digests": [1]}}}',
            id="lists-digests-not-a-mapping",
        ),
    ],
)
def test_corrupt_file_is_empty_and_gets_repaired(tmp_path: Path, name: str, content: bytes) -> None:
    clock = Clock(1.0)  # entries written "at": 1 would be fresh
    (tmp_path / name).write_bytes(content)
    cache = Cache(tmp_path, clock=clock)
    assert cache.tag_digest("r", "x") is None
    assert cache.tag_list("x") is None
    cache.put_tag_digest("r", "y", DIGEST, None)
    cache.put_tag_list("r2", ["1.0"], {"1.0": DIGEST})
    cache.save()
    again = Cache(tmp_path, clock=clock)
    assert again.tag_digest("r", "y") == (DIGEST, None)
    assert again.tag_list("r2") == (["1.0"], {"1.0": DIGEST})


def test_save_merges_what_another_run_wrote(tmp_path: Path) -> None:
    first = Cache(tmp_path)
    second = Cache(tmp_path)  # both loaded before either saved
    first.put_tag_digest("r", "a", DIGEST, None)
    second.put_tag_digest("r", "b", OTHER, None)
    first.save()
    second.save()
    merged = Cache(tmp_path)
    assert merged.tag_digest("r", "a") == (DIGEST, None)
    assert merged.tag_digest("r", "b") == (OTHER, None)


def test_racing_writers_never_leave_a_torn_file(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                cache = Cache(tmp_path)
                cache.put_tag_digest("r", f"t{n}-{i}", DIGEST, None)
                cache.save()
                json.loads((tmp_path / "registry.json").read_bytes())
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    data = json.loads((tmp_path / "registry.json").read_bytes())
    assert data["version"] == 1
    # Nothing left behind by the atomic writes.
    assert [p.name for p in tmp_path.iterdir()] == ["registry.json"]
    # Racing runs may drop each other's newest entries (last writer wins); that only
    # costs a request next time.  What must hold is a readable file.
    assert data["tags"]


def test_memory_only_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = Cache(None)
    cache.put_tag_digest("r", "a", DIGEST, None)
    assert cache.tag_digest("r", "a") == (DIGEST, None)
    cache.save()
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_does_not_fail(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = Cache(blocker / "sub")  # a directory that cannot be created
    cache.put_tag_digest("r", "a", DIGEST, None)
    cache.save()  # no exception
    assert not (blocker / "sub").exists()


def test_file_holds_only_names_tags_and_digests(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put_tag_digest("h/r", "a", DIGEST, "m")
    cache.put_tag_list("h/r", ["a"], {})
    cache.put_digest_fact("h/r", DIGEST, exists=True, platforms=[[OTHER, "m", "linux/amd64"]])
    cache.put_seen_version("h/r", "latest", "1.2.3")
    cache.save()
    data = json.loads((tmp_path / "registry.json").read_text())
    assert set(data) == {"version", "tags", "digests", "versions"}
    assert set(data["versions"]["h/r:latest"]) == {"version", "at"}
    lists = json.loads((tmp_path / "registry-lists.json").read_text())
    assert lists == {
        "version": 1,
        "tag_lists": {"h/r": {"tags": ["a"], "at": lists["tag_lists"]["h/r"]["at"]}},
    }


def _two_files(tmp_path: Path) -> Cache:
    cache = Cache(tmp_path)
    cache.put_tag_digest("h/r", "latest", DIGEST, None)
    cache.put_tag_list("h/r", ["1.0.0", "latest"], {})
    cache.save()
    return cache


def test_tag_lists_are_read_only_when_a_listing_is_asked_for(tmp_path: Path) -> None:
    # The lists are the bulk of the cache (thousands of tags per repository): a run that
    # checks pins reads registry.json alone.
    _two_files(tmp_path)
    cache = Cache(tmp_path)
    (tmp_path / "registry-lists.json").write_text("not read yet")
    assert cache.tag_digest("h/r", "latest") == (DIGEST, None)
    assert cache.tag_list("h/r") is None  # read now: the file is no JSON any more
    assert Cache(tmp_path).tag_list("h/r") is None
    _two_files(tmp_path)
    assert Cache(tmp_path).tag_list("h/r") == (["1.0.0", "latest"], {})


def test_each_file_merges_what_another_run_wrote(tmp_path: Path) -> None:
    first = Cache(tmp_path)
    second = Cache(tmp_path)
    first.put_tag_list("h/a", ["1"], {})
    second.put_tag_list("h/b", ["2"], {})
    second.put_tag_digest("h/b", "2", OTHER, None)
    first.save()
    second.save()
    merged = Cache(tmp_path)
    assert merged.tag_list("h/a") == (["1"], {})
    assert merged.tag_list("h/b") == (["2"], {})
    assert merged.tag_digest("h/b", "2") == (OTHER, None)


def test_a_run_that_learnt_no_listing_leaves_the_lists_file_alone(tmp_path: Path) -> None:
    _two_files(tmp_path)
    before = (tmp_path / "registry-lists.json").stat().st_ino  # a new file on each save
    cache = Cache(tmp_path)
    cache.put_tag_digest("h/r", "1.0.0", OTHER, None)
    cache.save()
    assert (tmp_path / "registry-lists.json").stat().st_ino == before
    assert Cache(tmp_path).tag_digest("h/r", "1.0.0") == (OTHER, None)


def test_lists_in_registry_json_of_an_older_version_are_dropped(tmp_path: Path) -> None:
    # Once one file: its tag lists are asked for again (they expire within the TTL).
    now = time.time()
    old = {
        "version": 1,
        "tags": {"h/r:latest": {"digest": DIGEST, "at": now}},
        "tag_lists": {"h/r": {"tags": ["1.0.0", "latest"], "at": now}},
        "digests": {},
        "versions": {},
    }
    (tmp_path / "registry.json").write_text(json.dumps(old))
    cache = Cache(tmp_path)
    assert cache.tag_digest("h/r", "latest") == (DIGEST, None)
    assert cache.tag_list("h/r") is None
    cache.put_tag_digest("h/r", "1.0.0", OTHER, None)
    cache.save()
    assert "tag_lists" not in json.loads((tmp_path / "registry.json").read_text())


def test_seen_versions_never_expire_and_bad_entries_are_dropped(tmp_path: Path) -> None:
    now = [1000.0]
    cache = Cache(tmp_path, ttl=1, clock=lambda: now[0])
    cache.put_seen_version("h/r", "latest", "1.28.0")
    cache.save()
    now[0] += 10**6  # far past the TTL: the memory of a version is kept for good
    assert Cache(tmp_path, ttl=1, clock=lambda: now[0]).seen_version("h/r", "latest") == (
        "1.28.0",
        1000.0,
    )
    data = json.loads((tmp_path / "registry.json").read_text())
    data["versions"]["h/r:bad"] = {"version": 3, "at": 1}
    # Hostile values never reach PIN104's message: not a tag, or too long.
    data["versions"]["h/r:esc"] = {"version": "1.2.3\x1b[2J", "at": 1}
    data["versions"]["h/r:long"] = {"version": "1" * 129, "at": 1}
    (tmp_path / "registry.json").write_text(json.dumps(data))
    for tag in ("bad", "esc", "long"):
        assert Cache(tmp_path).seen_version("h/r", tag) is None


WEEK = 7 * 24 * 3600


def test_expired_tag_facts_leave_the_files_a_week_later(tmp_path: Path) -> None:
    # Else the files grow with every tag and listing ever asked about (a Docker Hub
    # listing is ~300 KB), and every run reads them.
    clock = Clock()
    cache = Cache(tmp_path, ttl=60, clock=clock)
    for name in ("old", "recent"):
        cache.put_tag_digest("h/" + name, "latest", DIGEST, None)
        cache.put_tag_list("h/" + name, ["1.0"], {})
        cache.put_digest_fact("h/" + name, DIGEST, exists=True)
        cache.put_seen_version("h/" + name, "latest", "1.0")
        cache.save()
        clock.now += WEEK - 10
    # "old" is now two weeks old (less 20 s), "recent" 10 s short of a week.
    later = Cache(tmp_path, ttl=60, clock=clock)
    later.put_tag_digest("h/new", "latest", OTHER, None)
    later.put_tag_list("h/new", ["2.0"], {})
    later.save()
    data = json.loads((tmp_path / "registry.json").read_text())
    lists = json.loads((tmp_path / "registry-lists.json").read_text())
    assert sorted(data["tags"]) == ["h/new:latest", "h/recent:latest"]
    assert sorted(lists["tag_lists"]) == ["h/new", "h/recent"]
    # Digest facts and the versions seen (PIN104's memory) are kept for good.
    assert sorted(data["digests"]) == [f"h/old@{DIGEST}", f"h/recent@{DIGEST}"]
    assert sorted(data["versions"]) == ["h/old:latest", "h/recent:latest"]


def test_a_ttl_longer_than_a_week_keeps_them_that_long(tmp_path: Path) -> None:
    clock = Clock()
    month = 30 * 24 * 3600
    cache = Cache(tmp_path, ttl=month, clock=clock)
    cache.put_tag_digest("h/r", "latest", DIGEST, None)
    cache.save()
    clock.now += 2 * WEEK
    again = Cache(tmp_path, ttl=month, clock=clock)
    assert again.tag_digest("h/r", "latest") == (DIGEST, None)
    again.put_tag_digest("h/r", "1.0", OTHER, None)
    again.save()
    assert Cache(tmp_path, ttl=month, clock=clock).tag_digest("h/r", "latest") == (DIGEST, None)


def test_tag_facts_dated_in_the_future_are_dropped(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, clock=clock)
    cache.put_tag_digest("h/r", "latest", DIGEST, None)
    cache.save()
    clock.now -= 3600  # the clock set back: the entry is an hour ahead, never fresh
    back = Cache(tmp_path, clock=clock)
    assert back.tag_digest("h/r", "latest") is None
    back.put_tag_digest("h/r", "1.0", OTHER, None)
    back.save()
    assert sorted(json.loads((tmp_path / "registry.json").read_text())["tags"]) == ["h/r:1.0"]
