"""``model.Frozen``: what the frozen dataclasses it replaced gave, kept."""

from __future__ import annotations

import pickle

import pytest

from pinlint.fix import Edit
from pinlint.registry import NotFound
from pinlint.registry.types import ManifestInfo, TagListing
from pinlint.resolution import Resolution


def test_fields_are_set_once() -> None:
    res = Resolution("nginx:latest", tag="latest", exact=True)
    with pytest.raises(AttributeError, match="Resolution is immutable: cannot set digest"):
        res.digest = "sha256:" + "a" * 64
    assert (res.reference, res.tag, res.digest, res.exact, res.pinned_orphan) == (
        "nginx:latest",
        "latest",
        None,
        True,
        False,
    )


def test_replace_copies_with_some_fields_changed() -> None:
    res = Resolution("nginx:latest", tag="latest", digest="d")
    changed = res.replace(exact_tag="1.27.3", exact=True)
    assert (changed.exact_tag, changed.exact, changed.tag, changed.digest) == (
        "1.27.3",
        True,
        "latest",
        "d",
    )
    assert (res.exact_tag, res.exact) == (None, False)
    with pytest.raises(TypeError, match="Resolution has no field 'exactag'"):
        res.replace(exactag="1.27.3")


def test_equal_and_hashed_by_value() -> None:
    a = Resolution("x", tag="1", digest="d")
    assert a == Resolution("x", tag="1", digest="d")
    assert a != Resolution("x", tag="1", digest="e")
    assert hash(a) == hash(Resolution("x", tag="1", digest="d"))
    assert Edit(0, 1, "a") == Edit(0, 1, "a") != Edit(0, 1, "b")
    assert ManifestInfo("d", None) != Edit(0, 1, "a")


def test_pickled_between_processes_whole() -> None:
    # The second process of a large --resolve run sends its resolutions back pickled.
    res = Resolution("x", tag="1", pinned_orphan=True, tag_error=NotFound("h", "no tag 1"))
    back = pickle.loads(pickle.dumps(res, pickle.HIGHEST_PROTOCOL))
    assert back.replace(tag_error=None) == res.replace(tag_error=None)
    assert (type(back.tag_error), str(back.tag_error)) == (NotFound, str(res.tag_error))


def test_a_default_mapping_is_not_shared() -> None:
    first, second = TagListing(("1",)), TagListing(("2",))
    assert first.digests == {}
    assert first.digests is not second.digests
