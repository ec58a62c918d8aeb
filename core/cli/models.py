"""Models: train, list, bring a checked .keras model into the store, and the shipped demo models."""

import argparse
import sys
from typing import Any

from core.cli.output import download_progress, epoch_progress, print_table
from core.cli.shared import Parents


def register(sub, parents: Parents) -> None:
    from core.augment.pipeline import PRESETS
    from core.models.architectures import ARCHITECTURES, DEFAULT_ARCH
    from core.models.train import TrainConfig

    p = sub.add_parser(
        "train", parents=[parents.json, parents.dataset, parents.seed, parents.quiet], help="train a model and store it"
    )
    p.add_argument("--arch", default=DEFAULT_ARCH, choices=ARCHITECTURES.names)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--patience", type=int, default=TrainConfig.patience, help="stop after N epochs without a better val loss"
    )
    balance = "weigh classes by rarity (default); --no-class-weights trains on the data as it comes"
    p.add_argument("--class-weights", action=argparse.BooleanOptionalAction, default=True, help=balance)
    p.add_argument(
        "--weights",
        choices=["none", "imagenet"],
        default="none",
        help="start from ImageNet weights (mobilenet_v2; the weights file must already be on this machine)",
    )
    p.add_argument(
        "--pipeline",
        help=f"an augmentation pipeline instead of the default jitter: a JSON file or {', '.join(PRESETS.names)}",
    )
    p.set_defaults(handler=train)
    p = sub.add_parser("models", parents=[parents.json], help="list the model store")
    p.add_argument("--dataset", default=None)
    p.set_defaults(handler=models)
    p = sub.add_parser(
        "import-model", parents=[parents.json, parents.dataset], help="check a .keras model and put it in the store"
    )
    p.add_argument("file")
    p.add_argument("--name", help="a display name (default: the file name)")
    p.set_defaults(handler=import_model)
    p = sub.add_parser(
        "check-model", parents=[parents.json], help="run both safety gates on a .keras file; store nothing"
    )
    p.add_argument("file")
    p.set_defaults(handler=check_model)
    p = sub.add_parser(
        "demo-models", parents=[parents.json], help="train the shipped demo models (make demo-models) into demo/models"
    )
    p.add_argument("--datasets", nargs="+", help="default: pneumoniamnist breastmnist retinamnist")
    p.add_argument(
        "--references-only",
        action="store_true",
        help="keep the shipped models and refit only their out-of-domain references (after the guard changed)",
    )
    p.set_defaults(handler=demo_models)


def train(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import load
    from core.models.train import TrainConfig
    from core.models.workflow import train_dataset_and_store

    config = TrainConfig(
        arch=args.arch,
        epochs=args.epochs,
        seed=args.seed,
        batch_size=args.batch_size,
        patience=args.patience,
        class_weights=args.class_weights,
        pretrained=args.weights == "imagenet",
    )
    dataset = load(args.dataset, args.size, progress=download_progress(f"downloading {args.dataset}"))
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    progress = epoch_progress(args.quiet)
    pipeline = None
    if args.pipeline:
        from core.augment.pipeline import Pipeline

        pipeline = Pipeline.load(args.pipeline)
    trained = train_dataset_and_store(
        dataset, args.size, config, catalogue_name=args.dataset, on_progress=progress, augment=pipeline
    )
    summary = trained.summary()
    if not args.json:
        print(
            f"model {summary['model_id']}: test accuracy {summary['test_accuracy']:.4f}, "
            f"test AUC {summary['test_auc']:.4f}"
        )
    return summary


def models(args: argparse.Namespace) -> dict[str, Any]:
    from core.models import store

    rows = [
        {
            "id": m.id,
            "name": m.name,
            "dataset": m.dataset,
            "arch": m.arch,
            "test_accuracy": round(m.metrics.get("test_accuracy", float("nan")), 4),
            "test_auc": round(m.metrics.get("test_auc", float("nan")), 4),
            "params": m.params,
            "created": m.created,
        }
        for m in store.list_models(args.dataset)
    ]
    if not args.json:
        print_table(rows, ["id", "name", "dataset", "arch", "test_accuracy", "test_auc", "params"])
    return {"models": rows}


def import_model(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.models.importing import import_model

    meta = import_model(Path(args.file), args.dataset, args.size, args.name)
    if not args.json:
        print(
            f"model {meta.id} stored for {meta.dataset} {meta.size}x{meta.size}: test accuracy "
            f"{meta.metrics['test_accuracy']:.4f}, test AUC {meta.metrics['test_auc']:.4f}"
        )
    return {"model_id": meta.id, "dataset": meta.dataset, "size": meta.size, "params": meta.params, **meta.metrics}


def check_model(args: argparse.Namespace) -> dict[str, Any]:
    """For an administrator vetting a file: the allow-list gate, then the sandboxed load, nothing stored."""
    from pathlib import Path

    from core.inputs.model_check import check_model_file

    check = check_model_file(Path(args.file))
    shape = "x".join(str(d) for d in check.input_shape)
    if not args.json:
        print(
            f"safe to load: input {shape}, {check.num_classes} classes, {check.params:,} parameters, "
            f"{check.layers} layers{'' if check.outputs_probabilities else ', outputs are not probabilities'}"
        )
    return {
        "safe": True,
        "input_shape": list(check.input_shape),
        "num_classes": check.num_classes,
        "params": check.params,
        "layers": check.layers,
        "outputs_probabilities": check.outputs_probabilities,
    }


def demo_models(args: argparse.Namespace) -> dict[str, Any]:
    from core.models import demo

    action = demo.refit_references if args.references_only else demo.make
    made = action(tuple(args.datasets or demo.DATASETS), on_line=(lambda line: None) if args.json else print)
    return {"demo_models": made, "folder": str(demo.DEMO_DIR)}
