"""Figures of the augmentation studio: intensity histograms and the data-efficiency chart."""

import numpy as np
import plotly.graph_objects as go

from core.viz.curve_figures import curve_chart


def intensity_before_after(before: np.ndarray, after: np.ndarray, bins: int = 32) -> go.Figure:
    edges = np.linspace(0, 256, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure()
    for name, images in (("original", before), ("augmented", after)):
        counts, _ = np.histogram(images, bins=edges)
        figure.add_scatter(x=centres, y=counts / max(counts.sum(), 1), mode="lines", line_shape="hvh", name=name)
    figure.update_layout(xaxis_title="pixel intensity (0-255)", yaxis_title="share of pixels", height=300)
    return figure


def efficiency_chart(rows: list[dict]) -> go.Figure:
    """Test accuracy and AUC against the share of labels, with and without the pipeline, std as error bars."""
    return curve_chart(rows, {"without": "without augmentation", "with": "with augmentation"})
