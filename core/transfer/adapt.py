"""A source model rebuilt for a target dataset: the target's input size and channels, a new head for its classes.

The rebuild edits the source's functional config (plain layers only, so the result passes the same model gate
as any stored model): the input takes the target's shape, a channel adapter follows it when the channels differ,
and the last Dense layer gets the target's number of classes. Every other layer keeps the source's weights.
Convolutions and global pooling work at any size, so by default the body reads the target at its own
resolution ("native"); "resize" shrinks or enlarges the target to the size the source was trained at.
"""

import copy
from dataclasses import dataclass

from core.errors import ModelError
from core.runtime.shared_model import shared

ADAPTER, RESIZER = "adapt_channels", "adapt_size"
INPUT_RULES = ("native", "resize")


@dataclass
class Adapted:
    model: object
    head: str  # the new classification layer
    new_layers: tuple[str, ...]  # layers that start untrained: the head and the adapters


def adapt(source, input_shape: tuple[int, int, int], num_classes: int | None, input_rule: str = "native") -> Adapted:
    """``source`` (a functional Keras model ending in a softmax Dense layer) for ``input_shape`` and a new head of
    ``num_classes`` (None: keep the source's head and its weights); refuses a model whose graph it cannot
    rebuild, in words."""
    from tensorflow import keras

    if input_rule not in INPUT_RULES:
        raise ModelError(f"Unknown input rule {input_rule!r}; choose {' or '.join(INPUT_RULES)}.")
    try:
        config = copy.deepcopy(source.get_config())
        layers, (input_name,) = config["layers"], [entry[0] for entry in config["input_layers"]]
        (output_name,) = [entry[0] for entry in config["output_layers"]]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelError("Transfer needs a single-input, single-output functional model.") from error
    head = _layer(layers, output_name)
    if head["class_name"] != "Dense":
        raise ModelError(f"Transfer needs a model that ends in a Dense layer; this one ends in {head['class_name']}.")
    source_shape = tuple(source.input_shape[1:])
    target = tuple(input_shape)
    _layer(layers, input_name)["config"]["batch_input_shape"] = [None, *target]
    chain = []
    if input_rule == "resize" and target[:2] != source_shape[:2]:
        chain.append(_resizer(source_shape[:2]))
    if target[2] != source_shape[2]:
        chain.append(_channel_adapter(target[2], source_shape[2]))
    _insert_after(layers, input_name, chain)
    if num_classes is not None:
        head["config"]["units"] = num_classes
        head["config"]["activation"] = "softmax"
    model = keras.Model.from_config(config)
    new = {*([head["name"]] if num_classes is not None else []), *(entry["name"] for entry in chain)}
    learnt = shared(source).layer_weights()
    for layer in model.layers:
        if layer.name not in new and layer.weights:
            layer.set_weights(learnt[layer.name])
    if any(entry["name"] == ADAPTER and entry["class_name"] == "Conv2D" for entry in chain):
        kernel = model.get_layer(ADAPTER).get_weights()[0]
        model.get_layer(ADAPTER).set_weights([kernel * 0 + 1.0 / target[2]])  # the mean of the channels: gray
    return Adapted(model, head["name"], tuple(sorted(new)))


def _layer(layers: list[dict], name: str) -> dict:
    return next(entry for entry in layers if entry["name"] == name)


def _insert_after(layers: list[dict], input_name: str, chain: list[dict]) -> None:
    """Rewire every reader of the input to read the end of ``chain`` (built input first)."""
    if not chain:
        return
    readers = [entry for entry in layers if entry["name"] != input_name]
    previous = input_name
    for entry in chain:
        arity = 3 if entry["class_name"] == "Concatenate" else 1
        entry["inbound_nodes"] = [[[previous, 0, 0, {}] for _ in range(arity)]]
        previous = entry["name"]
    for entry in readers:
        entry["inbound_nodes"] = _renamed(entry["inbound_nodes"], input_name, previous)
    position = next(i for i, entry in enumerate(layers) if entry["name"] == input_name) + 1
    layers[position:position] = chain


def _renamed(nodes, old: str, new: str):
    if isinstance(nodes, list):
        if len(nodes) >= 3 and nodes[0] == old and isinstance(nodes[1], int):
            return [new, *nodes[1:]]
        return [_renamed(node, old, new) for node in nodes]
    return nodes


def _channel_adapter(have: int, need: int) -> dict:
    """Gray to RGB repeats the gray channel three times; RGB to gray takes the mean (a fixed 1x1 convolution
    that a fine-tune may adjust)."""
    if have == 1 and need == 3:
        return {"class_name": "Concatenate", "name": ADAPTER, "config": {"name": ADAPTER, "axis": -1}}
    return {
        "class_name": "Conv2D",
        "name": ADAPTER,
        "config": {"name": ADAPTER, "filters": need, "kernel_size": [1, 1], "use_bias": False},
    }


def _resizer(size: tuple[int, int]) -> dict:
    return {
        "class_name": "Resizing",
        "name": RESIZER,
        "config": {"name": RESIZER, "height": size[0], "width": size[1], "interpolation": "area"},
    }


def reader(source, input_shape: tuple[int, int, int]):
    """``source`` as it reads an image of ``input_shape``: resized to its own size and bridged gray <-> RGB, its
    head and every weight unchanged (the Explain page puts a transferred model's source beside it on the target's
    images). Rebuilt flat, so gradient methods find its convolutions."""
    return adapt(source, input_shape, None, "resize").model
