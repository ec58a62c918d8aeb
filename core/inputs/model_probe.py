"""Child process of ``model_check.probe``: load one ``.keras`` file with safe mode, run it once, print JSON.

Runs with an empty working directory and HOME, no GPU, and is killed by the parent when it
overruns its time or memory. The last line of stdout is the answer.
"""

import json
import sys


def main(path: str) -> dict:
    import numpy as np

    import core  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow)
    from core.models.store import load_keras_file

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
    from core.errors import MedLensError

    try:
        answer = main(sys.argv[1])
    except MedLensError as error:
        answer = {"error": str(error)}
    print(json.dumps(answer), flush=True)
