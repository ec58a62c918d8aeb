"""Figures of a dataset: class balance, per-class samples, intensity histograms."""

import numpy as np
import plotly.graph_objects as go

from core.data.dataset import Dataset


def class_balance(dataset: Dataset) -> go.Figure:
    """Grouped bars: images per class in each split, so a skew (or a shifted test ratio) shows."""
    figure = go.Figure()
    for split in ("train", "val", "test"):
        counts = dataset.class_counts(split)
        share = counts / max(counts.sum(), 1)
        figure.add_bar(
            name=split,
            x=list(dataset.class_names),
            y=counts.tolist(),
            text=[f"{s:.0%}" for s in share],
            hovertemplate="%{x}: %{y} images (%{text} of " + split + ")<extra></extra>",
        )
    figure.update_layout(barmode="group", xaxis_title="class", yaxis_title="images", legend_title="split", height=360)
    return figure


def intensity_histogram(dataset: Dataset, split: str = "train", bins: int = 32) -> go.Figure:
    """Per-class distribution of pixel intensity (all channels), normalised to a density."""
    figure = go.Figure()
    edges = np.linspace(0, 256, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    images, labels = dataset.images(split), dataset.labels(split)
    for c, name in enumerate(dataset.class_names):
        members = images[labels == c]
        if not len(members):
            continue
        counts, _ = np.histogram(members, bins=edges)
        figure.add_scatter(x=centres, y=counts / counts.sum(), mode="lines", name=name, line_shape="hvh")
    figure.update_layout(xaxis_title="pixel intensity (0-255)", yaxis_title="share of pixels", height=340)
    return figure
