import numpy as np

from core.models.metrics import evaluate_probabilities
from core.viz import data_figures, train_figures


def test_class_balance_has_a_bar_per_split(breast):
    figure = data_figures.class_balance(breast)
    assert [trace.name for trace in figure.data] == ["train", "val", "test"]
    assert list(figure.data[0].y) == [147, 399]


def test_intensity_histogram_has_one_density_per_class(breast):
    figure = data_figures.intensity_histogram(breast)
    assert [trace.name for trace in figure.data] == list(breast.class_names)
    assert abs(sum(figure.data[0].y) - 1.0) < 1e-6


def test_evaluation_figures():
    labels = np.array([0, 1, 1, 0])
    evaluation = evaluate_probabilities(np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6]]), labels, ["a", "b"])
    assert len(train_figures.roc_curves(evaluation).data) == 2  # chance line + the positive class
    assert list(train_figures.confusion_matrix(evaluation).data[0].z[0]) == [1, 1]
    assert "calibration error" in train_figures.calibration_plot(evaluation).layout.title.text
    curves = train_figures.training_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    assert len(curves.data) == 3
