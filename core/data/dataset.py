"""``Dataset``: a labelled image set held as uint8 NHWC arrays, split train/val/test.

It is the contract every studio reads: pages show it, training feeds it through
``as_tf``, later studios subset and augment it. Arrays are never mutated in place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.data.catalogue import SPLITS
from core.data.square import DEFAULT_SQUARING, resize_stack
from core.errors import DatasetError

TASKS = ("binary", "multiclass", "ordinal")

Augment = Callable[[Any, Any, Any], tuple[Any, Any]]
"""``augment(images float32 NHWC in [0, 1], labels, seed int32[2]) -> (images, labels)``,
applied per batch inside tf.data with stateless, seeded randomness."""


def to_float(images: np.ndarray) -> np.ndarray:
    """The model's input scale: float32 in [0, 1]. Every model call goes through this."""
    return np.asarray(images, dtype=np.float32) / 255.0


@dataclass(frozen=True)
class Split:
    images: np.ndarray  # uint8, (N, H, W, C)
    labels: np.ndarray  # int64, (N,)

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise DatasetError(f"Images must be uint8 NHWC; got {self.images.dtype} {self.images.shape}.")
        if len(self.images) != len(self.labels):
            raise DatasetError(f"{len(self.images)} images but {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    title: str
    task: str
    class_names: tuple[str, ...]
    splits: dict[str, Split]
    source: str = ""
    modality: str = ""
    license: str = ""
    citation: str = ""
    warnings: tuple[str, ...] = field(default=())
    squaring: str = DEFAULT_SQUARING  # how a non-square picture of this dataset's kind is made square

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DatasetError(f"Task {self.task!r} is not supported; MedLens handles {', '.join(TASKS)}.")
        missing = [split for split in SPLITS if split not in self.splits]
        if missing:
            raise DatasetError(f"Dataset {self.name} lacks the {', '.join(missing)} split.")
        shapes = {split.images.shape[1:] for split in self.splits.values()}
        if len(shapes) != 1:
            raise DatasetError(f"Dataset {self.name} mixes image shapes {sorted(shapes)}.")

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.splits["train"].images.shape[1:])  # type: ignore[return-value]

    @property
    def channels(self) -> int:
        return self.image_shape[2]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def images(self, split: str) -> np.ndarray:
        return self._split(split).images

    def labels(self, split: str) -> np.ndarray:
        return self._split(split).labels

    def at_size(self, size: int) -> "Dataset":
        """The same images at ``size`` x ``size`` (Lanczos), e.g. a 512 px import trained at 128 px. A dataset
        already at that size is returned as it is."""
        if size == self.image_shape[0]:
            return self
        if not 8 <= size <= self.image_shape[0]:
            stored = self.image_shape[0]
            raise DatasetError(
                f"{self.title} is stored at {stored}x{stored}; choose a size from 8 to {stored} "
                "(enlarging adds no detail)."
            )
        splits = {name: Split(resize_stack(s.images, size), s.labels) for name, s in self.splits.items()}
        return replace(self, splits=splits, title=f"{self.title} at {size}x{size}")

    def class_counts(self, split: str) -> np.ndarray:
        return np.bincount(self.labels(split), minlength=self.num_classes)

    def _split(self, split: str) -> Split:
        if split not in self.splits:
            raise DatasetError(f"Unknown split {split!r}; use one of {', '.join(self.splits)}.")
        return self.splits[split]

    def as_tf(
        self,
        split: str,
        batch_size: int = 64,
        *,
        shuffle: bool = False,
        seed: int = 0,
        augment: Augment | None = None,
        limit: int | None = None,
        one_hot: bool = False,
    ):
        """A tf.data pipeline of (float32 images in [0, 1], int labels) batches.

        The uint8 arrays are cached (a quarter of the float size), shuffled with ``seed``
        and a new order each epoch, batched, scaled, augmented with per-batch seeds drawn
        from ``seed``, and prefetched so a GPU never waits on the CPU.
        """
        import tensorflow as tf

        images, labels = self.images(split), self.labels(split)
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        depth = self.num_classes

        def scale(x, y):
            return tf.cast(x, tf.float32) / 255.0, (tf.one_hot(tf.cast(y, tf.int32), depth) if one_hot else y)

        data = _batches(images, labels, batch_size, shuffle, seed)
        if augment is None:
            data = data.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
        else:
            seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2, drop_remainder=True)
            data = tf.data.Dataset.zip((data, seeds)).map(
                lambda batch, s: augment(*scale(*batch), tf.cast(s % (2**31 - 1), tf.int32)),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        if augment is not None:
            # Augmented batches of small images are many short kernels: two batches on two cores beat
            # one batch split across both (measured in bench/augment.py).
            options = tf.data.Options()
            options.threading.max_intra_op_parallelism = 1
            data = data.with_options(options)
        return data.prefetch(tf.data.AUTOTUNE)


STREAM_BYTES = 256 * 2**20
"""Above this, a split is read from its (memory-mapped) array batch by batch instead of copied into the
pipeline whole: a 224 px dataset of several GB trains in bounded memory."""


def _batches(images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle: bool, seed: int):
    """uint8 (image, label) batches, shuffled with ``seed`` and a new order each epoch."""
    import tensorflow as tf

    if images.nbytes <= STREAM_BYTES:
        data = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
        if shuffle:
            data = data.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        return data.batch(batch_size)

    def gather(indices):
        order = np.sort(indices)  # in file order: one forward pass over a memory map
        return np.ascontiguousarray(images[order]), labels[order].astype(np.int64)

    def read(indices):
        batch, batch_labels = tf.numpy_function(gather, [indices], (tf.uint8, tf.int64))
        batch.set_shape((None, *images.shape[1:]))
        batch_labels.set_shape((None,))
        return batch, batch_labels

    indices = tf.data.Dataset.range(len(labels))
    if shuffle:
        indices = indices.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    return indices.batch(batch_size).map(read, num_parallel_calls=tf.data.AUTOTUNE)
