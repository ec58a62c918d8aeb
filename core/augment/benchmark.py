"""Throughput of a MedLens pipeline in tf.data against Keras's ImageDataGenerator, same settings,
same images, same process (`python -m core bench augment`), and the live-preview timing."""

import statistics
import time

import numpy as np

from core.augment.pipeline import PRESETS
from core.augment.preview import grid, preview
from core.data.dataset import Dataset, to_float

BATCH = 64


def _medlens_rate(dataset: Dataset) -> float:
    data = dataset.as_tf("train", BATCH, shuffle=True, seed=0, augment=PRESETS["classic_keras"])
    for _ in data:  # warm-up epoch: tracing and the cache fill
        pass
    started, count = time.perf_counter(), 0
    for images, _ in data:
        count += int(images.shape[0])
    return count / (time.perf_counter() - started)


def _keras_rate(dataset: Dataset) -> float:
    from tensorflow import keras

    generator = keras.preprocessing.image.ImageDataGenerator(
        rotation_range=20,
        width_shift_range=0.1,
        height_shift_range=0.1,
        shear_range=0.1,
        zoom_range=0.1,
        horizontal_flip=True,
        vertical_flip=True,
    )
    flow = generator.flow(to_float(dataset.images("train")), dataset.labels("train"), batch_size=BATCH, seed=0)
    started, count = time.perf_counter(), 0
    for index in range(len(flow)):
        images, _ = flow[index]
        count += len(images)
    return count / (time.perf_counter() - started)


def throughput(dataset: Dataset, rounds: int = 2) -> dict:
    medlens = [_medlens_rate(dataset) for _ in range(rounds)]
    keras = [_keras_rate(dataset) for _ in range(rounds)]
    m, k = max(medlens), max(keras)
    return {
        "images": len(dataset.labels("train")),
        "medlens_images_per_s": round(m, 1),
        "imagedatagenerator_images_per_s": round(k, 1),
        "ratio": round(m / k, 2),
    }


def preview_seconds(images: np.ndarray, labels: np.ndarray, num_classes: int, repeats: int = 20) -> float:
    """Median time to regenerate a 16-image preview grid (4 sources x 4 draws) with the chest preset."""
    pipeline = PRESETS["chest_xray"]
    grid(preview(pipeline, images[:4], labels[:4], num_classes, draws=4, seed=0))  # warm-up
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        grid(preview(pipeline, images[:4], labels[:4], num_classes, draws=4, seed=seed + 1))
        times.append(time.perf_counter() - started)
    return statistics.median(times)
