"""Benchmarks: speed (and, for explanations, faithfulness) measured side by side in one process."""

import argparse
from typing import Any

from core.cli.output import print_table
from core.cli.shared import Parents, compute_config, stored_predictor


def register(sub, parents: Parents) -> None:
    p = sub.add_parser("bench", help="measure speed (and, for explain, faithfulness)")
    targets = p.add_subparsers(dest="target", required=True)
    explain = targets.add_parser(
        "explain", parents=[parents.json, parents.seed, parents.compute], help="ms per image and faithfulness"
    )
    explain.add_argument("--model", required=True)
    explain.add_argument("--images", type=int, default=16)
    explain.set_defaults(handler=bench_explain)
    augment = targets.add_parser(
        "augment", parents=[parents.json, parents.dataset], help="tf.data pipeline vs ImageDataGenerator"
    )
    augment.set_defaults(handler=bench_augment)


def bench_augment(args: argparse.Namespace) -> dict[str, Any]:
    from core.augment import benchmark as augment_benchmark
    from core.data import load

    dataset = load(args.dataset, args.size)
    report = augment_benchmark.throughput(dataset)
    preview = augment_benchmark.preview_seconds(
        dataset.images("test")[:4], dataset.labels("test")[:4], dataset.num_classes
    )
    if not args.json:
        print(
            f"{dataset.title}: MedLens {report['medlens_images_per_s']:.0f} images/s, ImageDataGenerator "
            f"{report['imagedatagenerator_images_per_s']:.0f} images/s: {report['ratio']}x; a 16-image preview "
            f"in {preview:.3f} s"
        )
    return {"bench": "augment", "dataset": args.dataset, "size": args.size, **report, "preview_seconds": preview}


def bench_explain(args: argparse.Namespace) -> dict[str, Any]:
    from core.explain import benchmark

    predictor, dataset, meta = stored_predictor(args.model)
    compute = compute_config(args)
    report = benchmark.run(predictor, dataset, images=args.images, seed=args.seed, compute=compute)
    if not args.json:
        rows = [{"method": name, **values} for name, values in report["methods"].items()]
        print_table(rows, ["method", "ms_per_image", "deletion_auc", "insertion_auc", "beats_random"])
        print(f"random order: {report.get('random')}; cached request {report['cached_request_ms']} ms")
    return {"bench": args.target, "model_id": meta.id, **report, **compute.where()}
