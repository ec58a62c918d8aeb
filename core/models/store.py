"""The model store: ``MEDLENS_HOME/models/<id>/`` with ``model.keras`` (or, for a compressed model kept as
the file that was measured, ``model.tflite``) and ``meta.json``.

A model is written into a hidden temporary folder and renamed into place, so a crash
never leaves a half-saved entry. Loading always uses Keras safe mode, which refuses
to deserialise Python code (Lambda layers) hidden in a ``.keras`` file.
"""

import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import paths
from core.errors import MedLensError, ModelError
from core.keras_files import load_keras_file, model_hash, save_keras  # noqa: F401  (the store's API)
from core.storage import atomic_write_json, locked, publish, staging_folder
from core.text import check_name, one_line

MODEL_FILE = "model.keras"
TFLITE_FILE = "model.tflite"
FORMATS = {"keras": MODEL_FILE, "tflite": TFLITE_FILE}
META_FILE = "meta.json"
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,127}")
MAX_NAME = 120
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelMeta:
    id: str
    name: str
    dataset: str
    size: int
    arch: str
    seed: int
    epochs: int
    params: int
    file_bytes: int
    train_seconds: float
    created: str
    metrics: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    format: str = "keras"  # "tflite": predicts through its interpreter; cannot be trained or compressed again

    @property
    def path(self) -> Path:
        return model_dir(self.id)


def model_dir(model_id: str) -> Path:
    if not isinstance(model_id, str) or not _ID.fullmatch(model_id):
        raise ModelError(f"{model_id!r} is not a valid model id.")
    return paths.models_dir() / model_id


def new_id(dataset: str, arch: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{dataset}-{arch}-{stamp}-{uuid.uuid4().hex[:4]}".lower()


def save(model, meta_fields: dict[str, Any]) -> ModelMeta:
    """Store ``model`` with its metadata; ``params``, ``file_bytes``, ``id`` and ``created`` are filled in."""
    return _save(lambda path: save_keras(model, path), "keras", {**meta_fields, "params": int(model.count_params())})


def save_tflite(flatbuffer: bytes, meta_fields: dict[str, Any]) -> ModelMeta:
    """Store a TFLite file (one MedLens exported: the store never takes a TFLite upload) with its metadata;
    ``meta_fields`` must give ``params``."""
    return _save(lambda path: path.write_bytes(flatbuffer), "tflite", meta_fields)


def _save(write, model_format: str, meta_fields: dict[str, Any]) -> ModelMeta:
    root = paths.models_dir()
    root.mkdir(parents=True, exist_ok=True)
    model_id = meta_fields.get("id") or new_id(meta_fields["dataset"], meta_fields["arch"])
    final = model_dir(model_id)
    name = _checked_name(meta_fields.get("name") or model_id)
    staging = staging_folder(root, model_id)
    try:
        write(staging / FORMATS[model_format])
        meta = ModelMeta(
            **{
                **meta_fields,
                "id": model_id,
                "name": name,
                "format": model_format,
                "file_bytes": (staging / FORMATS[model_format]).stat().st_size,
                "created": meta_fields.get("created") or datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        atomic_write_json(staging / META_FILE, asdict(meta))
        publish(staging, final, replace=False)
        return meta
    except FileExistsError as error:
        raise ModelError(f"A model with the id {model_id!r} is already in the store.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def list_models(dataset: str | None = None) -> list[ModelMeta]:
    """Stored models, newest first; entries with unreadable metadata are skipped."""
    root = paths.models_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if folder.name.startswith(".") or not (folder / META_FILE).is_file():
            continue
        try:
            meta = read_meta(folder.name)
        except ModelError as error:
            LOG.warning("skipping a stored model: %s", error)
            continue
        if dataset is None or meta.dataset == dataset:
            found.append(meta)
    return sorted(found, key=lambda m: m.created, reverse=True)


def read_meta(model_id: str) -> ModelMeta:
    path = model_dir(model_id) / META_FILE
    if not path.is_file():
        raise ModelError(f"No model {model_id!r} in the model store.")
    try:
        meta = ModelMeta(**json.loads(path.read_text()))
        check_name(meta.name, "model name", MAX_NAME)
        if meta.format not in FORMATS:
            raise MedLensError(f"unknown format {meta.format!r}")
    except (OSError, ValueError, TypeError, MedLensError) as error:
        raise ModelError(f"The metadata of model {model_id!r} is damaged: {one_line(error)}.") from error
    return meta


def load(model_id: str):
    """The stored Keras model, loaded in safe mode; a TFLite entry is refused in words (see ``open_model``)."""
    meta = read_meta(model_id)
    if meta.format == "tflite":
        raise ModelError(
            f"{meta.name} is a compressed TFLite model: it predicts and explains with the model-agnostic "
            "methods, but training, compressing again and gradient methods need a Keras model (pick its parent)."
        )
    return load_keras_file(model_dir(model_id) / MODEL_FILE)


def open_model(model_id: str):
    """Whatever predicts for a stored model: the Keras model, or a ``TFLiteModel`` for a TFLite entry."""
    from core.models.tflite import TFLiteModel

    if read_meta(model_id).format == "tflite":
        return TFLiteModel((model_dir(model_id) / TFLITE_FILE).read_bytes())
    return load(model_id)


def rename(model_id: str, name: str) -> ModelMeta:
    """Give a stored model a display name: checked like every name other users see, unique ignoring case."""
    name = _checked_name(name.strip() if isinstance(name, str) else name)
    with locked(paths.models_dir(), "names"):
        taken = {m.name.casefold() for m in list_models() if m.id != model_id}
        if name.casefold() in taken:
            raise ModelError(f"Another model is already named {name!r}; choose another name.")
        meta = asdict(read_meta(model_id)) | {"name": name}
        atomic_write_json(model_dir(model_id) / META_FILE, meta)
    return ModelMeta(**meta)


def delete(model_id: str) -> None:
    folder = model_dir(model_id)
    read_meta(model_id)
    trash = folder.with_name(f".deleted-{model_id}-{int(time.time() * 1000)}")
    os.replace(folder, trash)  # atomic: the entry disappears at once, files go after
    shutil.rmtree(trash, ignore_errors=True)


def _checked_name(name: object) -> str:
    try:
        return check_name(name, "model name", MAX_NAME)
    except MedLensError as error:
        raise ModelError(str(error)) from error
