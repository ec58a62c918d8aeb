"""The out-of-domain guard on PneumoniaMNIST models: how many of its own test images it flags (should be ≤ 5 %),
whether the shipped CT, MR and retina samples are flagged, and the share of BreastMNIST and RetinaMNIST test images
flagged. One JSON in bench/results/domain.cpu.json.

    python bench/domain.py --models ID [ID ...]     (default: the shipped demo model, copied into the store)
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import core  # noqa: F401
from core.data import load
from core.inputs.images import model_input
from core.inputs.samples import SAMPLES
from core.models import demo, domain


def figures(model_id: str) -> dict:
    embedder, reference = domain.guard_for(model_id)
    own = load("pneumoniamnist")
    out = {
        "threshold": reference.threshold,
        "own_test_flagged": float(
            np.mean([not v.in_domain for v in domain.judge(embedder, reference, own.images("test"))])
        ),
    }
    for name in SAMPLES.names:
        image = model_input(SAMPLES.get(name)(), own.image_shape)
        verdict = domain.judge(embedder, reference, image[np.newaxis])[0]
        out[f"{name}_flagged"] = not verdict.in_domain
        out[f"{name}_score"] = round(verdict.score, 1)
    for other in ("breastmnist", "retinamnist"):
        images = load(other).images("test")[:300]
        if images.shape[-1] == 3:
            images = images.mean(axis=-1, keepdims=True).round().astype(np.uint8)
        out[f"{other}_flagged"] = float(np.mean([not v.in_domain for v in domain.judge(embedder, reference, images)]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+")
    args = parser.parse_args()
    if not args.models:
        os.environ["MEDLENS_DEMO_MODELS"] = "on"
        demo.copy_into_store()
    ids = args.models or [demo.demo_id("pneumoniamnist")]
    results = {model_id: figures(model_id) for model_id in ids}
    for model_id, row in results.items():
        print(model_id, json.dumps(row), flush=True)
    out = Path(__file__).resolve().parent / "results" / "domain.cpu.json"
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
