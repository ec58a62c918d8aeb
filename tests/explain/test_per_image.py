"""The Explain page's comparisons for one image, computed in core: maps, agreement, faithfulness, sanity check."""

import numpy as np
import pytest

from core.errors import Cancelled
from core.explain.per_image import agreement_rows, explain_batch, explain_methods, faithfulness_of, sanity_rows


def test_methods_that_cannot_run_are_reported_not_raised(keras_model, images):
    from core.compress.quantize import to_tflite
    from core.explain.predictor import Predictor

    tflite = Predictor(tflite=to_tflite(keras_model, "float32"))
    result = explain_methods(tflite, images[0], 0, ["gradcam", "occlusion"], seed=0, background=None)
    assert set(result.maps) == {"occlusion"} and "needs the Keras model" in result.failures["gradcam"]


def test_agreement_has_one_row_per_pair_and_a_map_agrees_with_itself(predictor, images):
    maps = explain_methods(predictor, images[0], 1, ["gradcam", "saliency", "occlusion"], 0, None).maps
    rows = agreement_rows(maps)
    assert len(rows) == 3 and all(-1.0 <= row["rank correlation"] <= 1.0 for row in rows)
    same = agreement_rows({"gradcam": maps["gradcam"], "saliency": maps["gradcam"]})
    assert same[0]["rank correlation"] == 1.0 and same[0]["top-10% overlap (IoU)"] == 1.0


def test_faithfulness_rows_carry_the_verdict_against_a_random_order(predictor, images):
    maps = explain_methods(predictor, images[0], 1, ["occlusion"], 0, None).maps
    scored = faithfulness_of(predictor, images[0], 1, maps, seed=0)
    assert set(scored.curves) == {"Occlusion", "random order"}
    by_name = {row["method"]: row for row in scored.rows}
    chance, own = scored.curves["random order"], scored.curves["Occlusion"]
    expected = own.deletion_auc < chance.deletion_auc and own.insertion_auc > chance.insertion_auc
    assert by_name["Occlusion"]["beats random"] == expected and by_name["random order"]["beats random"] is False


def test_sanity_check_and_a_cancellable_batch(predictor, images):
    maps = explain_methods(predictor, images[0], 1, ["gradcam"], 0, None).maps
    rows = sanity_rows(predictor, images[0], 1, maps, seed=0, background=None)
    assert rows[0]["method"] == "Grad-CAM" and -1.0 <= rows[0]["rank correlation with the randomised model"] <= 1.0
    seen = []
    batch = explain_batch(
        predictor, images, np.array([0, 1]), "saliency", {"samples": 2}, 0, lambda f, m: seen.append(m)
    )
    assert batch.shape == (2, 28, 28) and seen == ["1/2 image 1 of 2", "2/2 image 2 of 2", "done"]
    with pytest.raises(Cancelled):
        explain_batch(predictor, images, np.array([0, 1]), "saliency", {"samples": 2}, 0, should_stop=lambda: True)
