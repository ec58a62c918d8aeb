"""Read a user's zip without trusting it: member names, links, nesting, count and sizes are checked
before a byte is decompressed, and each member is read through a size cap.

Nothing is extracted to disk; callers get the members' bytes.
"""

import io
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import InputError
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.sniff import HEAD_BYTES, sniff

NESTED_ARCHIVES = ("zip", "gzip")
NESTED_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")


class UnsafeArchive(InputError):
    """The archive as a whole is refused (not one member skipped): bombs, escapes, links, nesting."""


@dataclass(frozen=True)
class Member:
    parts: tuple[str, ...]  # the member's path inside the archive, split into safe names
    size: int
    info: zipfile.ZipInfo

    @property
    def path(self) -> str:
        return "/".join(self.parts)


class SafeZip:
    """A checked zip: ``members`` are the files it holds, ``read(member)`` their bytes within the caps."""

    def __init__(self, source: bytes | Path, limits: Limits = LIMITS, strict_names: bool = False) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise InputError(f"This is not a readable zip archive ({error}); create it again and retry.") from error
        if len(infos) > limits.max_archive_members:
            raise UnsafeArchive(
                f"The archive lists {len(infos):,} entries; the limit is {limits.max_archive_members:,}."
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_archive_bytes:
            raise UnsafeArchive(
                f"The archive would unpack to {human_bytes(declared)}; the limit is "
                f"{human_bytes(limits.max_archive_bytes)}."
            )
        self.members = [member for info in infos if (member := _checked(info, limits, strict_names)) is not None]
        check_unique([info.filename for info in infos])

    def read(self, member: Member) -> bytes:
        """The member's bytes; a member that inflates beyond its declared size is refused mid-stream."""
        try:
            with self._zip.open(member.info) as handle:
                data = handle.read(member.size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
            raise InputError(f"{member.path} in the archive is damaged ({error}).") from error
        except RuntimeError as error:  # encrypted members
            raise InputError(f"{member.path} in the archive is encrypted; MedLens reads plain zips only.") from error
        if len(data) > member.size:
            raise UnsafeArchive(f"{member.path} in the archive unpacks to more than it declares; refusing the archive.")
        if sniff(data[:HEAD_BYTES]) in NESTED_ARCHIVES:
            raise UnsafeArchive(
                f"{member.path} is an archive inside the archive; unpack it first, MedLens reads one level."
            )
        return data

    def open(self, member: Member):
        """A stream of the member's bytes, for readers that need only its start."""
        return self._zip.open(member.info)

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def safe_parts(name: str) -> tuple[str, ...]:
    """The parts of a relative path from an archive or a folder upload; refuses names that could escape."""
    if "\x00" in name or "\\" in name:
        raise UnsafeArchive(f"The entry {name!r} has a malformed name; refusing the upload.")
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"The entry {name!r} has an absolute path; refusing the upload.")
    if ".." in path.parts:
        raise UnsafeArchive(f"The entry {name!r} points outside the archive (..); refusing the upload.")
    if name.lower().endswith(NESTED_SUFFIXES):
        raise UnsafeArchive(f"{name} is an archive inside the archive; unpack it first, MedLens reads one level.")
    return tuple(part for part in path.parts if part not in ("", "."))


def check_unique(names: list[str]) -> None:
    """Refuse two entries that are one file to a reader that normalises or ignores case.

    A checker and a loader that resolve names differently would otherwise read different members
    (``config.json`` and ``./config.json``; ``Config.json`` on a case-insensitive disk).
    """
    seen: set[str] = set()
    for name in names:
        key = unicodedata.normalize("NFC", "/".join(safe_parts(name.rstrip("/") or "."))).casefold()
        if key in seen:
            raise UnsafeArchive(f"The entry {name[:80]!r} appears twice under two spellings; refusing the upload.")
        seen.add(key)


def _checked(info: zipfile.ZipInfo, limits: Limits, strict_names: bool) -> Member | None:
    """The member for a regular file, None for a folder entry; refuses every unsafe kind of entry.

    ``strict_names``: a name must already be in its plain form (no ``./``, ``//`` or trailing dots).
    """
    name = info.filename
    parts = safe_parts(name.rstrip("/") or ".")
    if strict_names and name.rstrip("/") != "/".join(parts):
        raise UnsafeArchive(f"The entry {name[:80]!r} is not written in its plain form; refusing the archive.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchive(f"The archive entry {name!r} is a symbolic link; refusing the archive.")
    if info.is_dir():
        return None
    if info.compress_size and info.file_size / info.compress_size > limits.max_compression_ratio:
        raise UnsafeArchive(
            f"{name} in the archive expands {info.file_size / info.compress_size:,.0f} times (a zip bomb?); "
            "refusing the archive."
        )
    return Member(parts, info.file_size, info) if parts else None
