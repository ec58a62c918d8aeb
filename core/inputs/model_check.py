"""Check a user's ``.keras`` model before anything is deserialised, then load it in a throwaway process.

Two gates. First, the archive's ``config.json`` is read as plain JSON and every object in it must
name an allow-listed Keras class from a Keras module (no ``Lambda``, no custom objects, no other
modules). Second, a child process loads it with ``safe_mode=True`` and runs one prediction under a
time and memory limit, so a model that hangs or balloons takes the child down, not the app.
``.h5``, SavedModel folders and pickles are refused: tf-keras 2.21 skips safe mode on those paths.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError
from core.inputs.archive import SafeZip
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.sniff import HEAD_BYTES, describe, sniff

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REQUIRED_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
KERAS_MODULES = frozenset(
    {
        "keras",
        "keras.layers",
        "keras.initializers",
        "keras.regularizers",
        "keras.constraints",
        "keras.activations",
        "keras.losses",
        "keras.metrics",
        "keras.optimizers",
        "keras.optimizers.legacy",
        "keras.optimizers.schedules",
        "tf_keras.src.engine.functional",
        "tf_keras.src.engine.sequential",
        "tf_keras.src.engine.training",
    }
)
# Layers that compute with their weights and nothing else; none takes code or a function name.
_LAYER_WORDS = """
InputLayer Dense Conv1D Conv2D Conv3D SeparableConv2D DepthwiseConv2D Conv2DTranspose MaxPooling2D
AveragePooling2D GlobalAveragePooling2D GlobalMaxPooling2D MaxPooling1D AveragePooling1D
GlobalAveragePooling1D GlobalMaxPooling1D BatchNormalization LayerNormalization GroupNormalization
Dropout SpatialDropout2D GaussianNoise GaussianDropout Flatten Reshape Permute RepeatVector
ZeroPadding2D Cropping2D UpSampling2D Activation ReLU LeakyReLU PReLU ELU Softmax ThresholdedReLU
Add Subtract Multiply Average Maximum Minimum Concatenate Dot Rescaling Normalization Resizing
CenterCrop Functional Sequential Model
"""
LAYERS = frozenset(_LAYER_WORDS.split())
PROCESS_LAYERS = frozenset({"Functional", "Sequential", "Model"})
REFUSED_KINDS = {
    "hdf5": "an HDF5 (.h5) model: tf-keras 2.21 loads those without safe mode, so code inside could run. "
    "Re-save it with model.save('model.keras') and bring the .keras file",
    "pickle": "a Python pickle: loading one runs whatever code it holds. Bring a .keras file",
    "gzip": "a compressed archive; bring the .keras file itself",
}


@dataclass(frozen=True)
class ModelCheck:
    input_shape: tuple[int, int, int]
    num_classes: int
    params: int
    layers: int
    outputs_probabilities: bool


def inspect_config(path: Path, limits: Limits = LIMITS) -> dict:
    """The archive's config, after every object in it passed the allow-list; refuses anything else."""
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"{path.name} is a folder (a SavedModel?): tf-keras 2.21 loads those without safe mode. "
            "Re-save the model as a .keras file."
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        raise InputError(f"{path.name} cannot be read ({error.strerror or error}).") from error
    if size == 0:
        raise InputError(f"{path.name} is empty; bring a .keras model file.")
    if size > limits.max_model_bytes:
        raise InputError(f"{path.name} has {human_bytes(size)}; the limit is {human_bytes(limits.max_model_bytes)}.")
    kind = sniff(head)
    if kind in REFUSED_KINDS:
        raise InputError(f"{path.name} is {REFUSED_KINDS[kind]}.")
    if kind != "zip":
        raise InputError(f"{path.name} is {describe(kind)}, not a .keras model (a Keras v3 zip archive).")
    with SafeZip(path, limits) as archive:
        members = {member.path: member for member in archive}
        missing = [name for name in REQUIRED_MEMBERS if name not in members]
        if missing:
            raise InputError(f"{path.name} is a zip but not a .keras model: it lacks {', '.join(missing)}.")
        if members["config.json"].size > limits.max_model_config_bytes:
            raise InputError(f"{path.name}'s config is implausibly large; refusing it.")
        text = archive.read(members["config.json"])
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InputError(f"{path.name}'s config is not valid JSON ({type(error).__name__}).") from error
    check_objects(config, path.name)
    return config


