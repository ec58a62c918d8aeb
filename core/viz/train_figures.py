"""Figures of training and evaluation: curves, confusion matrix, ROC, calibration."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.models.metrics import Evaluation


def training_curves(history: dict[str, list[float]]) -> go.Figure:
    """Loss and accuracy per epoch, train against validation."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    for column, metric in enumerate(("loss", "accuracy"), start=1):
        for prefix, dash in (("", "solid"), ("val_", "dash")):
            values = history.get(prefix + metric)
            if values:
                figure.add_scatter(
                    x=list(range(1, len(values) + 1)),
                    y=values,
                    name=("validation " if prefix else "train ") + metric,
                    line={"dash": dash},
                    row=1,
                    col=column,
                )
    figure.update_xaxes(title_text="epoch")
    figure.update_layout(height=320, margin={"t": 40})
    return figure


def confusion_matrix(evaluation: Evaluation, normalise: bool = False) -> go.Figure:
    matrix = [list(map(float, row)) for row in evaluation.confusion]
    if normalise:
        matrix = [[v / max(sum(row), 1) for v in row] for row in matrix]
    text = [[f"{v:.0%}" if normalise else f"{int(v)}" for v in row] for row in matrix]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=evaluation.class_names,
            y=evaluation.class_names,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed", height=380)
    return figure


def roc_curves(evaluation: Evaluation) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance")
    curves = evaluation.roc
    if len(evaluation.class_names) == 2:  # one curve tells the binary story
        positive = evaluation.class_names[1]
        curves = {positive: curves[positive]} if positive in curves else {}
    for name, curve in curves.items():
        figure.add_scatter(x=curve["fpr"], y=curve["tpr"], mode="lines", name=name)
    figure.update_layout(
        title=f"AUC {evaluation.auc:.3f}",
        xaxis_title="false positive rate",
        yaxis_title="true positive rate",
        height=380,
    )
    return figure


def calibration_plot(evaluation: Evaluation) -> go.Figure:
    cal = evaluation.calibration
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="perfect")
    figure.add_scatter(
        x=cal.bin_confidence,
        y=cal.bin_accuracy,
        mode="lines+markers",
        name="model",
        customdata=cal.bin_count,
        hovertemplate="confidence %{x:.2f}: accuracy %{y:.2f} (%{customdata} images)<extra></extra>",
    )
    figure.update_layout(
        title=f"expected calibration error {cal.ece:.3f}",
        xaxis_title="confidence",
        yaxis_title="accuracy",
        height=380,
    )
    return figure
