"""A private temporary folder per browser session for uploaded files that must exist on disk (models).

Removed when the session's ``UploadSpace`` is garbage-collected (Streamlit drops a session's state
when it ends), when ``close`` is called, or at interpreter exit; folders left by a killed server
are swept at the next start. Nothing here is under ``MEDLENS_HOME``.
"""

import os
import re
import shutil
import tempfile
import time
import uuid
import weakref
from pathlib import Path

from core.storage import atomic_write

PREFIX = "medlens-session-"
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def root() -> Path:
    """Where session folders live: ``MEDLENS_TMP`` or the system temporary folder."""
    return Path(os.environ.get("MEDLENS_TMP") or tempfile.gettempdir())


class UploadSpace:
    def __init__(self) -> None:
        root().mkdir(parents=True, exist_ok=True)
        self.id = uuid.uuid4().hex
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{self.id[:8]}-", dir=root()))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def write(self, data: bytes, suffix: str = "") -> Path:
        """Store ``data`` under a random name (the user's file name is never used on disk)."""
        suffix = suffix.lower() if _SUFFIX.match(suffix.lower()) else ""
        target = self.path / f"{uuid.uuid4().hex}{suffix}"
        atomic_write(target, data)
        return target

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if not p.name.startswith(".")) if self.path.exists() else []

    def close(self) -> None:
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def sweep_stale(max_age_seconds: float = 24 * 3600) -> int:
    """Remove session folders older than ``max_age_seconds`` (left by a server that was killed)."""
    removed = 0
    cutoff = time.time() - max_age_seconds
    for folder in root().glob(f"{PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed
