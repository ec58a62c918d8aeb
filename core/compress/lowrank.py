"""Low-rank factorisation by truncated SVD (Denton et al., NeurIPS 2014; Jaderberg et al., 2014).

A Dense kernel W (in x out) becomes two thinner layers in->r->out; a convolution kernel
(kh, kw, cin, cout) is reshaped to (kh*kw*cin, cout), factorised the same way and rebuilt
as a kh x kw convolution to r channels followed by a 1x1 convolution. Each layer keeps the
rank ``rank`` or, when ``rank`` is 0, the smallest rank holding ``energy`` of the squared
singular values. Layers where the two factors would not be smaller are left alone.
"""

import numpy as np

from core.compress.finetune import FINE_TUNING, StepContext, fine_tune
from core.compress.steps import Param, StepKind, register
from core.data.dataset import Dataset
from core.errors import MedLensError


def choose_rank(singular_values: np.ndarray, rank: int, energy: float) -> int:
    if rank > 0:
        return min(rank, len(singular_values))
    kept = np.cumsum(singular_values**2) / max(float(np.sum(singular_values**2)), 1e-12)
    return int(np.searchsorted(kept, energy - 1e-9) + 1)


def factorise(matrix: np.ndarray, rank: int, energy: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(A, B) with A @ B ~ matrix and the chosen rank, or None when it would not save parameters."""
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    r = choose_rank(s, rank, energy)
    rows, cols = matrix.shape
    if r * (rows + cols) >= rows * cols:
        return None
    root = np.sqrt(s[:r])
    return (u[:, :r] * root).astype(matrix.dtype), (root[:, None] * vt[:r]).astype(matrix.dtype)


def _copy_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def _factorised_layers(layer, rank: int, energy: float):
    """[(new layer, weights)] replacing ``layer``, or None to keep it."""
    from tensorflow import keras

    if type(layer) not in (keras.layers.Dense, keras.layers.Conv2D):
        return None
    config = layer.get_config()
    weights = layer.get_weights()
    kernel, bias = weights[0], (weights[1] if config.get("use_bias") else None)
    if type(layer) is keras.layers.Dense:
        parts = factorise(kernel, rank, energy)
        if parts is None:
            return None
        a, b = parts
        first = keras.layers.Dense(a.shape[1], use_bias=False, name=f"{layer.name}_lowrank_a")
        second = keras.layers.Dense.from_config({**config, "name": f"{layer.name}_lowrank_b"})
        return [(first, [a]), (second, [b] if bias is None else [b, bias])]
    if type(layer) is keras.layers.Conv2D and config.get("groups", 1) == 1:
        kh, kw, cin, cout = kernel.shape
        parts = factorise(kernel.reshape(kh * kw * cin, cout), rank, energy)
        if parts is None:
            return None
        a, b = parts
        r = a.shape[1]
        first = keras.layers.Conv2D(
            r, (kh, kw), strides=config["strides"], padding=config["padding"],
            dilation_rate=config["dilation_rate"], use_bias=False, name=f"{layer.name}_lowrank_a",
        )  # fmt: skip
        second_config = {**config, "name": f"{layer.name}_lowrank_b", "kernel_size": (1, 1), "strides": (1, 1),
                         "padding": "valid", "dilation_rate": (1, 1)}  # fmt: skip
        second = keras.layers.Conv2D.from_config(second_config)
        b_kernel = b.reshape(1, 1, r, cout)
        return [(first, [a.reshape(kh, kw, cin, r)]), (second, [b_kernel] if bias is None else [b_kernel, bias])]
    return None


def factorise_model(model, rank: int = 0, energy: float = 0.9):
    """A new functional model with Dense/Conv2D layers replaced by their low-rank pairs."""
    from tensorflow import keras

    if not isinstance(model, keras.Model) or not hasattr(model, "_input_layers"):
        raise MedLensError("Low-rank factorisation needs a functional Keras model.")
    tensors: dict[int, object] = {}
    inputs = []
    for original in model.inputs:
        new = keras.Input(shape=original.shape[1:], dtype=original.dtype, name=original.name.split(":")[0])
        tensors[id(original)] = new
        inputs.append(new)
    replaced = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if len(layer.inbound_nodes) != 1:
            raise MedLensError(f"Layer {layer.name} is shared; low-rank factorisation supports plain graphs only.")
        node = layer.inbound_nodes[0]
        sources = node.input_tensors if isinstance(node.input_tensors, list) else [node.input_tensors]
        args = [tensors[id(t)] for t in sources]
        args = args if len(args) > 1 else args[0]
        pairs = _factorised_layers(layer, rank, energy)
        if pairs is None:
            copy = _copy_layer(layer)
            out = copy(args)
            copy.set_weights(layer.get_weights())
        else:
            replaced += 1
            out = args
            for new_layer, weights in pairs:
                out = new_layer(out)
                new_layer.set_weights(weights)
        outputs = node.output_tensors if isinstance(node.output_tensors, list) else [node.output_tensors]
        results = out if isinstance(out, list) else [out]
        for original, result in zip(outputs, results, strict=True):
            tensors[id(original)] = result
    outputs = [tensors[id(t)] for t in model.outputs]
    rebuilt = keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0], name=f"{model.name}_lowrank")
    return rebuilt, replaced


def lowrank(model, dataset: Dataset, params: dict, context: StepContext):
    context.report("factorising layers by truncated SVD")
    rebuilt, replaced = factorise_model(model, params["rank"], params["energy"])
    if replaced == 0:
        raise MedLensError("No layer of this model gets smaller at that rank or energy; keep more rank or less energy.")
    return fine_tune(rebuilt, dataset, params, context)


register(
    StepKind(
        name="lowrank",
        title="Low-rank factorisation (SVD)",
        params=(
            Param("rank", "int", 0, 0, 512, help="Rank kept per layer; 0 means choose it from the energy."),
            Param("energy", "float", 0.9, 0.3, 1.0, help="Share of the squared singular values each layer keeps."),
            Param("epochs", "int", 2, 0, 20, help="Fine-tuning epochs after factorising."),
            Param("learning_rate", "float", 5e-4, 1e-6, 1e-2, scale="log"),
            *FINE_TUNING,
        ),
        apply=lowrank,
        note=(
            "**Low-rank factorisation** replaces one big weight matrix by two thin ones whose product "
            "is close to it (truncated SVD). It really removes parameters, so the file shrinks "
            "without zip; too low a rank blurs what the layer learned, and a short fine-tune helps it recover."
        ),
    )
)
