"""A folder of a modality the code was not written for, four classes at 512 px, through the CLI a user runs.

The issue asks for a real four-class folder of an unseen modality at 512 px. None is on this offline machine,
so this builds the nearest honest stand-in from real images: RetinaMNIST's colour fundus photographs (a
modality no MedLens code or default was tuned on: RGB, not chest, five grades), with grades 3 and 4 merged
into one "severe or proliferative" class (four classes), each image written as a 512 px PNG into
``<class>/<n>.png`` folders. The pixels are real, but their detail is RetinaMNIST's 28 px enlarged: the figure
shows that nothing in the path assumes two classes, grey images or chest X-rays, not what 512 px detail buys.

Then, as a user would, by subprocess: ``import-dataset --size 128`` (1,600 RGB images at their native 512 px
would be 1.2 GB, over the importer's 512 MB cap, which refuses in words) and ``train --size 128``, both timed;
the test accuracy and macro AUC are set against chance (the majority class's share, AUC 0.5). The folder lives in
a temporary directory and is deleted afterwards.

    python bench/unseen_folder.py [--source retinamnist] [--arch small_cnn] [--epochs 10]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))

MERGE = {0: "grade0_none", 1: "grade1_mild", 2: "grade2_moderate", 3: "grade3_4_severe", 4: "grade3_4_severe"}
SIZE = 512


def write_folder(source: str, folder: Path) -> dict[str, int]:
    """Every image of ``source`` (all splits: the importer draws its own stratified split) as a 512 px PNG."""
    from PIL import Image

    from core.data import load

    dataset = load(source)
    counts: dict[str, int] = {}
    for split in ("train", "val", "test"):
        for image, label in zip(dataset.images(split), dataset.labels(split), strict=True):
            name = MERGE[int(label)]
            counts[name] = counts.get(name, 0) + 1
            (folder / name).mkdir(parents=True, exist_ok=True)
            picture = Image.fromarray(np.squeeze(image)).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
            picture.save(folder / name / f"{counts[name]:05d}.png")
    return counts


def cli(*args: str) -> tuple[dict, float]:
    """Run ``python -m core ARGS --json`` as a user would; its last line, and the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "core", *args, "--json"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"python -m core {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="retinamnist")
    parser.add_argument("--arch", default="small_cnn")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    name = f"unseen-{args.source}-4class"
    with tempfile.TemporaryDirectory(prefix="medlens-unseen-") as scratch:
        folder = Path(scratch) / "folder"
        counts = write_folder(args.source, folder)
        imported, import_s = cli("import-dataset", str(folder), "--name", name, "--size", "128", "--replace")
    trained, train_s = cli(
        "train",
        *("--dataset", name, "--size", "128", "--arch", args.arch, "--epochs", str(args.epochs)),
        *("--seed", str(args.seed), "--quiet"),
    )
    from core.data import load

    test_counts = np.bincount(load(name, 128).labels("test"))
    report = {
        "bench": "unseen_folder",
        "folder": {"source": args.source, "classes": counts, "px": SIZE, "detail": "28 px enlarged to 512 px"},
        "import_s": round(import_s, 1),
        "train_s": round(train_s, 1),
        "within_10_minutes": import_s + train_s <= 600,
        "arch": args.arch,
        "epochs": args.epochs,
        "size": 128,
        "model_id": trained.get("model_id"),
        "test_accuracy": trained.get("test_accuracy"),
        "test_auc": trained.get("test_auc"),
        "test_images": int(test_counts.sum()),
        "chance_accuracy": round(float(test_counts.max() / test_counts.sum()), 4),
        "chance_auc": 0.5,
        "imported": imported,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
