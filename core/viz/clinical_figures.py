"""Figures of the clinical reading of a binary model: the ROC curve with the chosen operating point, the
confusion matrix at that point, and the decision curve."""

import numpy as np
import plotly.graph_objects as go
from sklearn.metrics import roc_curve

from core.models.clinical import OperatingPoint


def roc_with_point(scores: np.ndarray, truth: np.ndarray, point: OperatingPoint, positive: str) -> go.Figure:
    """Sensitivity against 1 − specificity, with the operating point marked where the threshold puts it."""
    fpr, tpr, _ = roc_curve(truth, scores)
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance")
    figure.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{positive} vs rest")
    figure.add_scatter(
        x=[1 - point.specificity],
        y=[point.sensitivity],
        mode="markers+text",
        marker={"size": 14, "color": "#c0392b"},
        text=[f"threshold {point.threshold:.2f}"],
        textposition="bottom right",
        name="operating point",
    )
    figure.update_layout(
        xaxis_title="1 − specificity (false alarms among the healthy)",
        yaxis_title="sensitivity (cases found)",
        height=380,
    )
    return figure


def confusion_at(counts: tuple[int, int, int, int], negative: str, positive: str) -> go.Figure:
    """The 2×2 table at the operating point from (TP, FP, TN, FN)."""
    tp, fp, tn, fn = counts
    matrix = [[tn, fp], [fn, tp]]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=[f"called {negative}", f"called {positive}"],
            y=[f"truly {negative}", f"truly {positive}"],
            text=[[str(v) for v in row] for row in matrix],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
        )
    )
    figure.update_layout(yaxis_autorange="reversed", height=320)
    return figure


def decision_curve(curve: dict) -> go.Figure:
    """Net benefit of the model against treating everyone and treating no one, over threshold probabilities."""
    figure = go.Figure()
    for key, name, style in (
        ("model", "model", {}),
        ("treat_all", "treat everyone", {"dash": "dash"}),
        ("treat_none", "treat no one", {"dash": "dot"}),
    ):
        figure.add_scatter(x=curve["thresholds"], y=curve[key], mode="lines", name=name, line=style)
    low = min(min(curve["model"]), 0.0) - 0.02
    figure.update_layout(
        xaxis_title="threshold probability (the risk at which you would act)",
        yaxis_title="net benefit",
        yaxis_range=[low, max(max(curve["model"]), max(curve["treat_all"])) + 0.05],
        height=340,
    )
    return figure
