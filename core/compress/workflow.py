"""Compression on stored models: what the Compress page and ``python -m core compress`` call."""

from pathlib import Path

from core.compress.run import CompressionResult, Compressor
from core.data import load
from core.errors import ModelError
from core.models import store


def compressor_for(model_id: str, seed: int = 0) -> tuple[Compressor, store.ModelMeta]:
    meta = store.read_meta(model_id)
    return Compressor(store.load(model_id), load(meta.dataset, meta.size), seed), meta


def save_to_store(result: CompressionResult, parent: store.ModelMeta) -> store.ModelMeta:
    """Put the compressed Keras model into the store as a new model linked to ``parent``.

    Quantization-aware models have no plain-Keras form; their TFLite file is the artefact.
    """
    if result.keras_artifact is None:
        raise ModelError(
            f"{result.recipe.name} changes only the TFLite file (quantization), so there is no new Keras "
            "model to store; download the .tflite instead."
        )
    model = store.load_keras_file(Path(result.keras_artifact))
    m = result.measurement
    return store.save(
        model,
        {
            "name": f"{parent.name} · {result.recipe.name}",
            "dataset": parent.dataset,
            "size": parent.size,
            "arch": parent.arch,
            "seed": parent.seed,
            "epochs": parent.epochs,
            "train_seconds": parent.train_seconds,
            "parent": parent.id,
            "metrics": {
                "test_accuracy": m.test_accuracy,
                "test_auc": m.test_auc,
                "tflite_bytes": m.bytes,
                "tflite_gzip_bytes": m.gzip_bytes,
                "nonzero_params": m.nonzero_params,
                "recipe": result.recipe.to_dict(),
            },
            "config": parent.config,
        },
    )
