"""Fetch an official dataset file, verify its MD5 and move it into place atomically.

The file is streamed into a temporary name beside its destination and renamed only
after the checksum matches, so an interrupted or corrupted download never leaves a
file that a later run could mistake for a good one.
"""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.errors import DatasetError

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None when the server does not say)."""

CHUNK = 1 << 20


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, destination: Path, md5: str, progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``destination`` if its MD5 is ``md5``; raise ``DatasetError`` otherwise."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    temp = Path(temp_name)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total_bytes = int(total) if total and total.isdigit() else None
            done = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total_bytes)
        if digest.hexdigest() != md5:
            raise DatasetError(
                f"The download of {destination.name} is damaged (MD5 {digest.hexdigest()}, "
                f"expected {md5}); it was discarded. Try again later."
            )
        os.replace(temp, destination)
        return destination
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise DatasetError(f"Could not download {destination.name} from {url}: {error}.") from error
    finally:
        temp.unlink(missing_ok=True)
