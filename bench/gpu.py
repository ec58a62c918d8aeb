"""The prepared GPU check: one short script for the day a GPU host is available, writing one JSON of figures.

On the machine it runs on (a GPU host, or the CPU as a fallback that the test suite runs with ``--quick`` so
the script never rots), in a throw-away MEDLENS_HOME, through the CLI a user would type:

1. imports the real chest X-rays (``../shared/data/real/chest_xray_kermany_512``, centre crop) at native size
   and trains the residual network at 224 px (mixed precision + XLA on a GPU: the figure says which);
2. runs the 12-candidate compression search on Ray, ``--trials-per-gpu`` trials sharing the GPU at once;
3. explains 64 test images with every method (``bench explain``) and notes each method's time per image.

    python bench/gpu.py [--out bench/results/gpu.<device>.json] [--quick]

``--quick``: the X-rays imported at 32 px and trained there for 1 epoch in batches of 16, a 2-candidate search on
2 workers and 2 images: about a minute on a 2-core CPU.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "data" / "real" / "chest_xray_kermany_512"


def cli(env: dict, *args: str, timeout: float = 3600) -> tuple[dict, float]:
    """One ``python -m core … --json`` command: its JSON line and its wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "core", *args, "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(args[:2])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), round(time.perf_counter() - started, 2)


def device_words() -> dict:
    """Which device this run used, and whether this TensorFlow could have used a GPU at all (without the CUDA
    wheels of requirements-gpu.txt a GPU host runs on its CPU)."""
    import tensorflow as tf

    from core.compute.device import current

    device = current()
    cuda = bool(tf.test.is_built_with_cuda())
    words = device.words if device.gpus or cuda else f"{device.words} (this TensorFlow has no CUDA: MEDLENS_GPU=on)"
    return {"device": words, "gpus": len(device.gpus), "cpus": device.cpus, "tensorflow_cuda": cuda}


def check(args: argparse.Namespace, env: dict) -> dict:
    figures: dict = {"quick": args.quick, **device_words(), "size": args.size}
    if args.data.is_dir():
        stored = str(args.size) if args.quick else "native"
        imported, seconds = cli(env, "import-dataset", str(args.data), "--name", "xray", "--size", stored,
                                "--squaring", "crop")  # fmt: skip
        dataset = "xray"
        figures["data"] = {"source": "real chest X-rays (Kermany, 300 images)", "import_seconds": seconds,
                           "counts": imported["counts"]}  # fmt: skip
    else:  # no real-resolution folder here: MedMNIST at 28 px, said so in the figures
        dataset, args.size = "pneumoniamnist", 28
        figures["data"] = {"source": "PneumoniaMNIST 28 px (the real folder is missing)"}
    from core.compute.device import training_speedups

    figures["training_speedups"] = training_speedups(args.size).words
    trained, seconds = cli(env, "train", "--dataset", dataset, "--size", str(args.size), "--arch", "resnet",
                           "--epochs", str(args.epochs), "--batch-size", str(args.batch), "--quiet")  # fmt: skip
    model = trained["model_id"]
    figures["train"] = {"seconds": seconds, "train_seconds": trained.get("train_seconds"),
                        "epochs": trained.get("epochs"), "test_auc": trained.get("test_auc"),
                        "test_accuracy": trained.get("test_accuracy")}  # fmt: skip
    found, seconds = cli(env, "compress", "search", "--model", model, "--budget", str(args.budget),
                         "--executor", "ray", "--workers", str(args.workers), "--quiet")  # fmt: skip
    figures["compress_search"] = {"seconds": seconds, "candidates": len(found["candidates"]),
                                  "workers": args.workers, "trials_per_gpu": args.trials_per_gpu,
                                  "front": found["front"], "recommended": (found["recommended"] or {}).get("recipe"),
                                  "skipped": found["skipped"]}  # fmt: skip
    explained, seconds = cli(env, "bench", "explain", "--model", model, "--images", str(args.images))
    methods = explained["methods"]
    figures["explain"] = {"seconds": seconds, "images": args.images,
                          "ms_per_image": {m: r.get("ms_per_image") for m, r in methods.items()},
                          "errors": {m: r["error"] for m, r in methods.items() if "error" in r}}  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--quick", action="store_true", help="the CPU fallback: small and fast, same steps")
    parser.add_argument("--data", type=Path, default=REAL)
    parser.add_argument("--trials-per-gpu", type=int, default=4)
    args = parser.parse_args()
    args.size, args.epochs, args.batch, args.budget, args.workers, args.images = (
        (32, 1, 16, 2, 2, 2) if args.quick else (224, 10, 64, 12, 4, 64)
    )
    os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MEDLENS_HOME=home, MEDLENS_DEMO_MODELS="off",
                   MEDLENS_TRIALS_PER_GPU=str(args.trials_per_gpu), RAY_USAGE_STATS_ENABLED="0")  # fmt: skip
        started = time.perf_counter()
        figures = check(args, env)
        figures["total_seconds"] = round(time.perf_counter() - started, 1)
    line = json.dumps(figures)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(line)


if __name__ == "__main__":
    main()
