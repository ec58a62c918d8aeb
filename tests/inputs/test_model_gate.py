"""The exact model gate: real tf-keras configs pass; op layers, constants, call arguments and odd archives do not."""

import json
import zipfile

import pytest

from core.errors import InputError
from core.inputs.model_check import inspect_config
from core.inputs.model_gate import ALLOWED, check_config
from tests.inputs import files


def saved_config(model, tmp_path) -> dict:
    from core.keras_files import save_keras

    path = tmp_path / "m.keras"
    save_keras(model, path)
    inspect_config(path)  # the whole first gate, archive included
    return json.loads(zipfile.ZipFile(path).read("config.json"))


def test_real_models_pass_compiled_regularised_and_mixed_precision(tmp_path):
    from tensorflow import keras

    from core.models.architectures import build

    model = build("resnet", (28, 28, 3), 5)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert saved_config(model, tmp_path)["compile_config"]["optimizer"]["class_name"] == "Adam"
    dense = keras.layers.Dense(
        3, kernel_regularizer="l2", kernel_constraint=keras.constraints.MaxNorm(2), dtype="mixed_float16"
    )
    sequential = keras.Sequential([keras.Input((4,)), dense, keras.layers.Activation(keras.activations.swish)])
    saved_config(sequential, tmp_path)


@pytest.mark.parametrize(
    ("class_name", "extra"),
    [
        ("ClassMethod", {"cls_symbol": "io.write_file", "method_name": "__call__"}),
        ("InstanceMethod", {"method_name": "numpy"}),
        ("InstanceProperty", {"attr_name": "shape"}),
        ("TFOpLambda", {"function": "io.write_file"}),
        ("SlicingOpLambda", {"function": "__operators__.getitem"}),
        ("Lambda", {"function": ["4wEA", None, None]}),
    ],
)
@pytest.mark.parametrize("module", ["keras", "keras.layers", "tf_keras.src.layers.core.tf_op_layer"])
def test_op_layers_are_refused_by_name_whatever_the_module(class_name, extra, module):
    with pytest.raises(InputError, match="runs code"):
        check_config(files.op_layer_model(class_name, "/tmp/x.pth", module=module, **extra), "m.keras")


def test_a_layer_off_the_list_is_refused_under_any_keras_module():
    config = files.op_layer_model("TextVectorization", "/tmp/x.pth")
    config["config"]["layers"][1]["inbound_nodes"] = []
    with pytest.raises(InputError, match="not on MedLens's list"):
        check_config(config, "m.keras")
    assert ("keras", "TextVectorization") not in ALLOWED and ("keras.layers", "Dense") in ALLOWED


def test_constants_and_call_arguments_in_inbound_nodes_are_refused():
    base = files.op_layer_model("Flatten", "/tmp/x.pth", module="keras.layers")
    with pytest.raises(InputError, match="constant"):
        check_config(base, "m.keras")
    base["config"]["layers"][1]["inbound_nodes"] = [[["image", 0, 0, {"kwargs": {"contents": "x"}}]]]
    with pytest.raises(InputError, match="arguments"):
        check_config(base, "m.keras")
    base["config"]["layers"][1]["inbound_nodes"] = [[["image", 0, 0, {"training": False}]]]
    check_config(base, "m.keras")  # a plain reference with an allowed argument passes
    base["config"]["layers"][1]["inbound_nodes"] = [{"args": [], "kwargs": {}}]
    with pytest.raises(InputError, match="form"):
        check_config(base, "m.keras")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"module": "keras.activations", "class_name": "function", "config": "eval"}, "activation"),
        ("os.system", "activation"),
        ({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {}, "hook": 1}, "unexpected"),
    ],
)
def test_activations_are_built_in_names_and_objects_have_no_extra_fields(value, reason):
    dense = files.layer("Dense", units=2, activation="relu", kernel_initializer=None)
    dense["config"]["activation" if reason == "activation" else "kernel_initializer"] = value
    with pytest.raises(InputError, match=reason):
        check_config(files.functional(dense), "m.keras")


@pytest.mark.parametrize(
    "members",
    [
        {"config.json": "EVIL", "./config.json": "GOOD"},  # the checker and Keras would read different ones
        {"config.json": "GOOD", "Config.json": "EVIL"},
        {"config.json": "GOOD", "assets/x.txt": "x"},
    ],
    ids=["dot-slash twin", "case twin", "extra member"],
)
def test_the_archive_holds_exactly_the_keras_members_by_raw_name(tmp_path, members):
    good = json.dumps(files.functional(files.layer("Flatten")))
    contents = {name: good if text == "GOOD" else ("{}" if text == "EVIL" else text) for name, text in members.items()}
    path = tmp_path / "m.keras"
    path.write_bytes(files.zip_bytes({"metadata.json": b"{}", "model.weights.h5": b"\x89HDF", **contents}))
    with pytest.raises(InputError, match=r"twice|plain form|never has"):
        inspect_config(path)
