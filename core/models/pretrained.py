"""Pretrained ImageNet weights, read from this machine only.

MedLens makes no request to a host outside its own server, so weights are never downloaded here: the file Keras
publishes must already sit in ``MEDLENS_DATA_DIR/weights/`` or Keras's own cache (``~/.keras/models/``). Without
it, one sentence says which file to put where. The file holds weights only (numbers read into layers MedLens
built itself), never a model definition.
"""

from pathlib import Path

from core import paths
from core.errors import MedLensError

IMAGENET_SIZES = (96, 128, 160, 192, 224)  # the input sizes Keras publishes MobileNetV2 weights for
ALPHA = 0.35  # the narrowest published MobileNetV2: trains on a laptop CPU


def mobilenet_file(size: int) -> str:
    """Keras's name for the headless MobileNetV2 weights at ``size`` (other sizes use the 224 px file)."""
    rows = size if size in IMAGENET_SIZES else 224
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{ALPHA}_{rows}_no_top.h5"


def folders() -> list[Path]:
    data = paths.data_dir()
    return [*([data / "weights"] if data is not None else []), Path.home() / ".keras" / "models"]


def imagenet_weights(size: int) -> Path:
    """The local weights file, or a one-line refusal naming it and where it may go."""
    name = mobilenet_file(size)
    for folder in folders():
        if (folder / name).is_file():
            return folder / name
    where = " or ".join(str(folder) for folder in folders())
    raise MedLensError(
        f"ImageNet weights are not on this machine and MedLens does not download them: put {name} "
        f"(from the Keras applications release) in {where}, or train with --weights none."
    )
