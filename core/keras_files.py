"""Keras v3 model files: the one place ``.keras`` archives are written, read (always in safe mode) and hashed.

A base module, below ``models`` and ``inputs``, so the sandboxed model probe and the model store load
files the same way without one layer importing the other.
"""

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from core.errors import ModelError
from core.text import one_line


def save_keras(model, path: Path) -> None:
    """Write the Keras v3 zip format, whatever thread this runs on.

    tf-keras decides the format of a ``.keras`` path from a thread-local flag that its own
    save/load restore to False in threads where TensorFlow was not imported; a second save from
    such a thread (a Streamlit script thread, a background job) would silently write HDF5.
    """
    model.save(path, save_format="keras_v3")


def load_keras_file(path: Path):
    """Load a ``.keras`` archive with ``safe_mode=True``; any failure becomes one clear ``ModelError``."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelError(f"{path.name}: only .keras model files are accepted (.h5 and SavedModel can run hidden code).")
    if not path.is_file():
        raise ModelError(f"Model file {path} does not exist.")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path.name} is not a valid .keras file (it is not a Keras zip archive); it may be damaged.")
    from tensorflow import keras

    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for a damaged archive
        raise ModelError(f"{path.name} could not be loaded safely: {one_line(error)}") from error


def model_hash(model) -> str:
    """A content hash of architecture and weights: the cache key of a model."""
    digest = hashlib.sha256(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()[:20]
