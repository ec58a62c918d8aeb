"""Per-session upload folders: private, random names, removed with the session."""

import gc
import os
import time

from core.inputs.session_space import UploadSpace, root, sweep_stale


def test_files_get_random_names_and_vanish_when_closed():
    space = UploadSpace()
    path = space.write(b"data", ".keras")
    assert path.parent == space.path and path.suffix == ".keras" and path.read_bytes() == b"data"
    assert space.write(b"x", "/../evil").suffix == ""
    space.close()
    assert not space.path.exists() and space.closed


def test_a_dropped_session_takes_its_folder_with_it():
    space = UploadSpace()
    folder = space.path
    space.write(b"data")
    del space
    gc.collect()
    assert not folder.exists()


def test_two_sessions_never_share_a_folder():
    first, second = UploadSpace(), UploadSpace()
    assert first.path != second.path and first.id != second.id
    assert first.files() == [] and second.files() == []


def test_folders_left_by_a_killed_server_are_swept():
    space = UploadSpace()
    old = time.time() - 2 * 24 * 3600
    os.utime(space.path, (old, old))
    assert sweep_stale() == 1 and not space.path.exists()
    assert root().is_dir()
