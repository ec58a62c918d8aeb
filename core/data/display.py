"""Images chosen and laid out for a person to look at: seeded picks per class, and rows of enlarged images."""

import numpy as np


def montage(images: np.ndarray, scale: int = 3, pad: int = 2) -> np.ndarray:
    """One row of images side by side, enlarged by ``scale`` (nearest neighbour keeps pixels honest)."""
    if len(images) == 0:
        return np.zeros((1, 1, 3), dtype=np.uint8)
    images = np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, _ = images.shape
    row = np.full((h, n * (w + pad) - pad, 3), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        row[:, i * (w + pad) : i * (w + pad) + w] = image
    return row


def sample_indices(labels: np.ndarray, per_class: int, seed: int, num_classes: int) -> list[np.ndarray]:
    """Up to ``per_class`` random indices of each class, reproducible with ``seed``."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in range(num_classes):
        members = np.flatnonzero(labels == c)
        picks.append(rng.choice(members, size=min(per_class, len(members)), replace=False) if len(members) else members)
    return picks


def preview_indices(
    labels: np.ndarray, per_class: int, seed: int, num_classes: int, picked: str = "", limit: int = 16
) -> tuple[np.ndarray, str | None]:
    """The training images to preview: ``picked`` ("0, 17, 42") when it names valid ones, else a seeded sample
    per class; with a note for the person when what they typed could not be used."""
    sample = np.concatenate(sample_indices(labels, per_class, seed, num_classes))
    if not picked.strip():
        return sample, None
    try:
        chosen = np.array([int(part) for part in picked.replace(" ", "").split(",") if part], dtype=np.int64)
    except ValueError:
        chosen = np.array([], dtype=np.int64)
    valid = chosen[(chosen >= 0) & (chosen < len(labels))]
    if len(valid) == 0:
        return sample, f"Give indices between 0 and {len(labels) - 1}, separated by commas."
    return valid[:limit], None
