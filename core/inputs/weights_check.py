"""The weights file of a ``.keras`` upload, walked from memory before anything loads it.

``model.weights.h5`` is an HDF5 file, and HDF5 can point outside itself: a dataset with *external storage* (a file
name instead of bytes) made the server read any file it could (other users' models, ``/proc/self/environ``) into
stored weights, which a TFLite export then offered for download; external links and virtual datasets point
elsewhere too. A chunked dataset may also declare far more than it holds (a 1.9 KB file stored as 301 MB of
weights). So every object is checked here, on the bytes in memory, and refused unless it is a hard link to a
plain group or a numeric dataset whose bytes are inside the file, with known filters, near its declared size, and
the whole file within the parameter cap.
"""

import io

from core.errors import InputError
from core.inputs.limits import LIMITS, Limits

NUMERIC_KINDS = frozenset("fiub")  # float, signed, unsigned, bool
FILTERS = frozenset({1, 2, 3})  # deflate, shuffle, Fletcher-32: what h5py writes
MAX_EXPANSION = 50
"""A dataset may declare at most this many times the bytes it stores (compressed weights shrink a few times;
a declared-but-unwritten weight bomb, thousands)."""


def check_weights(data: bytes, file_name: str, limits: Limits = LIMITS) -> int:
    """The number of weights in the file; refuses anything but numeric datasets held inside it."""
    import h5py

    try:
        handle = h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError) as error:
        raise InputError(f"{file_name}'s weights are not a readable HDF5 file ({type(error).__name__}).") from error
    with handle:
        return _walk(handle, "", file_name, limits, [0])


def _walk(group, path: str, file_name: str, limits: Limits, total: list[int]) -> int:
    import h5py

    for name in group:
        where = f"{path}/{name}"
        link = group.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise InputError(f"{file_name}'s weights hold a link to elsewhere ({type(link).__name__}); refusing it.")
        item = group[name]
        if isinstance(item, h5py.Group):
            _walk(item, where, file_name, limits, total)
            continue
        if not isinstance(item, h5py.Dataset):
            raise InputError(f"{file_name}'s weights hold an object that is not a group or a dataset; refusing it.")
        total[0] += _check_dataset(item, file_name)
        if total[0] > limits.max_model_params:
            raise InputError(
                f"{file_name} holds more than {limits.max_model_params:,} weights; MedLens takes models up to that "
                "size (its own have about 140,000)."
            )
    return total[0]


def _check_dataset(dataset, file_name: str) -> int:
    if dataset.external:
        raise InputError(f"{file_name}'s weights name a file outside the model (HDF5 external storage); refusing it.")
    if dataset.is_virtual:
        raise InputError(f"{file_name}'s weights are a view of other files (an HDF5 virtual dataset); refusing it.")
    if dataset.dtype.kind not in NUMERIC_KINDS or dataset.dtype.fields is not None:
        raise InputError(f"{file_name}'s weights hold a dataset of type {dataset.dtype}, not numbers; refusing it.")
    plist = dataset.id.get_create_plist()
    codes = {plist.get_filter(index)[0] for index in range(plist.get_nfilters())}
    if codes - FILTERS:
        raise InputError(f"{file_name}'s weights use an HDF5 filter MedLens does not read; refusing it.")
    declared = int(dataset.size) * dataset.dtype.itemsize
    stored = int(dataset.id.get_storage_size())
    if declared and stored * MAX_EXPANSION < declared:
        raise InputError(
            f"{file_name}'s weights declare {declared:,} bytes but hold {stored:,}: a file that would swell when "
            "loaded; refusing it."
        )
    return int(dataset.size)
