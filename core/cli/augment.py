"""Augmentation: preview a pipeline on training images, or measure what it buys with few labels."""

import argparse
from typing import Any

from core.cli.output import fractions, print_table, step_progress
from core.cli.shared import Parents, compute_config
from core.storage import atomic_write


def register(sub, parents: Parents) -> None:
    from core.augment.pipeline import PRESETS

    p = sub.add_parser("augment", help="preview an augmentation pipeline, or measure what it buys with few labels")
    actions = p.add_subparsers(dest="action", required=True)
    common = [parents.json, parents.dataset, parents.seed]
    show = actions.add_parser("preview", parents=common, help="a PNG grid of augmented draws")
    show.add_argument("--pipeline", required=True, help=f"a pipeline JSON file or a preset: {', '.join(PRESETS.names)}")
    show.add_argument("--out", default="augment-preview.png", help="the PNG to write")
    show.add_argument("--per-class", type=int, default=2, help="source images per class")
    show.add_argument("--draws", type=int, default=4, help="augmented draws per image")
    show.set_defaults(handler=preview)
    measure = actions.add_parser(
        "efficiency", parents=[*common, parents.quiet, parents.compute], help="accuracy with and without it"
    )
    measure.add_argument(
        "--pipeline", required=True, help=f"a pipeline JSON file or a preset: {', '.join(PRESETS.names)}"
    )
    measure.add_argument("--fractions", default="0.01,0.05,0.1,0.25,1")
    measure.add_argument("--seeds", type=int, default=3)
    measure.add_argument("--epochs", type=int, default=30)
    measure.set_defaults(handler=efficiency)


def _pipeline_and_dataset(args: argparse.Namespace):
    from core.augment.pipeline import Pipeline
    from core.data import load

    return Pipeline.load(args.pipeline), load(args.dataset, args.size)


def preview(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    import numpy as np

    from core.augment.preview import grid_png
    from core.augment.preview import preview as draw
    from core.data.display import sample_indices

    pipeline, dataset = _pipeline_and_dataset(args)

    picks = np.concatenate(sample_indices(dataset.labels("train"), args.per_class, args.seed, dataset.num_classes))
    result = draw(
        pipeline,
        dataset.images("train")[picks],
        dataset.labels("train")[picks],
        dataset.num_classes,
        args.draws,
        args.seed,
    )
    out = Path(args.out)
    atomic_write(out, grid_png(result))
    return {
        "pipeline": pipeline.name,
        "dataset": dataset.name,
        "images": len(picks),
        "draws": args.draws,
        "out": str(out),
    }


def efficiency(args: argparse.Namespace) -> dict[str, Any]:
    from core.augment.efficiency import EfficiencyConfig, run_experiment

    pipeline, dataset = _pipeline_and_dataset(args)
    config = EfficiencyConfig(fractions=fractions(args.fractions), seeds=args.seeds, epochs=args.epochs)

    progress = step_progress(args.quiet)

    compute = compute_config(args)
    rows = run_experiment(dataset, pipeline, config, compute=compute, on_progress=progress)
    if not args.json:
        print_table(
            [{k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in row.items()} for row in rows],
            [
                "fraction",
                "train_images",
                "test_accuracy_without_mean",
                "test_accuracy_with_mean",
                "accuracy_gain",
                "test_auc_without_mean",
                "test_auc_with_mean",
                "auc_gain",
            ],
        )
    return {
        "pipeline": pipeline.name,
        "dataset": dataset.name,
        "seeds": args.seeds,
        "fractions": rows,
        **compute.where(),
    }
