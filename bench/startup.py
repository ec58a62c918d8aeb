"""Figure: how fast `streamlit run app.py` serves the Home page, against importing TensorFlow.

Starts the server as `make run` does (free port), times the first HTTP 200 for "/" and the
moment headless Chromium shows the Home page's heading, and, side by side in the same run,
how long a bare `import tensorflow` takes (what start-up would cost if the app imported it).

    python bench/startup.py [--repeats 3]
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_once(browser) -> tuple[float, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        served = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.05)
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("heading", name="MedLens").wait_for(timeout=60_000)
        rendered = time.perf_counter() - started
        page.close()
        return served, rendered
    finally:
        process.terminate()
        process.wait(10)


def tensorflow_import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import core, tensorflow"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("chromium is needed: run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        serve_once(browser)  # warm the file cache, as a second `make run` would find it
        runs = [serve_once(browser) for _ in range(repeats)]
        browser.close()
    tf_import = statistics.median(tensorflow_import_seconds() for _ in range(repeats))
    served = statistics.median(r[0] for r in runs)
    rendered = statistics.median(r[1] for r in runs)
    print(
        json.dumps(
            {
                "bench": "startup",
                "first_page_served_s": round(served, 2),
                "home_rendered_s": round(rendered, 2),
                "tensorflow_import_s": round(tf_import, 2),
                "rendered_vs_tensorflow_import": round(rendered / tf_import, 2),
                "target_s": 5.0,
                "meets_target": rendered < 5.0,
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
