"""Arguments several command families share, declared once as parent parsers, and a stored model's predictor."""

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class Parents:
    """Parent parsers a command lists in ``parents=``: the same flag means the same thing everywhere."""

    json: argparse.ArgumentParser
    dataset: argparse.ArgumentParser
    seed: argparse.ArgumentParser
    quiet: argparse.ArgumentParser
    compute: argparse.ArgumentParser  # --executor and --workers, on every sweep


def parents() -> Parents:
    from core.compute.config import EXECUTORS
    from core.data.catalogue import DEFAULT_DATASET

    def parser() -> argparse.ArgumentParser:
        return argparse.ArgumentParser(add_help=False)

    json_flag, dataset, seed, quiet, compute = parser(), parser(), parser(), parser(), parser()
    json_flag.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    dataset.add_argument("--dataset", default=DEFAULT_DATASET, help="a MedMNIST subset or an imported dataset")
    dataset.add_argument(
        "--size", type=int, default=28, help="28, 64, 128 or 224 for MedMNIST; an import's own size or any smaller"
    )
    seed.add_argument("--seed", type=int, default=0)
    quiet.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    compute.add_argument(
        "--executor", choices=EXECUTORS, help="where trials run (default: MEDLENS_EXECUTOR, else local)"
    )
    compute.add_argument("--workers", type=int, help="ray: CPUs of the local cluster (default: every core)")
    return Parents(json_flag, dataset, seed, quiet, compute)


def compute_config(args: argparse.Namespace):
    from core.compute.config import from_env

    return from_env(args.executor, args.workers)


def stored_predictor(model_id: str):
    from core.data import load
    from core.explain.predictor import Predictor
    from core.models import store

    meta = store.read_meta(model_id)
    return Predictor(store.open_model(model_id), name=meta.name), load(meta.dataset, meta.size), meta
