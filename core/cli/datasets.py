"""Datasets: the catalogue and what is present, and importing a user's labelled images."""

import argparse
import sys
from typing import Any

from core.cli.output import print_table
from core.cli.shared import Parents
from core.data.square import DEFAULT_SQUARING, IMPORT_SQUARING
from core.errors import MedLensError


def register(sub, parents: Parents) -> None:
    p = sub.add_parser("datasets", parents=[parents.json], help="the MedMNIST catalogue and which files are here")
    p.set_defaults(handler=datasets)
    p = sub.add_parser(
        "import-dataset",
        parents=[parents.json, parents.seed],
        help="import class folders (folder or zip) or a MedMNIST-layout .npz as a dataset",
    )
    p.add_argument("path")
    p.add_argument("--name", required=True, help="the dataset's name (lower-case letters, digits, - and _)")
    p.add_argument(
        "--size",
        type=_import_size,
        default=28,
        help="store images at SIZE x SIZE (e.g. 28, 64, 128, 224), or 'native': each image's own size up to 512 px; "
        "train later at any smaller size with train --size",
    )
    p.add_argument(
        "--squaring",
        choices=IMPORT_SQUARING,
        default=DEFAULT_SQUARING,
        help="how a non-square image is made square: pad (letterbox, nothing cut) or crop (centre square)",
    )
    p.add_argument("--channels", type=int, choices=[1, 3], help="1 gray or 3 RGB (default: RGB if any file is)")
    p.add_argument("--replace", action="store_true", help="replace an imported dataset of the same name")
    p.set_defaults(handler=import_dataset)


def _import_size(text: str) -> int | None:
    if text == "native":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: give pixels (e.g. 128) or 'native'") from None


def datasets(args: argparse.Namespace) -> dict[str, Any]:
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
        print_table(rows, ["name", "task", "classes", "channels", "train", "sizes", "license", "local"])
    return {"datasets": rows}


def import_dataset(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from core.data import imported
    from core.data.loader import sizes
    from core.inputs.dataset_import import import_dataset

    source = Path(args.path)
    if not source.exists():
        raise MedLensError(f"{source} does not exist.")
    dataset, report = import_dataset(
        source, args.name, size=args.size, seed=args.seed, channels=args.channels, squaring=args.squaring
    )
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
        "squaring": report.squaring,
        "train_sizes": list(sizes(meta.name)),
        "splits_given": report.splits_given,
        "refused": len(report.refused),
    }
