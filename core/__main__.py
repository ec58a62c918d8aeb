"""``python -m core``: every capability headless. With ``--json`` the last stdout line is one JSON object.

Errors the user can act on print one line on stderr and exit 1; bad arguments exit 2.
"""

import argparse
import json
import logging
import math
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import core  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything imports TensorFlow)
from core.errors import MedLensError
from core.storage import atomic_write, sweep_stores
from core.text import one_line

Command = Callable[[argparse.Namespace], dict[str, Any]]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def _clean(value: Any) -> Any:
    """JSON without NaN: undefined figures (AUC of a one-class split) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def _stderr_progress(label: str) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None) -> None:
        if total:
            print(f"\r{label}: {done / total:6.1%} of {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)

    return report


def _step_progress(quiet: bool) -> Callable[[float, str], None]:
    """Progress of long work as '[ 40%] message' lines on stderr (stdout stays for results)."""

    def report(fraction: float, message: str) -> None:
        if not quiet:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    return report


@command("datasets")
def cmd_datasets(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import CATALOGUE, find_local

    rows = []
    for entry in CATALOGUE.values():
        local = find_local(entry.name) if entry.supported else None
        rows.append(
            {
                "name": entry.name,
                "title": entry.title,
                "task": entry.task,
                "classes": entry.num_classes,
                "channels": entry.channels,
                "train": entry.split_sizes["train"],
                "sizes": ",".join(str(s) for s in entry.md5s),
                "license": entry.license,
                "local": str(local) if local else ("unsupported" if not entry.supported else ""),
            }
        )
    from core.data import imported

    for meta in imported.list_imported():
        rows.append(
            {
                "name": meta.name,
                "title": meta.title,
                "task": meta.task,
                "classes": len(meta.class_names),
                "channels": meta.channels,
                "train": sum(meta.counts.get("train", [])),
                "sizes": str(meta.size),
                "license": "yours",
                "local": "imported",
            }
        )
    if not args.json:
        _print_table(rows, ["name", "task", "classes", "channels", "train", "sizes", "license", "local"])
    return {"datasets": rows}


@command("train")
def cmd_train(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import load
    from core.models.train import TrainConfig, TrainProgress
    from core.models.workflow import train_dataset_and_store

    config = TrainConfig(arch=args.arch, epochs=args.epochs, seed=args.seed, batch_size=args.batch_size)
    dataset = load(args.dataset, args.size, progress=_stderr_progress(f"downloading {args.dataset}"))
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    def progress(p: TrainProgress) -> None:
        if p.epoch_end and not args.quiet:
            logs = "  ".join(f"{k} {v:.4f}" for k, v in p.logs.items())
            print(f"epoch {p.epoch}/{p.epochs}  {logs}", file=sys.stderr, flush=True)

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


@command("evaluate")
def cmd_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import load
    from core.models import store
    from core.models.metrics import evaluate

    meta = store.read_meta(args.model)
    model = store.load(args.model)
    dataset = load(meta.dataset, meta.size)
    evaluation = evaluate(model, dataset, args.split)
    if not args.json:
        print(
            f"{meta.id} on {dataset.title} {args.split}: accuracy {evaluation.accuracy:.4f}, "
            f"AUC {evaluation.auc:.4f}, ECE {evaluation.ece:.4f}"
        )
        _print_table(
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
    return {"model_id": meta.id, "dataset": meta.dataset, **evaluation.summary()}


@command("models")
def cmd_models(args: argparse.Namespace) -> dict[str, Any]:
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
        _print_table(rows, ["id", "name", "dataset", "arch", "test_accuracy", "test_auc", "params"])
    return {"models": rows}


@command("compress")
def cmd_compress(args: argparse.Namespace) -> dict[str, Any]:
    from core.compress.finetune import StepContext
    from core.compress.recipe import resolve
    from core.compress.search import SearchConfig, search
    from core.compress.workflow import compressor_for, save_to_store

    compressor, meta = compressor_for(args.model, args.seed)

    progress = _step_progress(args.quiet)

    if args.action == "search":
        config = SearchConfig(args.max_drop, args.target_ratio, args.size_metric, args.budget)
        found = search(compressor, config, on_progress=progress)
        if not args.json:
            _print_table(
                [
                    {
                        "recipe": c.recipe.name,
                        "front": "*" if c in found.front else "",
                        "gzip_ratio": f"{c.gzip_ratio:.1f}x",
                        "size_ratio": f"{c.size_ratio:.1f}x",
                        "accuracy": f"{c.measurement.test_accuracy:.4f}",
                        "drop": f"{c.accuracy_drop:+.4f}",
                        "latency_ms": f"{c.measurement.latency_ms:.3f}",
                    }
                    for c in found.candidates
                ],
                ["recipe", "front", "gzip_ratio", "size_ratio", "accuracy", "drop", "latency_ms"],
            )
            print(found.verdict)
        return {"model_id": meta.id, **found.summary()}
    if not args.recipe:
        raise MedLensError("Give --recipe NAME_OR_FILE (or use `compress search`).")
    recipe = resolve(args.recipe)
    result = compressor.run(recipe, StepContext(args.seed, report=lambda m: progress(0.0, m)))
    summary = {"model_id": meta.id, **result.summary()}
    if args.save:
        summary["saved_model_id"] = save_to_store(result, meta).id
    if not args.json:
        print(
            f"{recipe.name}: {result.measurement.bytes:,} bytes ({result.size_ratio:.1f}x smaller, "
            f"gzip {result.gzip_ratio:.1f}x), accuracy {result.measurement.test_accuracy:.4f} "
            f"({-result.accuracy_drop:+.4f}), latency {result.measurement.latency_ms:.3f} ms -> {result.artifact}"
        )
    return summary


def _stored_predictor(model_id: str):
    from core.data import load
    from core.explain.predictor import Predictor
    from core.models import store

    meta = store.read_meta(model_id)
    return Predictor(store.load(model_id), name=meta.name), load(meta.dataset, meta.size), meta


@command("explain")
def cmd_explain(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.explain.service import explain, training_background
    from core.viz.explain_figures import overlay_png

    predictor, dataset, meta = _stored_predictor(args.model)
    images = dataset.images(args.split)
    if not 0 <= args.index < len(images):
        raise MedLensError(f"--index must be between 0 and {len(images) - 1} for the {args.split} split.")
    image = images[args.index : args.index + 1]
    params = json.loads(args.params) if args.params else {}
    if not isinstance(params, dict):
        raise MedLensError("--params must be a JSON object, e.g. '{\"steps\": 32}'.")
    result = explain(
        predictor, image, args.method, params, seed=args.seed, background=training_background(dataset, seed=args.seed)
    )
    probabilities = predictor(image.astype("float32") / 255.0)[0]
    summary = {
        "model_id": meta.id,
        "split": args.split,
        "index": args.index,
        "label": dataset.class_names[int(dataset.labels(args.split)[args.index])],
        "prediction": dataset.class_names[int(probabilities.argmax())],
        "probabilities": {name: float(p) for name, p in zip(dataset.class_names, probabilities, strict=True)},
        "method": result.method,
        "target": dataset.class_names[int(result.targets[0])],
        "params": result.params,
        "seconds": result.seconds,
    }
    if args.out:
        out = Path(args.out)
        atomic_write(out, overlay_png(image[0], result.maps[0]))
        summary["overlay"] = str(out)
    if args.npy:
        import numpy as np

        np.save(args.npy, result.maps)
        summary["maps"] = args.npy
    if not args.json:
        print(
            f"{summary['prediction']} ({probabilities.max():.1%}); "
            f"{result.method} map in {result.seconds * 1000:.0f} ms"
        )
    return summary


@command("augment")
def cmd_augment(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.augment.efficiency import EfficiencyConfig, run_experiment
    from core.augment.pipeline import Pipeline
    from core.augment.preview import grid_png, preview
    from core.data import load
    from core.viz.data_figures import sample_indices

    pipeline = Pipeline.load(args.pipeline)
    dataset = load(args.dataset, args.size)
    if args.action == "preview":
        import numpy as np

        picks = np.concatenate(sample_indices(dataset.labels("train"), args.per_class, args.seed, dataset.num_classes))
        result = preview(
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
    try:
        fractions = tuple(float(f) for f in args.fractions.split(","))
    except ValueError:
        raise MedLensError(f"--fractions must be numbers separated by commas, got {args.fractions!r}.") from None
    config = EfficiencyConfig(fractions=fractions, seeds=args.seeds, epochs=args.epochs)

    progress = _step_progress(args.quiet)

    rows = run_experiment(dataset, pipeline, config, on_progress=progress)
    if not args.json:
        _print_table(
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
    return {"pipeline": pipeline.name, "dataset": dataset.name, "seeds": args.seeds, "fractions": rows}


def _window(args: argparse.Namespace):
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


@command("predict")
def cmd_predict(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.data import load
    from core.inputs.files import read_user_file
    from core.inputs.images import fit_to, read_image, render
    from core.models import store
    from core.models.predict import predict_proba

    meta = store.read_meta(args.model)
    decoded = read_image(read_user_file(Path(args.image)))
    window = _window(args)
    pixels = render(decoded, args.frame, window)
    dataset = load(meta.dataset, meta.size)
    image = fit_to(pixels, dataset.image_shape)
    probabilities = predict_proba(store.load(args.model), image[None])[0]
    best = int(probabilities.argmax())
    shown = window or decoded.window
    result = {
        "model_id": meta.id,
        "predicted": dataset.class_names[best],
        "confidence": float(probabilities[best]),
        "probabilities": {name: float(p) for name, p in zip(dataset.class_names, probabilities, strict=True)},
        "image": {"format": decoded.format, "frames": decoded.frame_count, "frame": args.frame, **decoded.summary},
        "window": {"center": shown.center, "width": shown.width},
    }
    if not args.json:
        print(f"{result['predicted']} ({result['confidence']:.1%})")
        for name, p in result["probabilities"].items():
            print(f"  {name:<24} {p:.4f}")
    return result


@command("import-dataset")
def cmd_import_dataset(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.data import imported
    from core.inputs.dataset_import import import_dataset

    source = Path(args.path)
    if not source.exists():
        raise MedLensError(f"{source} does not exist.")
    dataset, report = import_dataset(source, args.name, size=args.size, seed=args.seed, channels=args.channels)
    meta = imported.save(dataset, report.source_kind, args.seed, replace=args.replace)
    if not args.json:
        for line in report.lines():
            print(line)
        for path, reason in report.refused[:20]:
            print(f"skipped {path}: {reason}", file=sys.stderr)
        print(f"saved as dataset {meta.name!r}: pick it in the app or use --dataset {meta.name}")
    return {
        "name": meta.name,
        "classes": list(report.class_names),
        "counts": report.counts,
        "sizes": report.sizes,
        "channels": report.channels,
        "formats": report.formats,
        "shape": list(report.shape),
        "splits_given": report.splits_given,
        "refused": len(report.refused),
    }


@command("import-model")
def cmd_import_model(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.models.importing import import_model

    meta = import_model(Path(args.file), args.dataset, args.size, args.name)
    if not args.json:
        print(
            f"model {meta.id} stored for {meta.dataset} {meta.size}x{meta.size}: test accuracy "
            f"{meta.metrics['test_accuracy']:.4f}, test AUC {meta.metrics['test_auc']:.4f}"
        )
    return {"model_id": meta.id, "dataset": meta.dataset, "size": meta.size, "params": meta.params, **meta.metrics}


@command("bench")
def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    if args.target == "augment":
        from core.augment import benchmark as augment_benchmark
        from core.data import load

        report = augment_benchmark.throughput(load(args.dataset))
        if not args.json:
            print(
                f"MedLens {report['medlens_images_per_s']:.0f} images/s, ImageDataGenerator "
                f"{report['imagedatagenerator_images_per_s']:.0f} images/s: {report['ratio']}x"
            )
        return {"bench": "augment", **report}
    if not args.model:
        raise MedLensError("bench explain needs --model ID.")
    from core.explain import benchmark

    predictor, dataset, meta = _stored_predictor(args.model)
    report = benchmark.run(predictor, dataset, images=args.images, seed=args.seed)
    if not args.json:
        rows = [{"method": name, **values} for name, values in report["methods"].items()]
        _print_table(rows, ["method", "ms_per_image", "deletion_auc", "insertion_auc", "beats_random"])
        print(f"random order: {report.get('random')}; cached request {report['cached_request_ms']} ms")
    return {"bench": args.target, "model_id": meta.id, **report}


def parser() -> argparse.ArgumentParser:
    from core.data.catalogue import DEFAULT_DATASET
    from core.models.architectures import ARCHITECTURES, DEFAULT_ARCH

    main = argparse.ArgumentParser(prog="python -m core", description="MedLens, headless.")
    sub = main.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
        return p

    add("datasets", "the MedMNIST catalogue and which files are present locally")
    p = add("train", "train a model and put it in the store")
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    p.add_argument("--size", type=int, default=28, help="28, 64, 128 or 224 for MedMNIST; an import's own size")
    p.add_argument("--arch", default=DEFAULT_ARCH, choices=ARCHITECTURES.names)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--pipeline", help="an augmentation pipeline (JSON file or preset) instead of the default jitter")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines on stderr")
    p = add("evaluate", "evaluate a stored model on a split")
    p.add_argument("--model", required=True)
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p = add("compress", "compress a stored model with a recipe, or search for the best recipe")
    p.add_argument("action", nargs="?", choices=["search"], help="search the recipe grid instead of running one recipe")
    p.add_argument("--model", required=True)
    p.add_argument("--recipe", help="a built-in recipe name or a recipe JSON file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", action="store_true", help="put the compressed model into the store")
    p.add_argument("--max-drop", type=float, default=0.01, help="accuracy it may lose, as a fraction (0.01 = 1 point)")
    p.add_argument("--target-ratio", type=float, default=10.0, help="times smaller than the float32 TFLite file")
    p.add_argument("--size-metric", choices=["gzip", "bytes"], default="gzip")
    p.add_argument("--budget", type=int, default=12, help="candidates to measure")
    p.add_argument("--quiet", action="store_true")
    p = add("explain", "explain one prediction of a stored model")
    p.add_argument("--model", required=True)
    p.add_argument("--index", type=int, required=True)
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--method", default="gradcam")
    p.add_argument("--params", help="method settings as JSON, e.g. '{\"steps\": 32}'")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the overlay as a PNG")
    p.add_argument("--npy", help="write the attribution maps as .npy")
    p = add("augment", "preview an augmentation pipeline, or measure what it buys with few labels")
    p.add_argument("action", choices=["preview", "efficiency"])
    p.add_argument("--pipeline", required=True, help="a pipeline JSON file or a preset name")
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    p.add_argument("--size", type=int, default=28, help="28, 64, 128 or 224 for MedMNIST; an import's own size")
    p.add_argument("--out", default="augment-preview.png", help="preview: the PNG to write")
    p.add_argument("--per-class", type=int, default=2, help="preview: source images per class")
    p.add_argument("--draws", type=int, default=4, help="preview: augmented draws per image")
    p.add_argument("--fractions", default="0.01,0.05,0.1,0.25,1")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p = add("bench", "measure speed (and, for explain, faithfulness)")
    p.add_argument("target", choices=["explain", "augment"])
    p.add_argument("--model", help="explain: the stored model")
    p.add_argument("--dataset", default=DEFAULT_DATASET, help="augment: the images to run through both pipelines")
    p.add_argument("--images", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p = add("predict", "predict one image file (PNG, JPEG, TIFF, DICOM) with a stored model")
    p.add_argument("--model", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--frame", type=int, default=0, help="the frame of a multi-frame DICOM")
    p.add_argument("--window", help="CENTER,WIDTH in the file's units (e.g. HU), instead of the file's own")
    p.add_argument("--preset", help="a window preset: lung, mediastinum, bone, brain, soft tissue")
    p = add("import-dataset", "import class folders (folder or zip) or a MedMNIST-layout .npz as a dataset")
    p.add_argument("path")
    p.add_argument("--name", required=True, help="the dataset's name (lower-case letters, digits, - and _)")
    p.add_argument("--size", type=int, default=28, help="images are resized to SIZE x SIZE")
    p.add_argument("--channels", type=int, choices=[1, 3], help="1 gray or 3 RGB (default: RGB if any file is)")
    p.add_argument("--seed", type=int, default=0, help="seeds the train/val/test split when the source has none")
    p.add_argument("--replace", action="store_true", help="replace an imported dataset of the same name")
    p = add("import-model", "check a .keras model and put it in the store")
    p.add_argument("file")
    p.add_argument("--dataset", default=DEFAULT_DATASET, help="the dataset it was trained for")
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--name", help="a display name (default: the file name)")
    p = add("models", "list the model store")
    p.add_argument("--dataset", default=None)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        sweep_stores()
        result = COMMANDS[args.command](args)
    except MedLensError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug or a system failure: one line here, the trace only when asked for
        logging.getLogger("medlens").debug("unexpected failure", exc_info=True)
        print(f"error: unexpected failure ({one_line(error)}); set MEDLENS_DEBUG=1 for details", file=sys.stderr)
        if os.environ.get("MEDLENS_DEBUG"):
            traceback.print_exc()
        return 1
    if args.json:
        print(json.dumps(_clean(result), allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
