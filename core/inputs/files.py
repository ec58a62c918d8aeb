"""Read a user's file from disk within the byte limit, with one clear sentence for every failure."""

from pathlib import Path

from core.errors import InputError
from core.inputs.limits import LIMITS, Limits, human_bytes


def read_user_file(path: Path, limits: Limits = LIMITS) -> bytes:
    path = Path(path)
    try:
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if not path.is_file():
            raise InputError(f"{path} is not a regular file.")
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputError(f"{path.name} has {human_bytes(size)}; the limit is {human_bytes(limits.max_file_bytes)}.")
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path} cannot be read ({error.strerror or error}).") from error
