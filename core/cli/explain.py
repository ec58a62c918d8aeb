"""Explanations: one prediction of a stored model, as numbers, an overlay PNG and the raw maps."""

import argparse
import json
from typing import Any

from core.cli.shared import Parents, stored_predictor
from core.errors import MedLensError
from core.storage import atomic_write


def register(sub, parents: Parents) -> None:
    import core.explain.service  # noqa: F401  (registers every method)
    from core.explain.base import METHODS

    p = sub.add_parser("explain", parents=[parents.json, parents.seed], help="explain one prediction of a stored model")
    p.add_argument("--model", required=True)
    p.add_argument("--index", type=int, required=True)
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--method", default="gradcam", choices=METHODS.names)
    p.add_argument("--params", help="method settings as JSON, e.g. '{\"steps\": 32}'")
    p.add_argument("--out", help="write the overlay as a PNG")
    p.add_argument("--npy", help="write the attribution maps as .npy")
    p.set_defaults(handler=explain)


def explain(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.explain.service import explain as explain_image
    from core.explain.service import training_background
    from core.viz.explain_figures import overlay_png

    predictor, dataset, meta = stored_predictor(args.model)
    images = dataset.images(args.split)
    if not 0 <= args.index < len(images):
        raise MedLensError(f"--index must be between 0 and {len(images) - 1} for the {args.split} split.")
    image = images[args.index : args.index + 1]
    params = json.loads(args.params) if args.params else {}
    if not isinstance(params, dict):
        raise MedLensError("--params must be a JSON object, e.g. '{\"steps\": 32}'.")
    result = explain_image(
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
