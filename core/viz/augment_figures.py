"""Figures of the augmentation studio: intensity histograms and the data-efficiency chart."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots


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
    figure = make_subplots(rows=1, cols=2, subplot_titles=("test accuracy", "test AUC"))
    for column, metric in enumerate(("test_accuracy", "test_auc"), start=1):
        for tag, colour in (("without", "#7f7f7f"), ("with", "#1f6f8b")):
            points = [r for r in rows if f"{metric}_{tag}_mean" in r]
            if not points:
                continue
            figure.add_scatter(
                x=[r["fraction"] * 100 for r in points],
                y=[r[f"{metric}_{tag}_mean"] for r in points],
                error_y={"type": "data", "array": [r[f"{metric}_{tag}_std"] for r in points]},
                mode="lines+markers",
                line={"color": colour},
                name=f"{tag} augmentation",
                legendgroup=tag,
                showlegend=column == 1,
                row=1,
                col=column,
            )
    figure.update_xaxes(type="log", title="labels used (%)")
    figure.update_layout(height=380)
    return figure
