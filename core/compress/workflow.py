"""Compression on stored models: what the Compress page and ``python -m core compress`` call."""

from core.compress.run import CompressionResult, Compressor
from core.data import load
from core.models import store


def compressor_for(model_id: str, seed: int = 0) -> tuple[Compressor, store.ModelMeta]:
    meta = store.read_meta(model_id)
    return Compressor(store.load(model_id), load(meta.dataset, meta.size), seed), meta


def save_to_store(result: CompressionResult, parent: store.ModelMeta) -> store.ModelMeta:
    """Put the measured TFLite file into the store as a new model linked to ``parent``: the very file whose
    figures the Compress page showed, with its own decision settings (temperature, thresholds) refit on
    validation, so it is picked, evaluated and explained like any other model and predicts through its
    interpreter."""
    flatbuffer = result.artifact.read_bytes()
    m = result.measurement
    return store.save_tflite(
        flatbuffer,
        {
            "name": f"{parent.name} · {result.recipe.name}",
            "dataset": parent.dataset,
            "size": parent.size,
            "arch": parent.arch,
            "seed": parent.seed,
            "epochs": parent.epochs,
            "train_seconds": parent.train_seconds,
            "parent": parent.id,
            "params": m.params,
            "metrics": {
                "test_accuracy": m.test_accuracy,
                "test_auc": m.test_auc,
                "agreement_with_parent": m.agreement,
                "tflite_bytes": m.bytes,
                "tflite_gzip_bytes": m.gzip_bytes,
                "nonzero_params": m.nonzero_params,
                "recipe": result.recipe.to_dict(),
                "decision": file_decision(flatbuffer, load(parent.dataset, parent.size)),
            },
            "config": parent.config,
        },
    )


def file_decision(flatbuffer: bytes, dataset) -> dict:
    """A TFLite file's own decision settings (temperature, thresholds), fitted on validation as for any model."""
    from core.models.clinical_report import decision_settings
    from core.models.tflite import TFLiteRunner

    return decision_settings(TFLiteRunner(flatbuffer).predict(dataset.images("val")), dataset.labels("val"))
