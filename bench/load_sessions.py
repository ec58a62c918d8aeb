"""Load test: 8 browser sessions at once upload an image, get a prediction and an explanation.

Starts the app on a free port with a fresh MEDLENS_HOME holding one model trained for a few epochs
on PneumoniaMNIST, then drives Playwright contexts (one browser, one context per session) against
it. Each session uploads its own real image (PneumoniaMNIST test images as PNG, pydicom's CT and MR
as DICOM) on the Your data page and waits for the model's answer and the Grad-CAM overlay.
Checks: no exception box, and every session shows its own image id and no other session's.
Measures: response time per session (upload to prediction shown, to explanation sent by the server,
and to the overlay drawn by the browser's Plotly) and the server's peak memory
(RSS of its process tree). Baseline, in the same run: one session alone on the same, warmed-up server.

    python bench/load_sessions.py [--sessions 8] [--out bench/results/load_sessions.cpu.json]
"""

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_home(home: Path) -> str:
    """A MEDLENS_HOME with one briefly trained PneumoniaMNIST model; returns its id."""
    import core  # noqa: F401
    from core.models.train import TrainConfig
    from core.models.workflow import train_and_store

    os.environ["MEDLENS_HOME"] = str(home)
    return train_and_store("pneumoniamnist", 28, TrainConfig(epochs=3, min_epochs=1)).meta.id


def session_files(count: int, folder: Path) -> list[Path]:
    """Real images, one per session: DICOM samples first, then PneumoniaMNIST test images as PNG."""
    from PIL import Image

    from core.data import load
    from core.inputs.samples import SAMPLES

    paths = []
    for name in ("CT_small.dcm", "MR_small.dcm")[:count]:
        path = folder / name
        path.write_bytes(SAMPLES.get(name)())
        paths.append(path)
    test = load("pneumoniamnist").images("test")
    for index in range(count - len(paths)):
        path = folder / f"test-{index}.png"
        Image.fromarray(test[index * 37][..., 0]).resize((224, 224)).save(path)
        paths.append(path)
    return paths


class MemoryWatch(threading.Thread):
    """Peak RSS of a process and its children, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process, self.peak, self.stopped = psutil.Process(pid), 0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stopped.is_set():
            try:
                total = self.process.memory_info().rss + sum(
                    child.memory_info().rss for child in self.process.children(recursive=True)
                )
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)


async def one_session(browser, url: str, image: Path, timeout_ms: int) -> dict:
    context = await browser.new_context(viewport={"width": 1300, "height": 2000})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/byod")
        await page.get_by_role("heading", name="Your data").wait_for(timeout=timeout_ms)
        started = time.perf_counter()
        await page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(image))
        await page.get_by_text("The model says").wait_for(timeout=timeout_ms)
        predicted = time.perf_counter() - started
        await page.get_by_text("Explanation of image").wait_for(timeout=timeout_ms)
        answered = time.perf_counter() - started  # the server has sent the explanation
        await page.get_by_text("Grad-CAM for").first.wait_for(timeout=timeout_ms)
        explained = time.perf_counter() - started  # the browser has drawn the overlay
        text = await page.inner_text("body")
        exceptions = await page.get_by_test_id("stException").count()
        return {"image": image.name, "predict_s": predicted, "answer_s": answered, "explain_s": explained, "text": text,
                "exceptions": exceptions, "page": page, "context": context}  # fmt: skip
    except Exception as error:  # a timeout or a crashed page is a failed session, reported
        await context.close()
        return {"image": image.name, "error": f"{type(error).__name__}: {str(error)[:200]}"}


async def drive(url: str, images: list[Path], timeout_ms: int) -> tuple[dict, list[dict]]:
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        for _ in range(2):  # the first warms the server (imports, model load); the second is the baseline
            alone = await one_session(browser, url, images[0], timeout_ms)
            if "context" in alone:
                await alone["context"].close()
        sessions = await asyncio.gather(*(one_session(browser, url, image, timeout_ms) for image in images))
        for session in sessions:
            if "page" in session:
                session["text_after"] = await session["page"].inner_text("body")
                await session["context"].close()
        await browser.close()
    return alone, sessions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=240, help="seconds a session may wait for its answer")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load_sessions.cpu.json"))
    args = parser.parse_args()
    os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory(prefix="medlens-load-") as scratch:
        home, uploads = Path(scratch) / "home", Path(scratch) / "uploads"
        uploads.mkdir()
        model_id = prepare_home(home)
        images = session_files(args.sessions, uploads)
        ids = {image.name: hashlib.sha256(image.read_bytes()).hexdigest()[:12] for image in images}
        port = free_port()
        env = dict(os.environ, MEDLENS_HOME=str(home), MEDLENS_TMP=str(Path(scratch) / "sessions"))
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                        break
                except OSError:
                    time.sleep(0.1)
            watch = MemoryWatch(server.pid)
            idle = watch.process.memory_info().rss
            watch.start()
            alone, sessions = asyncio.run(drive(url, images, args.timeout * 1000))
            watch.stopped.set()
        finally:
            server.terminate()
            server.wait(15)
    problems = [f"baseline: {alone['error']}"] if "error" in alone else []
    for session in sessions:
        if "error" in session:
            problems.append(f"{session['image']}: {session['error']}")
            continue
        own = ids[session["image"]]
        others = [i for name, i in ids.items() if name != session["image"]]
        for label in ("text", "text_after"):
            if own not in session[label]:
                problems.append(f"{session['image']}: its own image id is missing ({label})")
            if any(other in session[label] for other in others):
                problems.append(f"{session['image']}: shows another session's upload ({label})")
        if session["exceptions"]:
            problems.append(f"{session['image']}: an exception box")
    done = [s for s in sessions if "error" not in s]
    explain_times = [s["explain_s"] for s in done]
    report = {
        "sessions": args.sessions,
        "model_id": model_id,
        "completed": len(done),
        "problems": problems,
        "baseline_one_session_s": {
            "predict": round(alone.get("predict_s", float("nan")), 2),
            "explanation_sent": round(alone.get("answer_s", float("nan")), 2),
            "explain": round(alone.get("explain_s", float("nan")), 2),
        },
        "median_predict_s": round(statistics.median(s["predict_s"] for s in done), 2) if done else None,
        "median_explanation_sent_s": round(statistics.median(s["answer_s"] for s in done), 2) if done else None,
        "median_explain_s": round(statistics.median(explain_times), 2) if done else None,
        "max_explain_s": round(max(explain_times), 2) if done else None,
        "median_vs_one_session": round(statistics.median(explain_times) / alone["explain_s"], 2)
        if done and "explain_s" in alone
        else None,
        "server_idle_rss_mb": round(idle / 2**20),
        "server_peak_rss_mb": round(watch.peak / 2**20),
        "cpu_count": os.cpu_count(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    sys.exit(1 if problems or len(done) < args.sessions else 0)


if __name__ == "__main__":
    main()
