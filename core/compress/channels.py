"""Channel pruning (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017): whole filters of smallest
L1 norm are set to zero and kept at zero while the model fine-tunes.

Structured where magnitude pruning is not: every weight of a dropped filter is zero, so a runtime or a later
rebuild can remove the filter outright; here the file still stores the zeros and shrinks once compressed.
The output layer keeps all its units (one per class).
"""

import numpy as np

from core.compress.finetune import FINE_TUNING, StepContext, clone, fine_tune
from core.compress.steps import Param, StepKind, register
from core.data.dataset import Dataset

PRUNABLE = ("Conv2D", "Dense")


def filter_masks(model, fraction: float) -> dict[str, np.ndarray]:
    """Layer name -> boolean (filters,) mask of the filters kept: the smallest-L1 ``fraction`` are dropped."""
    layers = [layer for layer in model.layers if type(layer).__name__ in PRUNABLE]
    masks = {}
    for layer in layers[:-1]:  # the last one scores the classes: every unit stays
        kernel = layer.get_weights()[0]
        norms = np.abs(kernel).reshape(-1, kernel.shape[-1]).sum(axis=0)
        drop = min(round(fraction * len(norms)), len(norms) - 1)
        keep = np.ones(len(norms), bool)
        keep[np.argsort(norms, kind="stable")[:drop]] = False
        masks[layer.name] = keep
    return masks


def apply_masks(model, masks: dict[str, np.ndarray]) -> None:
    """Zero the dropped filters' kernels and biases, in place."""
    for name, keep in masks.items():
        layer = model.get_layer(name)
        weights = layer.get_weights()
        weights[0] = weights[0] * keep
        if len(weights) > 1:
            weights[1] = weights[1] * keep
        layer.set_weights(weights)


def prune_channels(model, dataset: Dataset, params: dict, context: StepContext):
    from tensorflow import keras

    pruned = clone(model)
    masks = filter_masks(pruned, params["fraction"])
    apply_masks(pruned, masks)
    context.report(f"dropping {params['fraction']:.0%} of the filters in {len(masks)} layers")

    class KeepDropped(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            apply_masks(pruned, masks)  # the model being trained may be a distiller around it

    fine_tune(pruned, dataset, params, context, callbacks=[KeepDropped()])
    apply_masks(pruned, masks)  # the best epoch's weights are restored after the last batch
    return pruned


register(
    StepKind(
        name="prune_channels",
        title="Channel pruning",
        params=(
            Param("fraction", "float", 0.5, 0.0, 0.9, help="Share of each layer's filters set to zero."),
            Param("epochs", "int", 2, 1, 20, help="Fine-tuning epochs with the dropped filters held at zero."),
            Param("learning_rate", "float", 5e-4, 1e-6, 1e-2, scale="log"),
            *FINE_TUNING,
        ),
        apply=prune_channels,
        note=(
            "**Channel pruning** removes whole filters, the ones that respond least, instead of scattered "
            "weights. It costs more accuracy than pruning single weights at the same share, but what is left "
            "is a smaller network in disguise: a runtime can skip the empty filters entirely."
        ),
    )
)
