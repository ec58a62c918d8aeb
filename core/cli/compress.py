"""Compression: run one recipe (`compress run`, or plain `compress`) or search the recipe grid (`compress search`)."""

import argparse
from typing import Any

from core.cli.output import print_table, step_progress
from core.cli.shared import Parents, compute_config


def register(sub, parents: Parents) -> None:
    from core.compress.recipe import BUILTIN

    p = sub.add_parser("compress", help="compress a stored model with a recipe, or search for the best recipe")
    actions = p.add_subparsers(dest="action", required=True)
    common = [parents.json, parents.seed, parents.quiet]
    run = actions.add_parser("run", parents=common, help="one recipe, measured on its TFLite file")
    run.add_argument("--model", required=True)
    run.add_argument("--recipe", required=True, help=f"a recipe JSON file or one of: {', '.join(BUILTIN.names)}")
    run.add_argument("--save", action="store_true", help="put the compressed model into the store")
    run.set_defaults(handler=run_recipe)
    find = actions.add_parser(
        "search", parents=[*common, parents.compute], help="measure the recipe grid and recommend one"
    )
    find.add_argument("--model", required=True)
    find.add_argument("--max-drop", type=float, default=0.01, help="accuracy it may lose (0.01 = 1 point)")
    find.add_argument("--target-ratio", type=float, default=10.0, help="times smaller than the float32 TFLite file")
    find.add_argument("--size-metric", choices=["gzip", "bytes"], default="gzip")
    find.add_argument("--budget", type=int, default=12, help="candidates to measure")
    find.add_argument("--max-auc-drop", type=float, help="AUC it may lose (0.01), each file at its own calibration")
    find.add_argument(
        "--max-sens-drop", type=float, help="sensitivity at 95%% specificity it may lose (0.02 = 2 points)"
    )
    find.add_argument("--max-ece-rise", type=float, help="calibration error it may add (0.01)")
    find.set_defaults(handler=search_recipes)


def search_recipes(args: argparse.Namespace) -> dict[str, Any]:
    from core.compress.search import SearchConfig, search
    from core.compress.workflow import compressor_for

    compressor, meta = compressor_for(args.model, args.seed)
    config = SearchConfig(
        args.max_drop,
        args.target_ratio,
        args.size_metric,
        args.budget,
        args.max_auc_drop,
        args.max_sens_drop,
        args.max_ece_rise,
    )
    compute = compute_config(args)
    found = search(compressor, config, compute=compute, on_progress=step_progress(args.quiet))
    if not args.json:
        print_table(
            [
                {
                    "recipe": c.recipe.name,
                    "front": "*" if c in found.front else "",
                    "gzip_ratio": f"{c.gzip_ratio:.1f}x",
                    "size_ratio": f"{c.size_ratio:.1f}x",
                    "accuracy": f"{c.measurement.test_accuracy:.4f}",
                    "drop": f"{c.accuracy_drop:+.4f}",
                    "auc": f"{c.measurement.test_auc:.4f}",
                    "flips": str(c.decision_flips()["count"]),
                    "latency_ms": f"{c.measurement.latency_ms:.3f}",
                }
                for c in found.candidates
            ],
            ["recipe", "front", "gzip_ratio", "size_ratio", "accuracy", "drop", "auc", "flips", "latency_ms"],
        )
        print(found.verdict)
    return {"model_id": meta.id, **found.summary(), **compute.where()}


def run_recipe(args: argparse.Namespace) -> dict[str, Any]:
    from core.compress.finetune import StepContext
    from core.compress.recipe import resolve
    from core.compress.workflow import compressor_for, save_to_store

    compressor, meta = compressor_for(args.model, args.seed)
    progress = step_progress(args.quiet)
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
