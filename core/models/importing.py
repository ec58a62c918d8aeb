"""Bring a user's ``.keras`` model into the store: both gates of ``model_check``, the dataset fit, then save.

The store copy is re-saved by MedLens from the safely loaded model, never the user's bytes, and
is evaluated on the dataset's test split so it can be compared with trained models.
"""

from pathlib import Path

from core.data import load
from core.errors import InputError
from core.inputs.limits import LIMITS, Limits
from core.inputs.model_check import ModelCheck, check_model_file
from core.models import store
from core.models.metrics import evaluate, headline


def check_fits(check: ModelCheck, dataset) -> None:
    """Refuse a model whose input shape or class count differs from ``dataset``'s."""
    if tuple(check.input_shape) != tuple(dataset.image_shape):
        raise InputError(
            f"The model takes images of shape {tuple(check.input_shape)}, but {dataset.title} has "
            f"{tuple(dataset.image_shape)}; pick the dataset and size it was trained on."
        )
    if check.num_classes != dataset.num_classes:
        raise InputError(
            f"The model predicts {check.num_classes} classes, but {dataset.title} has {dataset.num_classes} "
            f"({', '.join(dataset.class_names)})."
        )


def import_model(
    path: Path,
    dataset_name: str,
    size: int,
    name: str | None = None,
    limits: Limits = LIMITS,
    check: ModelCheck | None = None,
) -> store.ModelMeta:
    """Check (unless ``check`` is the result of an earlier one), fit-test, evaluate and store the model."""
    path = Path(path)
    check = check or check_model_file(path, limits)
    dataset = load(dataset_name, size)
    check_fits(check, dataset)
    model = store.load_keras_file(path)
    return store.save(
        model,
        {
            "name": (name or path.stem)[:120],
            "dataset": dataset_name,
            "size": size,
            "arch": "imported",
            "seed": 0,
            "epochs": 0,
            "train_seconds": 0.0,
            "metrics": headline(evaluate(model, dataset, "test"), evaluate(model, dataset, "val")),
            "config": {"imported": True, "outputs_probabilities": check.outputs_probabilities},
        },
    )
