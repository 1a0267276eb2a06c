"""The fixer's edits for references written in parts (``Occurrence.split``): spans only,
whatever the format."""

from __future__ import annotations

import pickle

import pytest

from pinlint.fix import Edit, _planned, apply_edits
from pinlint.model import Occurrence, Split

D = "sha256:" + "ab" * 32


def _occ(text: str, tag: str, image: str, split: Split) -> Occurrence:
    start = text.index(tag)
    return Occurrence("v.yaml", start, start + len(tag), 1, start + 1, tag, image, "c", split=split)


TEXT = 'repository: nginx\ntag: latest\ndigest: ""\n'
SLOT = (TEXT.index('""') + 1,) * 2


@pytest.mark.parametrize(
    ("split", "suggestion", "after", "image"),
    [
        pytest.param(
            Split("nginx", SLOT),
            f"nginx:1.27.3@{D}",
            f'repository: nginx\ntag: 1.27.3\ndigest: "{D}"\n',
            f"nginx:1.27.3@{D}",
            id="digest-slot",
        ),
        pytest.param(
            Split("nginx", SLOT, "{hex}"),
            f"nginx:1.27.3@{D}",
            f'repository: nginx\ntag: 1.27.3\ndigest: "{D[7:]}"\n',
            f"nginx:1.27.3@{D}",
            id="hex-slot",
        ),
        pytest.param(
            Split("nginx"),
            f"nginx:1.27.3@{D}",
            f'repository: nginx\ntag: 1.27.3@{D}\ndigest: ""\n',
            f"nginx:1.27.3@{D}",
            id="after-the-tag",
        ),
        pytest.param(
            Split("nginx", SLOT),
            f"nginx@{D}",
            f'repository: nginx\ntag: latest\ndigest: "{D}"\n',
            f"nginx:latest@{D}",
            id="pin-style-digest-keeps-the-tag",
        ),
        pytest.param(
            Split("nginx", SLOT),
            "nginx:1.27.3",
            'repository: nginx\ntag: 1.27.3\ndigest: ""\n',
            "nginx:1.27.3",
            id="pin-style-tag",
        ),
    ],
)
def test_split_edits(split: Split, suggestion: str, after: str, image: str) -> None:
    planned = _planned(_occ(TEXT, "latest", "nginx:latest", split), suggestion)
    assert not isinstance(planned, str)
    edits, expected = planned
    assert expected == image
    assert apply_edits(TEXT, edits) == after


def test_whole_reference_is_one_edit() -> None:
    text = "image: nginx:latest\n"
    occ = Occurrence("p.yaml", 7, 19, 1, 8, "nginx:latest", "nginx:latest", "c")
    assert _planned(occ, "nginx:1.27.3") == ([Edit(7, 19, "nginx:1.27.3")], "nginx:1.27.3")
    assert text[7:19] == "nginx:latest"


def test_a_suggestion_for_another_repository_is_refused() -> None:
    occ = _occ(TEXT, "latest", "nginx:latest", Split("nginx", SLOT))
    assert isinstance(_planned(occ, f"evil.example/nginx:1.0.0@{D}"), str)


@pytest.mark.parametrize(
    ("slot", "after"),
    [
        pytest.param(False, f"repository: nginx\ntag: 1.27.3@{D}\npullPolicy: Always\n", id="tag"),
        pytest.param(
            True, f'repository: nginx\ntag: 1.27.3\ndigest: "{D}"\n', id="tag-and-digest-slot"
        ),
    ],
)
def test_an_empty_tag_is_written_after_its_colon(slot: bool, after: str) -> None:
    # ``tag:`` with no value (the chart's appVersion): the span is the point after the
    # colon, and the tag goes there with a space before it.
    text = "repository: nginx\ntag:\n" + ('digest: ""\n' if slot else "pullPolicy: Always\n")
    at = text.index("tag:") + 4
    digest = (text.index('""') + 1,) * 2 if slot else None
    occ = Occurrence(
        "v.yaml",
        at,
        at,
        2,
        5,
        "",
        "nginx:latest",
        "c",
        split=Split("nginx", digest, "{digest}", " {tag}"),
    )
    planned = _planned(occ, f"nginx:1.27.3@{D}")
    assert not isinstance(planned, str)
    edits, image = planned
    assert image == f"nginx:1.27.3@{D}"
    assert apply_edits(text, edits) == after


def test_a_split_crosses_processes_whole() -> None:
    # A parallel --fix run gets its occurrences from worker processes: every field of a
    # split comes back, or an empty ``tag:`` would be written as ``tag:1.27.3``.
    text = "image:\n  repository: nginx\n  tag:"
    split = Split("nginx", None, "{digest}", " {tag}")
    occ = Occurrence("v.yaml", len(text), len(text), 3, 7, "", "nginx", "c", split=split)
    back = pickle.loads(pickle.dumps(occ))
    assert back == occ
    assert back.split is not None
    assert back.split.tag_text == " {tag}"
    planned = _planned(back, f"nginx:1.27.3@{D}")
    assert not isinstance(planned, str)
    edits, _ = planned
    assert apply_edits(text, edits) == f"image:\n  repository: nginx\n  tag: 1.27.3@{D}"


SUFFIXED = 'repository: gcr.io/datadoghq/agent\ntag: "7.60"\ntagSuffix: jmx\n'


def _suffixed(text: str, digest: tuple[int, int] | None = None) -> Occurrence:
    start = text.index("7.60")
    name = "gcr.io/datadoghq/agent"
    split = Split(name, digest, suffix="-jmx")
    return Occurrence(
        "v.yaml", start, start + 4, 2, 7, "7.60", f"{name}:7.60-jmx", "c", split=split
    )


def test_a_tag_suffix_stays_out_of_the_tag_written() -> None:
    # A Helm chart with ``tagSuffix: jmx`` (DataDog's) reads tag "7.60.1" as 7.60.1-jmx:
    # the exact tag is written without the suffix; the digest has no place without a
    # digest field (it would come before the suffix), so only the tag is pinned.
    planned = _planned(_suffixed(SUFFIXED), f"gcr.io/datadoghq/agent:7.60.1-jmx@{D}")
    assert not isinstance(planned, str)
    edits, image = planned
    assert apply_edits(SUFFIXED, edits) == SUFFIXED.replace('"7.60"', '"7.60.1"')
    assert image == "gcr.io/datadoghq/agent:7.60.1-jmx"


def test_a_tag_suffix_with_a_digest_field() -> None:
    text = SUFFIXED + 'digest: ""\n'
    slot = (text.index('""', text.index("digest")) + 1,) * 2
    planned = _planned(_suffixed(text, slot), f"gcr.io/datadoghq/agent:7.60.1-jmx@{D}")
    assert not isinstance(planned, str)
    edits, image = planned
    assert apply_edits(text, edits) == SUFFIXED.replace('"7.60"', '"7.60.1"') + f'digest: "{D}"\n'
    assert image == f"gcr.io/datadoghq/agent:7.60.1-jmx@{D}"


def test_a_suggestion_without_the_suffix_is_not_written() -> None:
    planned = _planned(_suffixed(SUFFIXED), f"gcr.io/datadoghq/agent:7.60.1@{D}")
    assert (
        planned
        == 'the suggested tag "7.60.1" does not end with "-jmx", which is appended to the tag'
    )
