"""Does an image look like the ones a model was trained on? An out-of-domain guard on the model's own features.

A model answers every image with a confident class, a spine CT or a retina photograph included. The guard keeps
a reference of the training distribution on the penultimate features (what the head reads): one mean per class
and one shared covariance (Ledoit-Wolf shrinkage), and scores an image by its smallest Mahalanobis distance to a
class mean (Lee et al., 2018; a class-wise reference does not care that the test split has another class ratio).
The threshold is the 99th percentile of the validation images' scores, so about 1 % of in-domain images are
flagged by design. The reference is kept beside the model (``domain.npz``), fitted on first use for a model stored
before the guard existed.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.dataset import Dataset, to_float
from core.storage import atomic_write

FILE = "domain.npz"
QUANTILE = 0.99
MAX_FIT_IMAGES = 4000  # training images used to fit the reference: enough for the covariance, bounded time
VERSION = 1


@dataclass(frozen=True)
class DomainReference:
    means: np.ndarray  # (classes, d)
    precision: np.ndarray  # (d, d)
    threshold: float

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The smallest squared Mahalanobis distance of each row to a class mean."""
        gaps = features[:, None, :] - self.means[None, :, :]
        return np.einsum("ncd,de,nce->nc", gaps, self.precision, gaps).min(axis=1)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            means=self.means.astype(np.float32),
            precision=self.precision.astype(np.float32),
            threshold=self.threshold,
            version=VERSION,
        )
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Path) -> "DomainReference | None":
        try:
            with np.load(path, allow_pickle=False) as stored:
                if int(stored["version"]) != VERSION:
                    return None
                means, precision = (stored[k].astype(np.float64) for k in ("means", "precision"))
                return cls(means, precision, float(stored["threshold"]))
        except (OSError, ValueError, KeyError):
            return None  # missing or damaged: fit again


@dataclass(frozen=True)
class Verdict:
    in_domain: bool
    score: float
    threshold: float

    def as_dict(self) -> dict:
        return {"in_domain": self.in_domain, "domain_score": self.score, "domain_threshold": self.threshold}


def embedder(model):
    """A model from the input to what the last layer reads (the penultimate features)."""
    from core.models.model_lock import model_over

    return model_over(model, model.layers[-1].input)


def stage_embedder(model):
    """The penultimate features and, for every convolution stage, the mean and spread of each channel over the
    image: early stages see texture and contrast, which tell a chest X-ray from a retina photograph long before
    the head's two-class features do (Lee et al. combine layers the same way)."""
    import tensorflow as tf
    from tensorflow import keras

    from core.models.model_lock import model_over

    outputs = [model.layers[-1].input]
    for layer in model.layers:
        if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.Add) or layer.name.endswith("_out"):
            outputs.append(layer.output)
    pooled = [outputs[0]]
    for output in outputs[1:]:
        mean, variance = tf.nn.moments(output, axes=[1, 2])
        pooled += [mean, tf.sqrt(variance + 1e-6)]
    return model_over(model, tf.concat([tf.reshape(p, [-1, p.shape[-1]]) for p in pooled], axis=1))


def features(embedder, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The guard's features of uint8 NHWC images, read by a ``stage_embedder`` (built once per model: building it
    per call made a new Keras model and traced its predict function on every page rerun)."""
    from core.models.predict import forward

    outputs = forward(embedder, images, batch_size, to_float)
    return np.asarray(outputs, dtype=np.float64).reshape(len(images), -1)


def fit(model, dataset: Dataset, seed: int = 0) -> DomainReference:
    """The reference from (up to ``MAX_FIT_IMAGES``) training images, the threshold from validation."""
    from sklearn.covariance import LedoitWolf

    embedder = stage_embedder(model)
    labels = dataset.labels("train")
    chosen = np.sort(np.random.default_rng(seed).permutation(len(labels))[:MAX_FIT_IMAGES])
    train = features(embedder, np.asarray(dataset.images("train")[chosen]))
    labels = labels[chosen]
    present = [c for c in range(dataset.num_classes) if np.any(labels == c)]
    means = np.stack([train[labels == c].mean(axis=0) for c in present])
    centred = train - means[np.searchsorted(present, labels)]
    precision = LedoitWolf().fit(centred).precision_
    reference = DomainReference(means, precision, 0.0)
    val = reference.scores(features(embedder, np.asarray(dataset.images("val"))))
    return DomainReference(means, precision, float(np.quantile(val, QUANTILE)))


def reference_for(model, dataset: Dataset, folder: Path) -> DomainReference:
    """The model's stored reference, fitted and kept (atomically) on first use."""
    path = folder / FILE
    stored = DomainReference.from_file(path) if path.is_file() else None
    if stored is not None:
        return stored
    reference = fit(model, dataset)
    atomic_write(path, reference.to_bytes())
    return reference


def judge(embedder, reference: DomainReference, images: np.ndarray) -> list[Verdict]:
    scores = reference.scores(features(embedder, images))
    return [Verdict(bool(s <= reference.threshold), float(s), reference.threshold) for s in scores]


def guard_for(model_id: str):
    """``(stage embedder, reference)`` that judge images for a stored model, or None when it has no Keras model to
    read features from (a TFLite file whose parent is gone). A TFLite file is judged by its Keras parent: the
    same training images, the same domain."""
    from core.data import load
    from core.errors import MedLensError
    from core.models import store

    meta = store.read_meta(model_id)
    source = meta if meta.format == "keras" else (store.read_meta(meta.parent) if meta.parent else None)
    if source is None:
        return None
    try:
        model = store.load(source.id)
    except MedLensError:
        return None
    return stage_embedder(model), reference_for(model, load(source.dataset, source.size), source.path)


def verdict(model_id: str, image: np.ndarray) -> Verdict | None:
    """One uint8 HWC image's verdict for a stored model (None when the model cannot be judged)."""
    guard = guard_for(model_id)
    return None if guard is None else judge(guard[0], guard[1], image[np.newaxis])[0]


def warning(verdict: Verdict, dataset_title: str) -> str:
    """The sentence shown next to an out-of-domain answer."""
    return (
        f"This model was trained on {dataset_title} images; this image does not look like one (domain score "
        f"{verdict.score:.0f}, above the {verdict.threshold:.0f} that 99 % of its validation images stay under). "
        "Its answer and explanation say nothing reliable about this image."
    )
