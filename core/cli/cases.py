"""Cases: predict one image file or many (files, a folder, a zip), and evaluate a stored model on a split of its
dataset or on the user's own labelled folder (an external validation)."""

import argparse
import sys
from typing import Any

from core.cli.output import print_table
from core.cli.shared import Parents
from core.errors import MedLensError


def register(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "evaluate", parents=[parents.json], help="a stored model's report card on a split or on your own folder"
    )
    p.add_argument("--model", required=True)
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--folder", help="class folders (a folder or a .zip) of your own labelled images instead of a split")
    p.set_defaults(handler=evaluate)
    p = sub.add_parser(
        "predict",
        parents=[parents.json],
        help="predict image files (PNG, JPEG, TIFF, DICOM), a folder or a zip of them with a stored model",
    )
    p.add_argument("--model", required=True)
    p.add_argument("--image", required=True, nargs="+", help="one or more files, folders or zips")
    p.add_argument("--csv", help="write one row per image to this CSV file")
    p.add_argument("--frame", type=int, default=0, help="the frame of a multi-frame DICOM")
    p.add_argument("--window", help="CENTER,WIDTH in the file's units (e.g. HU), instead of the file's own")
    p.add_argument("--preset", help="a window preset: lung, mediastinum, bone, brain, soft tissue")
    p.set_defaults(handler=predict)


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    if args.folder:
        return evaluate_folder(args)
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


def evaluate_folder(args: argparse.Namespace) -> dict[str, Any]:
    """An external validation: the report card on the user's own class folders."""
    from pathlib import Path

    from core.models.external import validate

    result = validate(args.model, Path(args.folder)).as_dict()
    if not args.json:
        _print_clinical(result)
        print(
            f"{args.model} on {result['images']} external images: accuracy {result['accuracy']:.4f}, "
            f"AUC {result['auc']:.4f}; {result['in_domain']} in domain"
        )
        if result["out_of_domain"]:
            print(
                f"warning: {result['out_of_domain']} of {result['images']} images do not look like the model's "
                "training images; its figures say little about them",
                file=sys.stderr,
            )
    return result


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
    """One file: the answer in full (window, DICOM facts); several, a folder or a zip: one row per image."""
    from pathlib import Path

    paths = [Path(p) for p in args.image]
    if len(paths) > 1 or paths[0].is_dir() or args.csv or _is_zip(paths[0]):
        return predict_many(args, paths)
    return predict_one(args, paths[0])


def _is_zip(path) -> bool:
    from core.inputs.sniff import sniff

    try:
        with open(path, "rb") as handle:
            return sniff(handle.read(8)) == "zip"
    except OSError:
        return False  # read_user_file says why, in one sentence


def predict_one(args: argparse.Namespace, path) -> dict[str, Any]:
    from core.data import load
    from core.inputs.files import read_user_file
    from core.inputs.images import fit_to, read_image, render
    from core.models import domain, store
    from core.models.predict import predict_proba

    meta = store.read_meta(args.model)
    decoded = read_image(read_user_file(path))
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
        "squaring": dataset.squaring,
    }
    judged = domain.verdict(args.model, image, pixels)
    result |= judged.as_dict() if judged else {"in_domain": None, "domain_score": None, "domain_threshold": None}
    if not args.json:
        if judged is not None and not judged.in_domain:
            print(f"warning: {domain.warning(judged, dataset.title)}", file=sys.stderr)
        print(f"{result['predicted']} ({result['confidence']:.1%})")
        for name, p in result["probabilities"].items():
            print(f"  {name:<24} {p:.4f}")
    return result


def predict_many(args: argparse.Namespace, paths) -> dict[str, Any]:
    from pathlib import Path

    from core.data import load
    from core.models import store
    from core.models.cases import predict_cases, read_cases, rows_csv
    from core.storage import atomic_write

    meta = store.read_meta(args.model)
    dataset = load(meta.dataset, meta.size)
    case_set = read_cases(paths, dataset.image_shape, dataset.squaring, window_of(args), args.frame)
    rows = predict_cases(args.model, case_set)
    if args.csv:
        atomic_write(Path(args.csv), rows_csv(rows).encode())
    flagged = sum(1 for row in rows if row["in_domain"] is False)
    if not args.json:
        print_table(rows, ["case", "image_id", "predicted", "confidence", "call", "in_domain"])
        for number, why in case_set.refused:
            print(f"warning: case {number} refused: {why}", file=sys.stderr)
        if flagged:
            print(f"warning: {flagged} of {len(rows)} images do not look like {dataset.title} images", file=sys.stderr)
    return {
        "model_id": meta.id,
        "squaring": dataset.squaring,
        "count": len(rows),
        "out_of_domain": flagged,
        "refused": [{"case": number, "why": why} for number, why in case_set.refused],
        "cases": rows,
        **({"csv": str(args.csv)} if args.csv else {}),
    }


def _decision(probabilities, meta, class_names) -> dict | None:
    """A binary model's call at its stored operating point, with the calibrated probability it rests on."""
    from dataclasses import asdict

    from core.models.clinical import decide

    call = decide(probabilities, meta.metrics.get("decision"), list(class_names))
    return None if call is None else asdict(call)
