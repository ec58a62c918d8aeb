"""Does an image look like the ones a model was trained on? An out-of-domain guard with three signals.

A model answers every image with a confident class, a spine CT or a retina photograph included. One signal is
not enough: the model's own features depend on how well it was trained (a briefly trained PneumoniaMNIST model
once scored a CT slice *under* its threshold), so the guard combines signals that fail differently:

- **features**: the penultimate features and each convolution stage's channel means and spreads, one mean per
  class and one shared covariance (Ledoit-Wolf), scored by the smallest Mahalanobis distance to a class mean
  (Lee et al., NeurIPS 2018; class-wise, so a test split with another class ratio is not "foreign");
- **inputs**: the picture itself, whatever the model learnt — an 8x8 thumbnail, the grey-level histogram, edge
  strength and contrast — against one Gaussian of the training pictures; it needs no training to work;
- **colour**: a colour photograph given to a model trained on grey images is foreign by definition (the colour
  is thrown away before the model sees it, so neither signal above can notice it).

Each signal's threshold is the 99.5th percentile of the validation images' scores (about 0.5 % of in-domain
images flagged by each, by design; the union of three stays near the 5 % a clinic tolerates on real X-rays); an
image's score is its largest ratio to a threshold, so 1.0 is the limit and "twice the threshold" means twice what
99.5 % of validation images stay under. The reference is kept beside the
model (``domain.npz``), fitted on first use for a model stored before this version of the guard.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.dataset import Dataset, to_float
from core.models.picture_statistics import colourfulness, input_statistics
from core.registry import Registry
from core.storage import atomic_write

FILE = "domain.npz"
QUANTILE = 0.995
MAX_FIT_IMAGES = 4000  # training images used to fit the reference: enough for the covariance, bounded time
VERSION = 2
COLOUR_TOLERANCE = 0.02
"""Mean chroma (max - min of R, G, B, on [0, 1]) a grey picture stored as colour stays under (JPEG noise)."""

SIGNALS: Registry[str] = Registry("domain signal")
SIGNALS.add("features", "what the model's own layers make of it")(
    "the model's own features are unlike those of its training images"
)
SIGNALS.add("inputs", "its brightness, contrast and texture")(
    "its brightness, contrast and texture are unlike those of the training images"
)
SIGNALS.add("colour", "its colour")("it is a colour picture and the model was trained on grey ones")


@dataclass(frozen=True)
class Gaussian:
    """Class means (or one mean), a shared precision matrix and the validation threshold of the score."""

    means: np.ndarray  # (k, d)
    precision: np.ndarray  # (d, d)
    threshold: float

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The smallest squared Mahalanobis distance of each row to a mean."""
        gaps = rows[:, None, :] - self.means[None, :, :]
        return np.einsum("ncd,de,nce->nc", gaps, self.precision, gaps).min(axis=1)

    def ratios(self, rows: np.ndarray) -> np.ndarray:
        return self.scores(rows) / self.threshold

    @classmethod
    def fit(cls, train: np.ndarray, labels: np.ndarray, val: np.ndarray) -> "Gaussian":
        from sklearn.covariance import LedoitWolf

        present = np.unique(labels)
        means = np.stack([train[labels == c].mean(axis=0) for c in present])
        centred = train - means[np.searchsorted(present, labels)]
        unthresholded = cls(means, LedoitWolf().fit(centred).precision_, 1.0)
        return cls(means, unthresholded.precision, float(np.quantile(unthresholded.scores(val), QUANTILE)))


@dataclass(frozen=True)
class Verdict:
    in_domain: bool
    score: float  # the largest ratio of a signal to its threshold
    threshold: float  # always 1.0: a ratio above it is foreign
    signal: str  # the signal that gave the score (``SIGNALS``)

    def as_dict(self) -> dict:
        return {
            "in_domain": self.in_domain,
            "domain_score": self.score,
            "domain_threshold": self.threshold,
            "domain_signal": self.signal,
        }


@dataclass(frozen=True)
class DomainReference:
    features: Gaussian
    inputs: Gaussian
    grey: bool  # trained on one-channel pictures: a colour upload is foreign
    reference_images: int  # how many training images the reference rests on (said beside a thin one)

    @property
    def threshold(self) -> float:
        return 1.0

    def judge(self, features: np.ndarray, statistics: np.ndarray, colours: np.ndarray | None) -> list[Verdict]:
        ratios = {"features": self.features.ratios(features), "inputs": self.inputs.ratios(statistics)}
        ratios["colour"] = (
            np.asarray(colours, dtype=np.float64) / COLOUR_TOLERANCE
            if self.grey and colours is not None
            else np.zeros(len(features))
        )
        names = list(ratios)
        table = np.stack([ratios[name] for name in names], axis=1)
        worst = table.argmax(axis=1)
        return [Verdict(bool(row[w] <= 1.0), float(row[w]), 1.0, names[w]) for row, w in zip(table, worst, strict=True)]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        arrays = {}
        for name in ("features", "inputs"):
            part = getattr(self, name)
            arrays |= {
                f"{name}_means": part.means.astype(np.float32),
                f"{name}_precision": part.precision.astype(np.float32),
                f"{name}_threshold": part.threshold,
            }
        np.savez(buffer, **arrays, grey=self.grey, reference_images=self.reference_images, version=VERSION)
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Path) -> "DomainReference | None":
        try:
            with np.load(path, allow_pickle=False) as stored:
                if "version" not in stored or int(stored["version"]) != VERSION:
                    return None
                parts = [
                    Gaussian(
                        stored[f"{name}_means"].astype(np.float64),
                        stored[f"{name}_precision"].astype(np.float64),
                        float(stored[f"{name}_threshold"]),
                    )
                    for name in ("features", "inputs")
                ]
                return cls(*parts, bool(stored["grey"]), int(stored["reference_images"]))
        except (OSError, ValueError, KeyError):
            return None  # missing, damaged or of an older version: fit again


