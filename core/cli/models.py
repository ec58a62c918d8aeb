"""Models: train, evaluate, list, predict an image file, and bring a checked .keras model into the store."""

import argparse
import sys
from typing import Any

from core.cli.output import download_progress, epoch_progress, print_table
from core.cli.shared import Parents
from core.errors import MedLensError


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
    p = sub.add_parser("evaluate", parents=[parents.json], help="evaluate a stored model on a split")
    p.add_argument("--model", required=True)
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.set_defaults(handler=evaluate)
    p = sub.add_parser("models", parents=[parents.json], help="list the model store")
    p.add_argument("--dataset", default=None)
    p.set_defaults(handler=models)
    p = sub.add_parser(
        "predict", parents=[parents.json], help="predict one image file (PNG, JPEG, TIFF, DICOM) with a stored model"
    )
    p.add_argument("--model", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--frame", type=int, default=0, help="the frame of a multi-frame DICOM")
    p.add_argument("--window", help="CENTER,WIDTH in the file's units (e.g. HU), instead of the file's own")
    p.add_argument("--preset", help="a window preset: lung, mediastinum, bone, brain, soft tissue")
    p.set_defaults(handler=predict)
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


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import load
    from core.models import store
    from core.models.clinical_report import report_for
    from core.models.metrics import evaluate

    meta = store.read_meta(args.model)
    model = store.open_model(args.model)
    dataset = load(meta.dataset, meta.size)
    evaluation = evaluate(model, dataset, args.split)
    val = evaluation if args.split == "val" else evaluate(model, dataset, "val")
    clinical = report_for(
        meta.metrics.get("decision"),
        val.probabilities,
        val.labels,
        evaluation.probabilities,
        evaluation.labels,
        dataset.class_names,
    )
    if not args.json:
        _print_clinical(clinical)
        print(
            f"{meta.id} on {dataset.title} {args.split}: accuracy {evaluation.accuracy:.4f}, "
            f"AUC {evaluation.auc:.4f}, ECE {evaluation.ece:.4f}"
        )
        print_table(
            [
                {
                    "class": r.name,
                    **{k: f"{getattr(r, k):.3f}" for k in ("precision", "recall", "f1")},
                    "support": r.support,
                }
                for r in evaluation.per_class
            ],
            ["class", "precision", "recall", "f1", "support"],
        )
    return {"model_id": meta.id, "dataset": meta.dataset, **evaluation.summary(), **clinical}


def _print_clinical(clinical: dict) -> None:
    """The operating point and the clinical figures with their 95 % CIs, one line each (binary models)."""
    point = clinical.get("operating_point")
    if point is None:  # multi-class: one line per class
        for name, report in clinical["one_vs_rest"].items():
            p = report["operating_point"]
            print(
                f"{name} vs rest at {p['threshold']:.3f}: sensitivity {p['sensitivity']:.3f}, "
                f"specificity {p['specificity']:.3f}"
            )
        return
    ci = lambda i: f"{i['value']:.3f} [{i['ci_low']:.3f}, {i['ci_high']:.3f}]"  # noqa: E731
    print(
        f"operating point ({point['rule']}, threshold {point['threshold']:.3f} on calibrated "
        f"{clinical['positive_class']} probability, temperature {clinical['temperature']:.2f}):"
    )
    for name in ("sensitivity", "specificity", "ppv", "npv"):
        print(f"  {name:<12} {ci(clinical['intervals'][name])}")
    print(f"  {'AUC':<12} {ci(clinical['auc_ci'])}\n  {'ECE':<12} {ci(clinical['ece'])}")
    for level, interval in clinical["sensitivity_at_specificity"].items():
        print(f"  sensitivity at specificity {level}: {ci(interval)}")


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


def window_of(args: argparse.Namespace):
    """The window the user asked for: --preset NAME or --window CENTER,WIDTH; None for the file's own."""
    from core.inputs.decoded import Window
    from core.inputs.dicom import WINDOW_PRESETS

    if args.preset:
        return WINDOW_PRESETS.get(args.preset)
    if not args.window:
        return None
    try:
        center, width = (float(part) for part in args.window.split(","))
    except ValueError:
        raise MedLensError(f"--window must be CENTER,WIDTH (e.g. 40,400), got {args.window!r}.") from None
    return Window(center, width)


def predict(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.data import load
    from core.inputs.files import read_user_file
    from core.inputs.images import fit_to, read_image, render
    from core.models import domain, store
    from core.models.predict import predict_proba

    meta = store.read_meta(args.model)
    decoded = read_image(read_user_file(Path(args.image)))
    window = window_of(args)
    pixels = render(decoded, args.frame, window)
    dataset = load(meta.dataset, meta.size)
    image = fit_to(pixels, dataset.image_shape, dataset.squaring)
    probabilities = predict_proba(store.open_model(args.model), image[None])[0]
    best = int(probabilities.argmax())
    shown = window or decoded.window
    result = {
        "model_id": meta.id,
        "predicted": dataset.class_names[best],
        "confidence": float(probabilities[best]),
        "probabilities": {name: float(p) for name, p in zip(dataset.class_names, probabilities, strict=True)},
        "image": {"format": decoded.format, "frames": decoded.frame_count, "frame": args.frame, **decoded.summary},
        "window": {"center": shown.center, "width": shown.width},
        "decision": _decision(probabilities, meta, dataset.class_names),
    }
    judged = domain.verdict(args.model, image)
    result |= judged.as_dict() if judged else {"in_domain": None, "domain_score": None, "domain_threshold": None}
    if not args.json:
        if judged is not None and not judged.in_domain:
            print(f"warning: {domain.warning(judged, dataset.title)}", file=sys.stderr)
        print(f"{result['predicted']} ({result['confidence']:.1%})")
        for name, p in result["probabilities"].items():
            print(f"  {name:<24} {p:.4f}")
    return result


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


def _decision(probabilities, meta, class_names) -> dict | None:
    """A binary model's call at its stored operating point, with the calibrated probability it rests on."""
    from dataclasses import asdict

    from core.models.clinical import decide

    call = decide(probabilities, meta.metrics.get("decision"), list(class_names))
    return None if call is None else asdict(call)


def demo_models(args: argparse.Namespace) -> dict[str, Any]:
    from core.models import demo

    made = demo.make(tuple(args.datasets or demo.DATASETS), on_line=(lambda line: None) if args.json else print)
    return {"demo_models": made, "folder": str(demo.DEMO_DIR)}
