"""The out-of-domain guard on PneumoniaMNIST models, as a clinician meets it: how many of the model's own test
images and of the 300 real Kermany chest X-rays it flags (each should be <= 5 %), and the scores of images of
other modalities (CT, a brain MR slice, a retina photograph, real dermoscopy photographs; each should be at least
twice the threshold) — for the shipped demo model and for a model trained one epoch, since the guard must not
depend on how well a model was trained. One JSON in bench/results/domain.cpu.json.

    python bench/domain.py [--models ID ...]   (default: the demo model and a fresh 1-epoch model)
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
from core.inputs.images import fit_to, read_image, render
from core.inputs.samples import SAMPLES
from core.models import demo, domain

REAL = Path(os.environ.get("MEDLENS_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")) / "real"


def uploads(paths, squaring: str) -> list:
    out = []
    for data in paths:
        rendered = render(read_image(data))
        out.append((fit_to(rendered, (28, 28, 1), squaring), rendered))
    return out


def verdicts(guard, pairs) -> list:
    return domain.judge(guard[0], guard[1], np.stack([p[0] for p in pairs]), [p[1] for p in pairs])


def flagged(found) -> float:
    return round(float(np.mean([not v.in_domain for v in found])), 4)


def figures(model_id: str) -> dict:
    guard = domain.guard_for(model_id)
    xrays = sorted((REAL / "chest_xray_kermany_512").rglob("*.jpg"))
    dermoscopy = sorted((REAL / "ham10000_560").rglob("*.jpg"))
    out = {
        "own_test_flagged": flagged(domain.judge(*guard, load("pneumoniamnist").images("test"))),
        "real_xrays": len(xrays),
        "real_xrays_flagged_centre_crop": flagged(verdicts(guard, uploads([p.read_bytes() for p in xrays], "crop"))),
        "real_xrays_flagged_letterbox": flagged(verdicts(guard, uploads([p.read_bytes() for p in xrays], "pad"))),
    }
    for name in SAMPLES.names:
        verdict = verdicts(guard, uploads([SAMPLES.get(name)()], "crop"))[0]
        out[name] = {"score": round(verdict.score, 2), "signal": verdict.signal}
    scores = [v.score for v in verdicts(guard, uploads([p.read_bytes() for p in dermoscopy], "crop"))]
    out["dermoscopy"] = {
        "images": len(scores),
        "flagged": round(float(np.mean(np.array(scores) > 1.0)), 4),
        "min_score": round(min(scores), 2),
        "share_at_least_twice": round(float(np.mean(np.array(scores) >= 2.0)), 4),
    }
    return out


def one_epoch_model() -> str:
    from core.models.train import TrainConfig
    from core.models.workflow import train_and_store

    return train_and_store("pneumoniamnist", 28, TrainConfig(epochs=1, min_epochs=1)).meta.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+")
    args = parser.parse_args()
    if not args.models:
        os.environ["MEDLENS_DEMO_MODELS"] = "on"
        demo.copy_into_store()
    ids = args.models or [demo.demo_id("pneumoniamnist"), one_epoch_model()]
    results = {model_id: figures(model_id) for model_id in ids}
    for model_id, row in results.items():
        print(model_id, json.dumps(row), flush=True)
    out = Path(__file__).resolve().parent / "results" / "domain.cpu.json"
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