def embedder(model):
    """A model from the input to what the last layer reads (the penultimate features)."""
    from core.runtime.shared_model import shared

    return shared(model).over(lambda keras_model: keras_model.layers[-1].input)


def stage_embedder(model):
    """The penultimate features and, for every convolution stage, the mean and spread of each channel over the
    image: early stages see texture and contrast, which tell a chest X-ray from a retina photograph long before
    the head's two-class features do (Lee et al. combine layers the same way)."""
    from core.runtime.shared_model import shared

    return shared(model).over(_stage_outputs)


def _stage_outputs(model):
    import tensorflow as tf
    from tensorflow import keras

    outputs = [model.layers[-1].input]
    for layer in model.layers:
        if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.Add) or layer.name.endswith("_out"):
            outputs.append(layer.output)
    pooled = [outputs[0]]
    for output in outputs[1:]:
        mean, variance = tf.nn.moments(output, axes=[1, 2])
        pooled += [mean, tf.sqrt(variance + 1e-6)]
    return tf.concat([tf.reshape(p, [-1, p.shape[-1]]) for p in pooled], axis=1)


def features(embedder, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The guard's features of uint8 NHWC images, read by a ``stage_embedder`` (built once per model: building it
    per call made a new Keras model and traced its predict function on every page rerun)."""
    from core.models.predict import forward

    outputs = forward(embedder, images, batch_size, to_float)
    return np.asarray(outputs, dtype=np.float64).reshape(len(images), -1)


def fit(model, dataset: Dataset, seed: int = 0) -> DomainReference:
    """The reference from (up to ``MAX_FIT_IMAGES``) training images, the thresholds from validation."""
    embedder = stage_embedder(model)
    labels = dataset.labels("train")
    chosen = np.sort(np.random.default_rng(seed).permutation(len(labels))[:MAX_FIT_IMAGES])
    train_images = np.asarray(dataset.images("train")[chosen])
    val_images = np.asarray(dataset.images("val"))
    labels = labels[chosen]
    feature_part = Gaussian.fit(features(embedder, train_images), labels, features(embedder, val_images))
    one_class = np.zeros(len(labels), dtype=np.int64)
    input_part = Gaussian.fit(input_statistics(train_images), one_class, input_statistics(val_images))
    return DomainReference(feature_part, input_part, dataset.channels == 1, len(labels))


def reference_for(model, dataset: Dataset, folder: Path) -> DomainReference:
    """The model's stored reference, fitted and kept (atomically) on first use."""
    path = folder / FILE
    stored = DomainReference.from_file(path) if path.is_file() else None
    if stored is not None:
        return stored
    reference = fit(model, dataset)
    atomic_write(path, reference.to_bytes())
    return reference


def judge(embedder, reference: DomainReference, images: np.ndarray, sources=None) -> list[Verdict]:
    """Verdicts of uint8 NHWC model inputs; ``sources`` (the pictures as uploaded, before they were made square,
    resized and converted to the model's channels) let the colour signal see what conversion throws away."""
    colours = None if sources is None else np.array([colourfulness(np.asarray(s)) for s in sources])
    return reference.judge(features(embedder, images), input_statistics(images), colours)


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


def verdict(model_id: str, image: np.ndarray, source: np.ndarray | None = None) -> Verdict | None:
    """One uint8 HWC image's verdict for a stored model (None when the model cannot be judged); ``source`` is the
    picture as uploaded, when there is one."""
    guard = guard_for(model_id)
    if guard is None:
        return None
    return judge(guard[0], guard[1], image[np.newaxis], None if source is None else [source])[0]


THIN_REFERENCE = 500
"""Below this many training images the reference is said to be thin beside every verdict."""


def warning(verdict: Verdict, dataset_title: str, reference: DomainReference | None = None) -> str:
    """The sentence shown next to an out-of-domain answer."""
    text = (
        f"This model was trained on {dataset_title} images; this image does not look like one: "
        f"{SIGNALS.get(verdict.signal)} (domain score {verdict.score:.1f}, where 1.0 is the most that "
        f"{QUANTILE:.1%} of its validation images reach). Its answer and explanation say nothing reliable about "
        "this image."
    )
    return text + (" " + thin_note(reference) if reference is not None and thin_note(reference) else "")


def thin_note(reference: DomainReference) -> str:
    """A word that the reference rests on few images, or ''."""
    if reference.reference_images >= THIN_REFERENCE:
        return ""
    return (
        f"The domain check rests on only {reference.reference_images} training images, so it can miss foreign "
        "images and flag familiar ones."
    )


def in_domain_line(verdict: Verdict) -> str:
    """The caption beside an in-domain answer."""
    return (
        f"Looks like the images this model was trained on (domain score {verdict.score:.2f} ≤ 1.0; the highest of "
        f"its three checks was {SIGNALS.entry(verdict.signal).description})."
    )
