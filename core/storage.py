"""Writes that cannot leave a half-written file or lose an entry: the one helper every store uses.

Files are written to a uniquely named temporary file in the same folder and renamed over the target
(``atomic_write``). Folders (a stored model, an imported dataset) are built in a hidden staging folder
and published under a lock (``publish``): without ``replace`` an existing entry is never touched and the
second of two concurrent writers gets ``FileExistsError``; with ``replace`` the old entry is exchanged
atomically (Linux ``renameat2``), so a reader sees the old or the new entry, never none. Hidden staging
folders left by a killed process are removed by ``sweep``.
"""

import contextlib
import ctypes
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STAGING_PREFIX = "."  # hidden entries of a store are staging or trash, never a user's entry
_RENAME_EXCHANGE = 2


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f"{STAGING_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True))


def staging_folder(root: Path, name: str) -> Path:
    """A new hidden folder in ``root`` to build an entry in before ``publish``."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}.", dir=root))


@contextlib.contextmanager
def locked(root: Path, name: str) -> Iterator[None]:
    """An exclusive lock on the entry ``name`` of ``root``, shared by threads and processes (flock).

    Lock files live beside ``root`` (in ``.locks``), so a store folder holds nothing but its entries."""
    folder = root.parent / f"{STAGING_PREFIX}locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{root.name}-{name}", "a+b") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def publish(staging: Path, final: Path, replace: bool) -> None:
    """Move the finished ``staging`` folder to ``final``; ``FileExistsError`` if it exists and not ``replace``."""
    with locked(final.parent, final.name):
        if not final.exists():
            os.replace(staging, final)
            return
        if not replace:
            raise FileExistsError(final.name)
        if _exchange(staging, final):
            shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old entry
            return
        trash = final.with_name(f"{STAGING_PREFIX}trash-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, trash)
        os.replace(staging, final)
        shutil.rmtree(trash, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    return renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE) == 0


def sweep(root: Path, older_than_seconds: float = 3600.0) -> int:
    """Remove hidden staging, temporary and trash entries of ``root`` older than the given age; how many."""
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in root.iterdir():
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        try:
            if entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def sweep_stores() -> int:
    """At start: leftovers of killed saves in the model store and the imported datasets."""
    from core import paths

    return sum(sweep(root) for root in (paths.models_dir(), paths.imported_datasets_dir()))
