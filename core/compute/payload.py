"""A Keras model as bytes, so it travels to workers once (through the object store) instead of each worker
reading the store, which may be on another machine. The worker loads it in safe mode, once per process."""

import hashlib
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from core.keras_files import load_keras_file, save_keras

_LOADED: OrderedDict[str, object] = OrderedDict()
KEEP = 2


@dataclass(frozen=True)
class ModelPayload:
    data: bytes  # the .keras archive
    digest: str

    @classmethod
    def from_file(cls, path: Path) -> "ModelPayload":
        data = Path(path).read_bytes()
        return cls(data, hashlib.sha256(data).hexdigest()[:20])

    @classmethod
    def from_model(cls, model) -> "ModelPayload":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            save_keras(model, path)
            return cls.from_file(path)

    def load(self):
        """The model, loaded once per process and kept (the last ``KEEP`` payloads)."""
        if self.digest in _LOADED:
            _LOADED.move_to_end(self.digest)
            return _LOADED[self.digest]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            path.write_bytes(self.data)
            model = load_keras_file(path)
        _LOADED[self.digest] = model
        while len(_LOADED) > KEEP:
            _LOADED.popitem(last=False)
        return model
