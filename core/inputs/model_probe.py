"""Child process of ``model_check.probe``: load one ``.keras`` file with safe mode, run it once, print JSON.

Runs with an empty read-only working folder and HOME, no GPU, and is killed by the parent when it
overruns its time or memory. Before it opens the file it leaves the network (where the kernel allows)
and locks itself down (``sandbox.lock_down``: no writes, no new processes, no sockets), so even a
config the first gate missed cannot write a file or start a program. The last line of stdout is the answer.
"""

import json
import os
import sys

from core.inputs import sandbox


def prepare() -> list[str]:
    """Import what loading needs, then lock the process down; the protections in force, by name."""
    network = sandbox.isolate_network()  # first: a user namespace needs a single-threaded process
    import importlib

    import core.keras_files  # noqa: F401  (core first: TF_USE_LEGACY_KERAS before TensorFlow)

    importlib.import_module("tf_keras.src.saving.saving_lib")  # loaded now: nothing new is imported after the lock

    space = int(os.environ.get("MEDLENS_PROBE_ADDRESS_SPACE", 0)) or None
    sandbox.lock_down(max_address_space=space)
    return ["seccomp", "rlimits"] + (["network namespace"] if network else [])


def main(path: str) -> dict:
    import numpy as np

    from core.keras_files import load_keras_file

    model = load_keras_file(path)
    shape = tuple(model.input_shape[1:])
    if len(shape) != 3 or any(d is None for d in shape) or shape[2] not in (1, 3):
        return {"error": f"its input shape is {shape}; MedLens takes images (height, width, 1 or 3 channels)."}
    output = model.output_shape
    if len(output) != 2 or output[-1] is None or output[-1] < 2:
        return {"error": f"its output shape is {output}; MedLens needs one score per class (at least two)."}
    scores = np.asarray(model(np.zeros((2, *shape), np.float32), training=False))
    if not np.isfinite(scores).all():
        return {"error": "it predicts NaN or infinity on a blank image."}
    probabilities = bool((scores >= 0).all() and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3))
    return {
        "input_shape": list(shape),
        "num_classes": int(output[-1]),
        "params": int(model.count_params()),
        "layers": len(model.layers),
        "outputs_probabilities": probabilities,
    }


if __name__ == "__main__":
    try:
        protections = prepare()
    except sandbox.SandboxUnavailable as error:  # refuse rather than load without the sandbox
        print(json.dumps({"error": f"the sandbox could not be set up on this server ({error})."}), flush=True)
        sys.exit(0)
    from core.errors import MedLensError

    try:
        answer = main(sys.argv[1]) | {"sandbox": protections}
    except MedLensError as error:
        answer = {"error": str(error)}
    print(json.dumps(answer), flush=True)
