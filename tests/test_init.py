"""The Keras flavour is chosen in exactly one place, and tfmot works on core's models."""

import os
import re
import subprocess
import sys

from tests.conftest import ROOT

SETS_LEGACY_KERAS = re.compile(
    r"""environ(\[["']TF_USE_LEGACY_KERAS["']\]\s*=[^=]|\.setdefault\(["']TF_USE_LEGACY_KERAS)"""
)


def test_legacy_keras_is_set_in_one_place_only():
    assignments = []
    for folder in ("core", "pages", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            if SETS_LEGACY_KERAS.search(text):
                assignments.append(path.relative_to(ROOT).as_posix())
    assignments += [name for name in ("app.py",) if SETS_LEGACY_KERAS.search((ROOT / name).read_text())]
    assert assignments == ["core/__init__.py"]
    assert os.environ["TF_USE_LEGACY_KERAS"] == "1"


def test_keras_is_the_keras2_api():
    from tensorflow import keras

    assert "tf_keras" in keras.__file__  # the module is tf-keras whatever name it was imported under
    assert hasattr(keras.layers, "DenseFeatures")  # a Keras 2 layer that Keras 3 removed


def test_tfmot_wraps_a_model_built_by_core():
    import tensorflow_model_optimization as tfmot

    from core.models.architectures import build

    model = build("small_cnn", (28, 28, 1), 2)
    pruned = tfmot.sparsity.keras.prune_low_magnitude(model)
    wrapped = [layer for layer in pruned.layers if type(layer).__name__ == "PruneLowMagnitude"]
    assert wrapped, "no layer was wrapped for pruning"
    assert pruned.output_shape == (None, 2)


def test_app_modules_do_not_import_tensorflow():
    """The Home page must be served before TensorFlow loads."""
    code = (
        "import sys; import core.data, core.models.store, core.jobs, core.registry, core.models.train; "
        "import pages.common; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported at start-up'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
