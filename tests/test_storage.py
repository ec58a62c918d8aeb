"""Atomic writes and publishing: no half-written file, no lost entry, the second writer told."""

import os

import pytest

from core.storage import atomic_write, publish, staging_folder


def test_an_atomic_write_leaves_no_temporary_file_even_when_it_fails(tmp_path):
    target = tmp_path / "out.json"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_text() == "second" and os.listdir(tmp_path) == ["out.json"]
    with pytest.raises(TypeError):
        atomic_write(target, 3)  # type: ignore[arg-type]
    assert target.read_text() == "second" and os.listdir(tmp_path) == ["out.json"]


def test_publish_never_replaces_unless_asked_and_swaps_atomically(tmp_path):
    root = tmp_path / "store"
    first = staging_folder(root, "entry")
    (first / "v").write_text("1")
    publish(first, root / "entry", replace=False)
    second = staging_folder(root, "entry")
    (second / "v").write_text("2")
    with pytest.raises(FileExistsError):
        publish(second, root / "entry", replace=False)
    assert (root / "entry" / "v").read_text() == "1"
    publish(second, root / "entry", replace=True)
    assert (root / "entry" / "v").read_text() == "2"
    assert sorted(os.listdir(root)) == ["entry"]