def check_objects(config, name: str, depth: int = 0) -> None:
    """Walk the config; every ``module`` must be Keras's and every layer class on the allow-list."""
    if depth > 64:
        raise InputError(f"{name}'s config is nested too deeply to be a Keras model; refusing it.")
    if isinstance(config, dict):
        module = config.get("module")
        if module is not None and (not isinstance(module, str) or module not in KERAS_MODULES):
            raise InputError(
                f"{name} names the module {str(module)[:80]!r}; MedLens loads only built-in Keras classes, "
                "never code from other modules."
            )
        class_name = config.get("class_name")
        if class_name is not None:
            if not isinstance(class_name, str):
                raise InputError(f"{name}'s config has a class name that is not text; refusing it.")
            _check_class(class_name, module, config.get("registered_name"), name)
        for value in config.values():
            check_objects(value, name, depth + 1)
    elif isinstance(config, list):
        for value in config:
            check_objects(value, name, depth + 1)


def _check_class(class_name: str, module, registered, name: str) -> None:
    if class_name in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
        raise InputError(
            f"{name} contains a {class_name} layer, which holds Python code; MedLens never runs code from a "
            "model file. Rebuild the model without it."
        )
    if registered is not None and registered != class_name:
        raise InputError(f"{name} uses the custom object {str(registered)[:80]!r}; only built-in Keras layers load.")
    if module == "keras.layers" or class_name in PROCESS_LAYERS:
        if class_name not in LAYERS:
            raise InputError(
                f"{name} uses the layer {class_name[:80]!r}, which is not on MedLens's list of plain Keras "
                "layers; rebuild the model with standard layers."
            )
    elif module is None:
        raise InputError(f"{name} names the class {class_name[:80]!r} without its module; refusing it.")


def probe(path: Path, limits: Limits = LIMITS, should_stop: Callable[[], bool] | None = None) -> ModelCheck:
    """Load ``path`` with safe mode in a child process under a time and memory limit; its shapes and size."""
    import psutil

    from core.inputs.session_space import root as scratch_root

    name = Path(path).name
    command = [sys.executable, "-m", "core.inputs.model_probe", str(Path(path).resolve())]
    scratch_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="medlens-probe-", dir=scratch_root()) as scratch:
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HOME": scratch, "CUDA_VISIBLE_DEVICES": ""}
        answer = Path(scratch) / "answer.json"
        with answer.open("w") as out:  # a file, not a pipe: a chatty child can never block on a full pipe
            child = subprocess.Popen(command, cwd=scratch, env=env, stdout=out, stderr=subprocess.DEVNULL)
            reason = _watch(child, psutil.Process(child.pid), limits, should_stop)
        output = answer.read_text()
    if reason:
        raise InputError(f"{name} {reason}; refusing it.")
    try:
        result = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        raise InputError(f"{name} could not be loaded (the check ended without an answer).") from error
    if "error" in result:
        raise InputError(f"{name} could not be loaded safely: {result['error']}")
    return ModelCheck(
        tuple(result["input_shape"]),
        int(result["num_classes"]),
        int(result["params"]),
        int(result["layers"]),
        bool(result["outputs_probabilities"]),
    )


def _watch(child: subprocess.Popen, process, limits: Limits, should_stop: Callable[[], bool] | None) -> str:
    """'' when the child finished on its own; else why it was killed (``Cancelled`` when asked to stop)."""
    from core.errors import Cancelled

    deadline = time.monotonic() + limits.model_check_seconds
    reason = ""
    while not reason and child.poll() is None:
        if should_stop is not None and should_stop():
            reason = "cancelled"
        elif _rss(process) > limits.model_check_memory_bytes:
            reason = f"needed more than {human_bytes(limits.model_check_memory_bytes)} of memory to load"
        elif time.monotonic() > deadline:
            reason = f"took longer than {limits.model_check_seconds:.0f} s to load"
        else:
            time.sleep(0.05)
    if reason:
        child.kill()
        child.wait()
    if reason == "cancelled":
        raise Cancelled("The model check was cancelled; nothing was stored.")
    return reason


def _rss(process) -> int:
    import psutil

    try:
        return process.memory_info().rss
    except psutil.Error:  # the child has just exited
        return 0


def check_model_file(path: Path, limits: Limits = LIMITS, should_stop: Callable[[], bool] | None = None) -> ModelCheck:
    """Both gates: the config allow-list, then the sandboxed safe-mode load."""
    inspect_config(path, limits)
    return probe(path, limits, should_stop)
