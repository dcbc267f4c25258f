"""The array cache: entries named by content hash, damaged ones remade, never used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tunelab.blackbox.repository import array_cache
from tunelab.blackbox.repository._fingerprints import file_sha256
from tunelab.blackbox.repository.array_cache import cached_array

KEY = "ab" * 32
SHAPE = (3, 2, 4, 1)


class Maker:
    """Makes the array, counting the calls (a call = the entry was not used)."""

    def __init__(self, offset: float = 0.0) -> None:
        self.calls = 0
        self.offset = offset

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.arange(24.0).reshape(SHAPE) + self.offset


def _entry(folder: Path, key: str = KEY) -> Path:
    return folder / f"{key}.npy"


def test_made_once_then_mapped_read_only(tmp_path: Path) -> None:
    make = Maker()
    first = cached_array(tmp_path, KEY, SHAPE, make)
    second = cached_array(tmp_path, KEY, SHAPE, make)
    assert make.calls == 1
    np.testing.assert_array_equal(second, np.arange(24.0).reshape(SHAPE))
    assert first.dtype == np.float64 and not second.flags.writeable
    record = json.loads((tmp_path / f"{KEY}.json").read_text())
    assert record["shape"] == list(SHAPE) and record["size"] == _entry(tmp_path).stat().st_size


def test_other_content_is_another_entry(tmp_path: Path) -> None:
    old, new = Maker(), Maker(offset=100.0)
    cached_array(tmp_path, KEY, SHAPE, old)
    values = cached_array(tmp_path, "cd" * 32, SHAPE, new)
    assert new.calls == 1 and values[0, 0, 0, 0] == 100.0


def _flip_a_byte_keeping_times(path: Path) -> None:
    status = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # same size, same mtime


def test_an_altered_entry_is_remade(tmp_path: Path) -> None:
    make = Maker()
    cached_array(tmp_path, KEY, SHAPE, make)
    _flip_a_byte_keeping_times(_entry(tmp_path))
    values = cached_array(tmp_path, KEY, SHAPE, make)
    assert make.calls == 2
    np.testing.assert_array_equal(values, np.arange(24.0).reshape(SHAPE))
    assert cached_array(tmp_path, KEY, SHAPE, make) is not None and make.calls == 2


@pytest.mark.parametrize("damage", ["truncate", "delete", "no-record", "bad-record", "shape"])
def test_a_damaged_entry_is_remade(tmp_path: Path, damage: str) -> None:
    make = Maker()
    cached_array(tmp_path, KEY, SHAPE, make)
    entry, record = _entry(tmp_path), tmp_path / f"{KEY}.json"
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:-8])
    elif damage == "delete":
        entry.unlink()
    elif damage == "no-record":
        record.unlink()
    elif damage == "bad-record":
        record.write_text("{not json")
    values = cached_array(tmp_path, KEY, (4, 6) if damage == "shape" else SHAPE, make)
    assert make.calls == 2
    assert values.size == 24


def test_an_entry_copied_elsewhere_is_hashed_again_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make = Maker()
    cached_array(tmp_path, KEY, SHAPE, make)
    hashed: list[Path] = []

    def counting(path: Path) -> str:
        hashed.append(path)
        return file_sha256(path)

    monkeypatch.setattr(array_cache, "file_sha256", counting)
    cached_array(tmp_path, KEY, SHAPE, make)
    assert hashed == []  # unchanged: its stamp is the recorded one
    entry = _entry(tmp_path)
    entry.write_bytes(entry.read_bytes())  # the same content, written again
    cached_array(tmp_path, KEY, SHAPE, make)
    cached_array(tmp_path, KEY, SHAPE, make)
    assert hashed == [entry] and make.calls == 1  # hashed once, its new stamp kept


def test_an_unwritable_cache_gives_the_values_uncached(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    make = Maker()
    values = cached_array(blocked / "cache", KEY, SHAPE, make)
    np.testing.assert_array_equal(values, np.arange(24.0).reshape(SHAPE))
    cached_array(blocked / "cache", KEY, SHAPE, make)
    assert make.calls == 2
