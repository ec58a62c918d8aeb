"""Training from the browser against the CLI, same machine, same settings, same seed, one after the other.

Starts the app on a free port with a fresh store, drives the Train page in headless Chromium (defaults, press
Train, wait for the report), and reads the training seconds MedLens measured around ``fit``; then runs
`python -m core train` with the same defaults in another fresh store. Prints one JSON line with both and the
ratio (browser / CLI), for the training itself and for the wall time from the click to the report.

    python bench/train_browser.py [--dataset pneumoniamnist]
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_run(dataset: str) -> dict:
    from playwright.sync_api import expect, sync_playwright

    home = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ, MEDLENS_HOME=home, MEDLENS_DEMO_MODELS="off")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1300, "height": 1600})
            page.goto(f"{url}/train")
            expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=60_000)
            clicked = time.perf_counter()
            page.get_by_role("button", name="Train", exact=True).click()
            expect(page.get_by_text(re.compile(r"Trained .+ in \d+ s")).first).to_be_visible(timeout=900_000)
            wall = time.perf_counter() - clicked
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    meta = json.loads(next(Path(home, "models").glob("*/meta.json")).read_text())
    return {"train_seconds": meta["train_seconds"], "epochs": meta["epochs"], "click_to_report_s": round(wall, 1)}


def cli_run(dataset: str) -> dict:
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "core", "train", "--dataset", dataset, "--json", "--quiet"],
            cwd=ROOT, env=dict(os.environ, MEDLENS_HOME=home), capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return {"train_seconds": summary["train_seconds"], "epochs": summary["epochs"], "command_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="pneumoniamnist")
    args = parser.parse_args()
    browser, cli = browser_run(args.dataset), cli_run(args.dataset)
    report = {
        "bench": "train_browser",
        "dataset": args.dataset,
        "browser": browser,
        "cli": cli,
        "ratio_train_seconds": round(browser["train_seconds"] / cli["train_seconds"], 2),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report))
    out = ROOT / "bench" / "results" / "train_browser.cpu.json"
    out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
