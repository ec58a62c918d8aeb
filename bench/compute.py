"""Figure: the 12-candidate compression search, `local` against `ray` with 2 workers, side by side in one run.

Trains the default PneumoniaMNIST model (or takes ``--model`` from the store at ``--home``), then runs
`compress search --budget 12` twice through the CLI, each in a fresh cache (a copy of the store): once with
`--executor local`, once with `--executor ray --workers 2`. Reports both wall times, whether the Pareto fronts
and every candidate's figures agree, each trial's own time, and the wall time projected for N workers from
those per-trial times (longest-first onto N workers, plus the measured fixed cost of starting Ray and the
workers' first imports).

    python bench/compute.py [--workers 2] [--project 1,2,4,8,16]
"""

import argparse
import heapq
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(env: dict, *args: str) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "core", *args, "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(args[:2])}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), round(time.perf_counter() - started, 1)


def makespan(seconds: list[float], workers: int) -> float:
    """Longest trial first, each onto the worker that frees up first."""
    loads = [0.0] * workers
    for trial in sorted(seconds, reverse=True):
        heapq.heapreplace(loads, loads[0] + trial)
    return max(loads)


def figures(found: dict) -> list[tuple]:
    keys = ("recipe", "bytes", "test_accuracy", "test_auc", "agreement")
    return [tuple(c.get(k) for k in keys) for c in found["candidates"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=int, default=12)
    parser.add_argument("--project", default="1,2,4,8,16")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "compute.cpu.json")
    args = parser.parse_args()
    os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory(prefix="medlens-compute-") as scratch:
        base = Path(scratch) / "base"
        env = dict(os.environ, MEDLENS_HOME=str(base), MEDLENS_DEMO_MODELS="off", RAY_USAGE_STATS_ENABLED="0")
        trained, train_s = cli(env, "train", "--dataset", "pneumoniamnist", "--quiet")
        model = trained["model_id"]
        runs = {}
        for name, flags in (("local", ["--executor", "local"]), ("ray", ["--executor", "ray", "--workers",
                                                                          str(args.workers)])):  # fmt: skip
            home = Path(scratch) / name
            shutil.copytree(base / "models", home / "models")
            found, wall = cli(dict(env, MEDLENS_HOME=str(home)), "compress", "search", "--model", model,
                              "--budget", str(args.budget), "--quiet", *flags)  # fmt: skip
            runs[name] = {"wall_s": wall, "found": found}
    local, ray = runs["local"], runs["ray"]
    ray_trials = list(ray["found"]["trial_seconds"].values())
    overhead = max(0.0, ray["wall_s"] - makespan(ray_trials, args.workers))
    report = {
        "model_id": model,
        "train_s": train_s,
        "candidates": len(local["found"]["candidates"]),
        "local_wall_s": local["wall_s"],
        "ray_wall_s": ray["wall_s"],
        "ray_workers": args.workers,
        "speedup": round(local["wall_s"] / ray["wall_s"], 2),
        "same_front": local["found"]["front"] == ray["found"]["front"],
        "same_figures": figures(local["found"]) == figures(ray["found"]),
        "front": local["found"]["front"],
        "recommended": (local["found"]["recommended"] or {}).get("recipe"),
        "trial_seconds_local": local["found"]["trial_seconds"],
        "trial_seconds_ray": ray["found"]["trial_seconds"],
        "ray_fixed_cost_s": round(overhead, 1),
        "projected_ray_wall_s": {
            n: round(makespan(ray_trials, n) + overhead, 1) for n in (int(w) for w in args.project.split(","))
        },
        "projection_note": "per-trial times as measured with 2 trials sharing 2 cores; on machines with a core "
        "(or GPU share) per worker each trial is at least as fast, and the longest trial bounds the wall time",
        "cpu_count": os.cpu_count(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
