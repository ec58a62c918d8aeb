"""What a file is, decided by its first bytes, never by its name."""

from collections.abc import Callable

from core.registry import Registry

FORMATS: Registry[Callable[[bytes], bool]] = Registry("file format")
# DICOM first: its 128-byte preamble may itself be a TIFF header (dual-format files).
FORMATS.add("dicom", "DICOM file (Part 10)")(lambda head: len(head) >= 132 and head[128:132] == b"DICM")
FORMATS.add("png", "PNG image")(lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
FORMATS.add("jpeg", "JPEG image")(lambda head: head.startswith(b"\xff\xd8\xff"))
FORMATS.add("tiff", "TIFF image")(lambda head: head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"))
FORMATS.add("zip", "zip archive")(lambda head: head.startswith((b"PK\x03\x04", b"PK\x05\x06")))
FORMATS.add("hdf5", "HDF5 file (.h5)")(lambda head: head.startswith(b"\x89HDF\r\n\x1a\n"))
FORMATS.add("pickle", "Python pickle")(lambda head: len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5)
FORMATS.add("npy", "NumPy array (.npy)")(lambda head: head.startswith(b"\x93NUMPY"))
FORMATS.add("gzip", "gzip archive")(lambda head: head.startswith(b"\x1f\x8b"))

HEAD_BYTES = 132


def sniff(head: bytes) -> str | None:
    """The registered format whose signature ``head`` (the first 132 bytes or more) carries, or None."""
    return next((entry.name for entry in FORMATS.entries() if entry.item(head)), None)


def describe(kind: str | None) -> str:
    return "a file of unknown kind" if kind is None else f"a {FORMATS.entry(kind).description}"
