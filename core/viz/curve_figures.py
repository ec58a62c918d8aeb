"""The label-efficiency chart, for any curve's arms (with/without augmentation, scratch/transfer)."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

COLOURS = ("#7f7f7f", "#1f6f8b", "#c05f1f", "#5b8c2a")


def curve_chart(rows: list[dict], arms: dict[str, str]) -> go.Figure:
    """Test accuracy and AUC against the share of labels, one line per arm (``arms``: key -> legend label),
    the spread over seeds (standard deviation) as error bars; the x axis reads in plain percentages."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("test accuracy", "test AUC"))
    for column, metric in enumerate(("test_accuracy", "test_auc"), start=1):
        for (arm, label), colour in zip(arms.items(), COLOURS, strict=False):
            points = [r for r in rows if f"{metric}_{arm}_mean" in r]
            if not points:
                continue
            figure.add_scatter(
                x=[r["fraction"] * 100 for r in points],
                y=[r[f"{metric}_{arm}_mean"] for r in points],
                error_y={"type": "data", "array": [r[f"{metric}_{arm}_std"] for r in points]},
                mode="lines+markers",
                line={"color": colour},
                name=label,
                legendgroup=arm,
                showlegend=column == 1,
                row=1,
                col=column,
            )
    ticks = [1, 2, 5, 10, 25, 50, 100]
    figure.update_xaxes(type="log", title="labels used (%)", tickvals=ticks, ticktext=[f"{t}%" for t in ticks])
    figure.update_layout(height=380)
    return figure
