"""Figures of the transfer studio: the two domains on one map, and the shift figures as a table a person reads."""

import numpy as np
import plotly.graph_objects as go


def shift_map(source: np.ndarray, target: np.ndarray, source_name: str, target_name: str) -> go.Figure:
    """Both domains' embeddings on their first two principal axes: overlapping clouds mean alike domains."""
    figure = go.Figure()
    for points, name, colour in ((source, source_name, "#1f6f8b"), (target, target_name, "#c05f1f")):
        figure.add_scattergl(
            x=points[:, 0],
            y=points[:, 1],
            mode="markers",
            name=name,
            marker={"size": 5, "color": colour, "opacity": 0.6},
        )
    figure.update_layout(
        height=380, xaxis_title="first principal axis", yaxis_title="second principal axis", legend={"x": 0, "y": 1}
    )
    return figure


def shift_rows(pair, halves) -> list[dict]:
    """One row per figure: the pair asked about beside two halves of the source (what "no shift" reads as)."""
    return [
        {
            "figure": "two-sample AUC (0.5 = cannot tell apart)",
            "source vs target": f"{pair.c2st_auc:.3f} [{pair.c2st_ci[0]:.3f}, {pair.c2st_ci[1]:.3f}]",
            "two halves of the source": f"{halves.c2st_auc:.3f} [{halves.c2st_ci[0]:.3f}, {halves.c2st_ci[1]:.3f}]",
        },
        {
            "figure": "MMD² (0 = same distribution)",
            "source vs target": f"{pair.mmd:.4f} (p {pair.mmd_p:.3f})",
            "two halves of the source": f"{halves.mmd:.4f} (p {halves.mmd_p:.3f})",
        },
        {
            "figure": "Fréchet distance",
            "source vs target": f"{pair.frechet:.3f}",
            "two halves of the source": f"{halves.frechet:.3f}",
        },
    ]


def shift_verdict(pair, halves) -> str:
    """One plain sentence from the two-sample test, read against the two-halves baseline."""
    if pair.c2st_ci[0] <= max(0.6, halves.c2st_ci[1]):
        return "These domains look alike to the source model: a transferred model starts close to home."
    if pair.c2st_auc >= 0.95:
        return (
            "The source model tells these domains apart almost perfectly: expect the transfer to need many of "
            "its layers retrained, and check it beats training from scratch."
        )
    return "A clear but partial shift: fine-tuning the top of the network is a sensible start."
