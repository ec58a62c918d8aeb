import json

import numpy as np
import pytest
import tensorflow as tf

from core.augment.pipeline import PRESETS, OpStep, Pipeline
from core.errors import MedLensError


def test_json_round_trip_and_snippet_rebuild_the_same_pipeline(tmp_path):
    for pipeline in PRESETS.values():
        again = Pipeline.from_json(pipeline.to_json())
        assert again == pipeline
        namespace: dict = {}
        exec(pipeline.snippet(), namespace)  # the exported snippet is runnable as it stands
        assert namespace["pipeline"] == pipeline
    path = tmp_path / "p.json"
    path.write_text(PRESETS["chest_xray"].to_json())
    assert Pipeline.load(path) == PRESETS["chest_xray"]
    assert Pipeline.load("classic_keras") == PRESETS["classic_keras"]


def test_classic_keras_preset_reproduces_image_data_generator_settings():
    steps = {s.op: (s.params, s.probability) for s in PRESETS["classic_keras"].steps}
    assert steps["rotate"] == ({"degrees": 20.0}, 1.0)
    assert steps["translate"] == ({"fraction": 0.1}, 1.0)
    assert steps["shear"] == ({"degrees": 0.1}, 1.0)
    assert steps["zoom"] == ({"fraction": 0.1}, 1.0)
    assert steps["hflip"][1] == 0.5 and steps["vflip"][1] == 0.5
    assert not {"hflip", "vflip"} & {s.op for s in PRESETS["chest_xray"].steps}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"steps": [{"op": "twirl"}]}, "Unknown augmentation op 'twirl'"),
        ({"steps": [{"op": "rotate", "params": {"degrees": 500}}]}, r"Op 'rotate', field 'degrees': 500.0 is outside"),
        ({"steps": [{"op": "rotate", "params": {"angle": 5}}]}, "Op 'rotate' has no field angle"),
        ({"steps": [{"op": "noise", "probability": 1.5}]}, "Op 'noise', field 'probability'"),
        ({"steps": [{"params": {}}]}, 'needs an "op"'),
        ({"steps": "rotate"}, "list of"),
    ],
)
def test_invalid_pipelines_name_the_op_and_field(data, message):
    with pytest.raises(MedLensError, match=message):
        Pipeline.from_json(json.dumps(data))


def test_bad_json_and_missing_files_are_clear(tmp_path):
    with pytest.raises(MedLensError, match="not valid JSON"):
        Pipeline.from_json("{")
    with pytest.raises(MedLensError, match="No pipeline file"):
        Pipeline.load(tmp_path / "missing.json")


def test_mixing_pipelines_need_the_class_count():
    pipeline = Pipeline("m", (OpStep("mixup", {}, 1.0),))
    assert pipeline.mixes_labels
    images = tf.zeros((4, 28, 28, 1))
    with pytest.raises(MedLensError, match="class count"):
        pipeline(images, tf.constant([0, 1, 0, 1]), tf.constant([1, 2]))
    _, labels = pipeline.for_classes(2)(images, tf.constant([0, 1, 0, 1]), tf.constant([1, 2]))
    assert labels.shape == (4, 2)


def test_as_tf_applies_a_pipeline_per_batch(breast):
    data = breast.as_tf("train", 32, shuffle=True, seed=1, augment=PRESETS["classic_keras"])
    first = [b[0].numpy() for b in data.take(2)]
    again = [b[0].numpy() for b in data.take(2)]
    plain = breast.as_tf("train", 32, shuffle=True, seed=1)
    assert first[0].shape == (32, 28, 28, 1)
    assert not np.array_equal(first[0], next(iter(plain))[0].numpy())
    assert not np.array_equal(first[0], again[0])  # a new draw each epoch


def test_only_isolates_one_step():
    isolated = PRESETS["chest_xray"].only(3)
    assert [s.op for s in isolated.steps] == ["brightness"] and isolated.steps[0].probability == 1.0
