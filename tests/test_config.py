from __future__ import annotations

import os
from pathlib import Path

import pytest

from pinlint import config


def _write(path: str, text: str) -> str:
    with open(path, "w") as f:
        f.write(text)
    return path


def test_pyproject_table(tmp_path: os.PathLike[str]) -> None:
    path = _write(
        os.path.join(tmp_path, "pyproject.toml"),
        '[project]\nname = "x"\n[tool.pinlint]\nselect = ["PIN0"]\nrequire-digest = true\n'
        'allow = ["mycorp/*:dev"]\npin-style = "digest"\ncache-ttl = 60\n'
        'registry-mirrors = {"docker.io" = "https://mirror.example"}\n',
    )
    cfg = config.load(path)
    assert cfg.select == ["PIN0"]
    assert cfg.require_digest is True
    assert cfg.allow == ["mycorp/*:dev"]
    assert cfg.pin_style == "digest"
    assert cfg.cache_ttl == 60.0
    assert cfg.registry_mirrors == {"docker.io": "https://mirror.example"}


def test_found_walking_up(tmp_path: os.PathLike[str]) -> None:
    _write(os.path.join(tmp_path, "pyproject.toml"), '[project]\nname = "x"\n')
    own = _write(os.path.join(tmp_path, ".pinlint.toml"), "ignore = []\n")
    sub = os.path.join(tmp_path, "a", "b")
    os.makedirs(sub)
    assert config.find_config(sub) == own


def test_pyproject_without_table_is_skipped(tmp_path: os.PathLike[str]) -> None:
    inner = os.path.join(tmp_path, "inner")
    os.makedirs(inner)
    _write(os.path.join(inner, "pyproject.toml"), '[project]\nname = "x"\n')
    outer = _write(os.path.join(tmp_path, "pyproject.toml"), "[tool.pinlint]\nignore = []\n")
    assert config.find_config(inner) == outer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("colour = true\n", "unknown setting 'colour'", id="unknown-key"),
        pytest.param("require-digest = 1\n", "require-digest must be true or false", id="bool"),
        pytest.param('select = "PIN001"\n', "select must be a list of strings", id="list"),
        pytest.param('pin-style = "sha"\n', "pin-style must be one of", id="pin-style"),
        pytest.param("concurrency = 0\n", "concurrency must be a whole number", id="int"),
        pytest.param("select = [\n", "invalid TOML", id="toml"),
    ],
)
def test_bad_settings(tmp_path: os.PathLike[str], text: str, message: str) -> None:
    path = _write(os.path.join(tmp_path, ".pinlint.toml"), text)
    with pytest.raises(config.ConfigError, match=message) as info:
        config.load(path)
    assert str(info.value).startswith(path)
    assert "\n" not in str(info.value)


def test_find_config_with_a_cache_gives_the_same_answers(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".pinlint.toml").write_text("")
    (tmp_path / "b" / "deep" / "er").mkdir(parents=True)
    (tmp_path / "b" / ".pinlint.toml").write_text("")
    (tmp_path / "a" / "x").mkdir(parents=True)
    directories = [tmp_path / "a" / "x", tmp_path / "b" / "deep" / "er", tmp_path / "a", tmp_path]
    cache: dict[str, str | None] = {}
    for directory in directories + directories:  # the second round answers from the cache
        assert config.find_config(str(directory), cache) == config.find_config(str(directory))
    assert cache[str(tmp_path / "b" / "deep")] == str(tmp_path / "b" / ".pinlint.toml")
    assert cache[str(tmp_path / "a")] == str(tmp_path / ".pinlint.toml")


def test_find_config_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One entry per directory of a tree otherwise: a run over tens of thousands of
    # directories must not keep them all.  The answers stay those without a cache.
    monkeypatch.setattr(config, "_FIND_CACHE", 8)
    (tmp_path / ".git").mkdir()
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / ".pinlint.toml").write_text("")
    directories = []
    for top in ("own", "other"):
        for i in range(20):
            (tmp_path / top / str(i) / "d").mkdir(parents=True)
            directories.append(tmp_path / top / str(i) / "d")
    cache: dict[str, str | None] = {}
    for directory in directories + directories:
        assert config.find_config(str(directory), cache) == config.find_config(str(directory))
        # At most the bound, and the directories of one walk up (the file's, its parents).
        assert len(cache) <= 8 + 4
