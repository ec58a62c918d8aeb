"""Transfer: one run from a stored model to a dataset, the label-efficiency curve, and the domain shift."""

import argparse
from typing import Any

from core.cli.output import epoch_progress, fractions, print_table, step_progress
from core.cli.shared import Parents, compute_config


def register(sub, parents: Parents) -> None:
    from core.transfer.adapt import INPUT_RULES
    from core.transfer.curve import DEFAULT_FRACTIONS
    from core.transfer.strategies import STRATEGIES

    family = sub.add_parser("transfer", help="carry a stored model to another dataset")
    actions = family.add_subparsers(dest="action", required=True)
    common = [parents.json, parents.dataset, parents.quiet]

    run = actions.add_parser("run", parents=[*common, parents.seed], help="one transfer run, stored as a model")
    run.add_argument("--source", help="the stored model to start from (not needed for --strategy scratch)")
    run.add_argument("--strategy", default="full_fine_tune", choices=STRATEGIES.names)
    run.add_argument("--fraction", type=float, default=1.0, help="share of the target's training labels (0-1]")
    run.add_argument("--epochs", type=int, default=30)
    run.add_argument("--input", default="native", choices=INPUT_RULES, help="read the target at its size or resize")
    run.set_defaults(handler=transfer_run)

    curve = actions.add_parser(
        "curve", parents=[*common, parents.compute], help="accuracy and AUC vs labels: strategy vs scratch"
    )
    curve.add_argument("--source", required=True)
    curve.add_argument("--strategy", default="full_fine_tune", choices=[n for n in STRATEGIES.names if n != "scratch"])
    curve.add_argument("--fractions", default=",".join(f"{f:g}" for f in DEFAULT_FRACTIONS))
    curve.add_argument("--seeds", type=int, default=3)
    curve.add_argument("--epochs", type=int, default=30)
    curve.add_argument("--input", default="native", choices=INPUT_RULES)
    curve.set_defaults(handler=transfer_curve)

    shift = actions.add_parser("shift", parents=[*common, parents.seed], help="how far the target is from the source")
    shift.add_argument("--source", required=True)
    shift.add_argument("--split", default="train", choices=["train", "val", "test"], help="the target's split")
    shift.set_defaults(handler=transfer_shift)


def transfer_run(args: argparse.Namespace) -> dict[str, Any]:
    from core.transfer.run import TransferConfig, summary, transfer

    config = TransferConfig(args.strategy, args.fraction, args.seed, args.epochs, args.input)
    trained = transfer(args.source, args.dataset, args.size, config, on_progress=epoch_progress(args.quiet))
    result = summary(trained)
    if not args.json:
        print(
            f"model {result['model_id']} ({args.strategy}, {result['train_images']} training images): "
            f"test accuracy {result['test_accuracy']:.4f}, test AUC {result['test_auc']:.4f}"
        )
    return result


def transfer_curve(args: argparse.Namespace) -> dict[str, Any]:
    from core.transfer.curve import CurveConfig, run

    config = CurveConfig(
        args.source,
        args.dataset,
        args.size,
        args.strategy,
        fractions(args.fractions),
        args.seeds,
        args.epochs,
        args.input,
    )
    compute = compute_config(args)
    rows = run(config, compute=compute, on_progress=step_progress(args.quiet))
    if not args.json:
        columns = ["fraction", "train_images"]
        for metric in ("test_accuracy", "test_auc"):
            columns += [f"{metric}_scratch_mean", f"{metric}_{args.strategy}_mean"]
        print_table([{k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in r.items()} for r in rows], columns)
    return {
        "source": args.source,
        "dataset": args.dataset,
        "strategy": args.strategy,
        "seeds": args.seeds,
        "fractions": rows,
        **compute.where(),
    }


def transfer_shift(args: argparse.Namespace) -> dict[str, Any]:
    from core.data import load
    from core.models import store
    from core.transfer import shift

    model, meta = store.load(args.source), store.read_meta(args.source)
    source = shift.sample(load(meta.dataset, meta.size), "train", shift.PER_DOMAIN, args.seed)
    target = shift.sample(load(args.dataset, args.size), args.split, shift.PER_DOMAIN, args.seed)
    report = shift.measure(model, source, target, args.seed)
    result = {"source": args.source, "source_dataset": meta.dataset, "dataset": args.dataset} | report.as_dict()
    if not args.json:
        for name, figures in (("source vs target", report.pair), ("two halves of the source", report.halves)):
            print(
                f"{name}: MMD² {figures.mmd:.4f} (p {figures.mmd_p:.3f}), Fréchet {figures.frechet:.3f}, "
                f"two-sample AUC {figures.c2st_auc:.3f} [{figures.c2st_ci[0]:.3f}, {figures.c2st_ci[1]:.3f}]"
            )
    return result
