"""games.startup: a dataclass made inside kept_dataclass_code has the methods Python makes
without it, code object for code object, whether its texts were compiled now or read back; a
damaged, foreign or absent file changes nothing but the time; the block leaves dataclasses as
it found it."""

import dataclasses
import os
from pathlib import Path

import pytest

from games import startup


def _make(kind: str):
    """A fresh class (frozen or not, with defaults and a factory), as a module would make it."""
    namespace: dict = {}
    exec(  # noqa: S102 - a class defined as a module defines it
        "import dataclasses\n"
        f"@dataclasses.dataclass(frozen={kind == 'frozen'}, order=True)\n"
        "class Thing:\n"
        "    name: str\n"
        "    size: float = 1.0\n"
        "    tags: tuple = dataclasses.field(default_factory=tuple)\n", namespace)
    return namespace["Thing"]


def _methods(cls) -> dict:
    return {name: value.__code__ for name, value in vars(cls).items()
            if callable(value) and hasattr(value, "__code__")}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("kind", ["frozen", "plain"])
def test_the_methods_are_pythons_whether_compiled_now_or_read_back(folder, kind):
    plain = _methods(_make(kind))
    with startup.kept_dataclass_code():  # nothing kept yet: compiled, then written
        first = _make(kind)
    assert len(list(folder.glob("dataclass-code.*.marshal"))) == 1
    with startup.kept_dataclass_code():  # read back
        second = _make(kind)
    assert _methods(first) == plain and _methods(second) == plain
    thing = second("a", 2.0)
    assert thing == second("a", 2.0) and thing < second("b") and thing.tags == ()
    assert repr(thing) == "Thing(name='a', size=2.0, tags=())"
    if kind == "frozen":
        with pytest.raises(dataclasses.FrozenInstanceError):
            thing.size = 3.0
        assert hash(thing) == hash(second("a", 2.0))


def test_the_block_leaves_dataclasses_as_it_found_it(folder):
    assert "exec" not in vars(dataclasses)
    with pytest.raises(RuntimeError):
        with startup.kept_dataclass_code():
            assert "exec" in vars(dataclasses)
            with startup.kept_dataclass_code():  # nested: the outer block's stays
                _make("frozen")
            assert "exec" in vars(dataclasses)
            raise RuntimeError
    assert "exec" not in vars(dataclasses)


@pytest.mark.parametrize("damage", [b"", b"not marshal", b"\x00" * 40])
def test_a_damaged_file_is_ignored_and_written_again(folder, damage):
    with startup.kept_dataclass_code():
        _make("frozen")
    (path,) = folder.glob("dataclass-code.*.marshal")
    path.write_bytes(damage)
    with startup.kept_dataclass_code():
        made = _make("frozen")
    assert _methods(made) == _methods(_make("frozen"))
    assert startup._read(path)  # whole again


def test_a_file_of_other_values_is_ignored(folder):
    import marshal

    with startup.kept_dataclass_code():
        _make("plain")
    (path,) = folder.glob("dataclass-code.*.marshal")
    path.write_bytes(marshal.dumps({"def f(): pass": "not code"}))
    assert startup._read(path) == {}


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="no owners here")
def test_a_file_of_another_user_is_not_read(folder, monkeypatch):
    with startup.kept_dataclass_code():
        _make("plain")
    (path,) = folder.glob("dataclass-code.*.marshal")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(path).st_uid + 1)
    assert startup._read(path) == {}


def test_with_the_cache_off_nothing_changes(monkeypatch, tmp_path):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    with startup.kept_dataclass_code():
        assert "exec" not in vars(dataclasses)
        _make("frozen")
    assert list(Path(tmp_path).iterdir()) == []


def test_the_file_is_bounded(folder, monkeypatch):
    monkeypatch.setattr(startup, "MAX_KEPT_TEXTS", 2)
    with startup.kept_dataclass_code():
        _make("frozen")  # five or six method texts, two kept
    (path,) = folder.glob("dataclass-code.*.marshal")
    assert len(startup._read(path)) == 2


def test_the_file_is_counted_and_trimmed_with_the_cache(folder):
    from games import expression_cache

    with startup.kept_dataclass_code():
        _make("plain")
    (path,) = folder.glob("dataclass-code.*.marshal")
    size = path.stat().st_size
    assert expression_cache.trim(folder, most=1) >= size and not path.exists()
