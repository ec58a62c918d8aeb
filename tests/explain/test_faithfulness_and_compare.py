import numpy as np

from core.data.dataset import to_float
from core.explain.compare import drift, rank_correlation, top_k_iou
from core.explain.faithfulness import attribution_order, curves, randomisation_check, randomised_copy, score


def corner_map() -> np.ndarray:
    truth = np.zeros((28, 28), np.float32)
    truth[:7, :7] = 1.0
    return truth


def test_the_true_map_beats_random_and_its_opposite_loses(corner_predictor, bright_image):
    inputs = to_float(bright_image)
    target = np.array([1])
    good = score(corner_predictor, inputs, target, corner_map()[np.newaxis])[0]
    bad = score(corner_predictor, inputs, target, (1.0 - corner_map())[np.newaxis])[0]
    assert good.passes
    assert good.deletion_auc < good.random_deletion_auc and good.insertion_auc > good.random_insertion_auc
    assert bad.deletion_auc > good.deletion_auc and bad.insertion_auc < good.insertion_auc
    assert not bad.passes


def test_deletion_curve_of_the_true_map_falls_to_the_blurred_value_early(corner_predictor, bright_image):
    inputs = to_float(bright_image)
    result = curves(corner_predictor, inputs[0], 1, attribution_order(corner_map()), steps=28 * 28 // 49)
    assert result.deletion[0] > result.deletion[1]  # the first 1/16 of pixels is the whole corner
    np.testing.assert_allclose(result.deletion[1:], result.deletion[-1], atol=1e-6)


def test_identical_maps_score_one_and_opposite_maps_do_not():
    rng = np.random.default_rng(0)
    a = rng.random((3, 28, 28))
    assert rank_correlation(a[0], a[0]) == 1.0 and top_k_iou(a[0], a[0]) == 1.0
    assert drift(a, a) == {"rank_correlation": 1.0, "top_k_iou": 1.0, "top_fraction": 0.1}
    assert rank_correlation(a[0], -a[0]) == -1.0 and top_k_iou(a[0], -a[0]) == 0.0


def test_randomising_a_model_changes_its_maps(keras_model, breast):
    from core.explain.predictor import Predictor
    from core.explain.service import explain

    images = breast.images("test")[:2]
    trained = explain(Predictor(keras_model), images, "saliency", use_cache=False)
    randomised = explain(
        Predictor(randomised_copy(keras_model, seed=1)), images, "saliency", targets=trained.targets, use_cache=False
    )
    assert randomisation_check(trained.maps, randomised.maps) < 0.9
    assert randomisation_check(trained.maps, trained.maps) == 1.0


def test_ranking_puts_the_true_map_method_first(corner_predictor, bright_image):
    from core.explain.ranking import rank_methods

    rows = rank_methods(corner_predictor, bright_image, ["occlusion", "saliency"], seed=0)
    assert [row["rank"] for row in rows] == [1, 2]
    assert all("deletion AUC" in row and "random deletion AUC" in row for row in rows)
