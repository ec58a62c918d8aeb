"""Figure: what hostile inputs cost through the CLI (``predict``, ``import-dataset``, ``import-model``).

Each case runs `python -m core …` in its own process; its peak memory (ru_maxrss from wait4) is set
beside the same command on a small, honest input measured in the same run, so the figure is a
difference, not an absolute that depends on the machine. Also: the time to refuse a 40,000-page TIFF,
whether the op-layer model wrote its file, and two concurrent imports of one name.

    python bench/hostile_inputs.py [--root CHECKOUT] [--out bench/results/hostile_inputs.cpu.json]

``--root`` runs another checkout's CLI (e.g. a worktree of an older commit) on the same files, for a
before/after figure; the files are always built by this checkout's test builders.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))

from tests.inputs import files  # noqa: E402  (the project's own builders of real-format files)

LAUNCHER = """
import os, resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run(root: Path, home: Path, *args: str) -> dict:
    """One CLI call: exit code, its own peak memory (MB), seconds and stderr lines.

    A small launcher starts the CLI and reads its children's peak: a child forked straight from this
    process would inherit this process's (larger) high-water mark in its rusage.
    """
    env = dict(os.environ, MEDLENS_HOME=str(home), PYTHONPATH=str(root))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "core", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    peak_kb, errors = int(lines[-1]), lines[:-1]
    return {
        "exit": done.returncode,
        "peak_mb": round(peak_kb / 1024, 1),
        "seconds": round(seconds, 2),
        "stderr": errors[-3:],
        "stderr_lines": len(errors),
    }


def jpeg(width: int, height: int) -> bytes:
    """A photograph-like JPEG: smooth gradients plus grain (a noise-only image would not fit the upload cap)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 128 + 60 * np.sin(x / 300) * np.cos(y / 200)
    grain = np.random.default_rng(0).normal(0, 6, (height, width)).astype(np.float32)
    gray = np.clip(base + grain, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.stack([gray, gray, gray], axis=-1)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def tiny_png_zip(count: int) -> bytes:
    rng = np.random.default_rng(0)
    members = {}
    for i in range(count):
        members[f"{'ab'[i % 2]}/{i}.png"] = files.image_bytes("PNG", rng.integers(0, 256, (8, 8), dtype=np.uint8))
    return files.zip_bytes(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose CLI runs (default: this one)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "hostile_inputs.cpu.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medlens-hostile-"))
    home = work / "home"
    model = _stored_model(home)
    inputs = {
        "small.png": files.image_bytes("PNG", np.full((64, 64), 90, np.uint8)),
        "jpeg_36mp.jpg": jpeg(7360, 4912),
        "tiff_huge_tile.tif": files.tiff_raw([files.tiff_page(8, 8, t259=8, t322=46336, t323=46336)]),
        "tiff_big_page2.tif": files.tiff_raw([files.tiff_page(1, 1), files.tiff_page(5000, 5000, 3)]),
        "tiff_40000_pages.tif": files.tiff_raw([files.tiff_page(1, 1)] * 40_000),
        "tiff_nan.tif": files.float_tiff([[np.nan, 1.0], [2.0, 3.0]]),
        "small_zip.zip": tiny_png_zip(40),
        "tiny_pngs_4000.zip": tiny_png_zip(4000),
        "label_3m.npz": _npz_label(3_000_000),
        "op_layer.keras": files.keras_archive(files.write_file_attack(str(work / "written-by-model.pth"))),
    }
    for name, data in inputs.items():
        (work / name).write_bytes(data)
    root = args.root.resolve()
    cases = {}
    predict = ("predict", "--model", model, "--json", "--image")
    cases["predict small image (baseline)"] = run(root, home, *predict, str(work / "small.png"))
    for name in ("jpeg_36mp.jpg", "tiff_huge_tile.tif", "tiff_big_page2.tif", "tiff_40000_pages.tif", "tiff_nan.tif"):
        cases[f"predict {name}"] = run(root, home, *predict, str(work / name))
    imports = ("import-dataset", "--size", "224", "--name")
    cases["import 40 PNGs at 224 px (baseline)"] = run(root, home, *imports, "base", str(work / "small_zip.zip"))
    cases["import 4000 8x8 PNGs at 224 px"] = run(root, home, *imports, "many", str(work / "tiny_pngs_4000.zip"))
    cases["import npz with a label of 3,000,000"] = run(root, home, *imports, "labels", str(work / "label_3m.npz"))
    cases["import-model op layer writing a file"] = run(root, home, "import-model", str(work / "op_layer.keras"))
    race = _concurrent_imports(root, home, work / "small_zip.zip")
    report = {
        "checkout": str(root),
        "cases": cases,
        "model_wrote_its_file": (work / "written-by-model.pth").exists(),
        "concurrent_imports_of_one_name": race,
        "predict_over_baseline_mb": {
            k: round(v["peak_mb"] - cases["predict small image (baseline)"]["peak_mb"], 1)
            for k, v in cases.items()
            if k.startswith("predict")
        },
    }
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


def _stored_model(home: Path) -> str:
    """An untrained PneumoniaMNIST model in the store, made in a child so this process never loads TensorFlow."""
    code = "from tests.conftest import store_untrained; print(store_untrained('pneumoniamnist').id)"
    env = dict(os.environ, MEDLENS_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _npz_label(label: int) -> bytes:
    arrays = files.medmnist_layout(size=8)
    arrays["train_labels"] = arrays["train_labels"].astype(np.int64)
    arrays["train_labels"][0] = label
    return files.npz_bytes(**arrays)


def _concurrent_imports(root: Path, home: Path, source: Path) -> dict:
    env = dict(os.environ, MEDLENS_HOME=str(home), PYTHONPATH=str(root))
    command = [sys.executable, "-m", "core", "import-dataset", "--name", "twin", "--size", "28", str(source)]
    processes = [subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
    processes.append(subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outcomes = [(p.wait(), p.stderr.read().decode(errors="replace").strip()) for p in processes]
    folder = home / "datasets" / "imported"
    return {
        "exit_codes": sorted(code for code, _ in outcomes),
        "errors": [text for code, text in outcomes if code],
        "entries_left": sorted(p.name for p in folder.iterdir()) if folder.is_dir() else [],
    }


if __name__ == "__main__":
    main()
