"""Weight clustering (Han et al., "Deep Compression", 2016) with tfmot.

Each layer's weights are replaced by the nearest of a few shared values (centroids),
fine-tuned together. With ``preserve_sparsity`` the zeros of an earlier pruning stay zero
(sparsity-preserving clustering, the collaborative-optimisation order).
"""

from core.compress.finetune import FINE_TUNING, SMALLEST_LAYER, StepContext, fine_tune, wrap_large_layers
from core.compress.steps import Param, StepKind, register
from core.data.dataset import Dataset

INITIALISATIONS = ("kmeans++", "linear", "density", "random")


def cluster(model, dataset: Dataset, params: dict, context: StepContext):
    import tensorflow_model_optimization as tfmot

    clustering = tfmot.clustering.keras
    init = clustering.CentroidInitialization
    centroids = {
        "kmeans++": init.KMEANS_PLUS_PLUS,
        "linear": init.LINEAR,
        "density": init.DENSITY_BASED,
        "random": init.RANDOM,
    }[params["init"]]
    context.report(f"clustering into {params['clusters']} shared values")
    settings = {
        "number_of_clusters": params["clusters"],
        "cluster_centroids_init": centroids,
        "preserve_sparsity": params["preserve_sparsity"],
    }
    wrapped = wrap_large_layers(
        model, lambda layer: clustering.cluster_weights(layer, **settings), params["smallest_layer"]
    )
    fine_tune(wrapped, dataset, params, context)
    return clustering.strip_clustering(wrapped)


register(
    StepKind(
        name="cluster",
        title="Weight clustering",
        params=(
            Param("clusters", "int", 16, 2, 256, help="Distinct values allowed per weight tensor."),
            Param(
                "init", "choice", "kmeans++", choices=INITIALISATIONS, help="How the shared values are first placed."
            ),
            Param("preserve_sparsity", "bool", True, help="Keep the zeros of an earlier pruning step."),
            SMALLEST_LAYER,
            Param("epochs", "int", 1, 0, 20, help="Fine-tuning epochs with the shared values."),
            Param("learning_rate", "float", 1e-4, 1e-6, 1e-2, scale="log"),
            *FINE_TUNING,
        ),
        apply=cluster,
        note=(
            "**Clustering** lets each layer use only a handful of distinct weight values (say 16), "
            "like painting with a small palette. The file compresses far better (zip), and accuracy "
            "usually holds from 16 values up; 4 or fewer starts to cost."
        ),
    )
)
