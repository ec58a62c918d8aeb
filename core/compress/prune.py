"""Magnitude pruning (Zhu & Gupta, "To prune, or not to prune", 2017) with tfmot.

Weights of smallest magnitude are set to zero while the model fine-tunes, either at a
constant target or ramping up on a polynomial schedule; ``2:4`` keeps two of every four
consecutive weights, the pattern sparse tensor cores accelerate. Zeros shrink the file
only after compression (gzip), or with sparse-aware runtimes.
"""

import numpy as np

from core.compress.finetune import (
    FINE_TUNING,
    SMALLEST_LAYER,
    StepContext,
    fine_tune,
    steps_per_epoch,
    wrap_large_layers,
)
from core.compress.steps import Param, StepKind, register
from core.data.dataset import Dataset

BATCH = 64
RAMP = 0.5  # the polynomial schedule reaches its target after this share of the fine-tuning


def prune(model, dataset: Dataset, params: dict, context: StepContext):
    import tensorflow_model_optimization as tfmot

    sparsity = tfmot.sparsity.keras
    steps = steps_per_epoch(dataset, BATCH)
    total = steps * params["epochs"]
    frequency = max(1, steps // 4)
    if params["schedule"] == "constant":
        schedule = sparsity.ConstantSparsity(params["sparsity"], begin_step=0, frequency=frequency)
    else:
        schedule = sparsity.PolynomialDecay(
            initial_sparsity=0.0,
            final_sparsity=params["sparsity"],
            begin_step=0,
            end_step=max(1, int(total * RAMP)),
            frequency=frequency,
        )
    extra = {"sparsity_m_by_n": (2, 4)} if params["pattern"] == "2:4" else {"pruning_schedule": schedule}
    context.report(f"pruning to {params['sparsity']:.0%}" if params["pattern"] == "unstructured" else "pruning 2:4")
    wrapped = wrap_large_layers(
        model, lambda layer: sparsity.prune_low_magnitude(layer, **extra), params["smallest_layer"]
    )
    # Only epochs that start after the ramp ends may be kept: earlier ones are not yet at the target.
    ramp_done = 0 if params["schedule"] == "constant" else int(np.ceil(RAMP * params["epochs"]))
    fine_tune(
        wrapped,
        dataset,
        params,
        context,
        callbacks=[sparsity.UpdatePruningStep()],
        select_from_epoch=ramp_done,
    )
    return sparsity.strip_pruning(wrapped)


register(
    StepKind(
        name="prune",
        title="Magnitude pruning",
        params=(
            Param("sparsity", "float", 0.5, 0.0, 0.95, help="Share of weights set to zero (ignored for 2:4)."),
            Param(
                "schedule",
                "choice",
                "polynomial",
                choices=("constant", "polynomial"),
                help="Jump to the target, or ramp up to it while fine-tuning.",
            ),
            Param(
                "pattern",
                "choice",
                "unstructured",
                choices=("unstructured", "2:4"),
                help="2:4 keeps 2 of every 4 weights (50 %).",
            ),
            SMALLEST_LAYER,
            Param("epochs", "int", 2, 1, 20, help="Fine-tuning epochs while pruning."),
            Param("learning_rate", "float", 5e-4, 1e-6, 1e-2, scale="log"),
            *FINE_TUNING,
        ),
        apply=prune,
        note=(
            "**Pruning** removes the weakest connections (sets them to zero) and lets the network "
            "re-learn around the gap. Half the weights can usually go with no loss; past 80–90 % "
            "accuracy starts to fall. The tiny first layer and the final classifier stay whole: thinning them saves "
            "almost nothing and costs the most. The file only shrinks once compressed (zip), since zeros are "
            "still stored."
        ),
    )
)
