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

Scenario ``class`` (``--scenario class``): what a class of ``--sessions`` students does at once on a link the
teacher shared: open the Explain page on a test image (each student a different one), read the prediction and
the Grad-CAM overlay, switch to SHAP Partition; one in five also opens the Compress page and runs the built-in
int8 recipe. Run for each of ``--executors`` (default ``local,ray``: the server started with
MEDLENS_EXECUTOR=ray and 2 workers) in the same run, each on a fresh server and store. Reports p50/p95 latency
to the prediction, the Grad-CAM overlay and the SHAP overlay, the compression time (click to result, the wait in
the server's line of compressions included: its own --compress-timeout), the server's peak memory
(its whole process tree: Ray's processes included), errors, and leaks (a page naming another student's image).

    python bench/load_sessions.py --scenario class --sessions 30 [--executors local,ray]
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import re
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


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (Ray's workers, Chromium's renderers)."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
    except psutil.Error:
        pass
    return total


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
    parser.add_argument(
        "--compress-timeout",
        type=int,
        default=900,
        help="class scenario: seconds a compression may take from its click (a server runs them one at a time)",
    )
    parser.add_argument("--out", default=None)
    parser.add_argument("--scenario", choices=["upload", "class"], default="upload")
    parser.add_argument("--executors", default="local,ray", help="class scenario: the servers to compare")
    args = parser.parse_args()
    os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    if args.scenario == "class":
        report = {"scenario": "class", "cpu_count": os.cpu_count(),
                  "runs": [run_class(args, executor) for executor in args.executors.split(",")]}  # fmt: skip
        out = Path(args.out or ROOT / "bench" / "results" / f"load_class_{args.sessions}.cpu.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report, indent=2))
        failed = [r for r in report["runs"] if r["errors"] or r["problems"] or r["completed"] < args.sessions]
        sys.exit(1 if failed else 0)
    args.out = args.out or str(ROOT / "bench" / "results" / "load_sessions.cpu.json")
    with tempfile.TemporaryDirectory(prefix="medlens-load-") as scratch:
        home, uploads = Path(scratch) / "home", Path(scratch) / "uploads"
        uploads.mkdir()
        model_id = prepare_home(home)
        images = session_files(args.sessions, uploads)
        ids = {image.name: hashlib.sha256(image.read_bytes()).hexdigest()[:12] for image in images}
        env = dict(os.environ, MEDLENS_HOME=str(home), MEDLENS_TMP=str(Path(scratch) / "sessions"))
        server, url = start_server(env, subprocess.DEVNULL)
        try:
            watch = MemoryWatch(server.pid)
            idle = watch.process.memory_info().rss
            watch.start()
            alone, sessions = asyncio.run(drive(url, images, args.timeout * 1000))
            watch.stopped.set()
        finally:
            stop_tree(server)
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


# ---- the class scenario ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))], 2)


async def class_session(
    browser, url: str, model_id: str, image: int, compress: bool, timeout_ms: int, compress_timeout_ms: int
) -> dict:
    context = await browser.new_context(viewport={"width": 1300, "height": 2200})
    page = await context.new_page()
    out: dict = {"image": image, "compress": compress}
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/explain?model={model_id}&image=test-{image}", timeout=timeout_ms)
        await page.get_by_text("Model says").first.wait_for(timeout=timeout_ms)
        out["predict_s"] = time.perf_counter() - started
        await page.get_by_text("Grad-CAM for").first.wait_for(timeout=timeout_ms)
        out["gradcam_s"] = time.perf_counter() - started
        chosen = time.perf_counter()
        method = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Method", exact=True))
        await method.first.click()
        await page.get_by_role("option", name="SHAP Partition").click()
        await page.get_by_text("SHAP Partition for").first.wait_for(timeout=timeout_ms)
        out["shap_s"] = time.perf_counter() - chosen
        out["text"] = await page.inner_text("body")
        out["exceptions"] = await page.get_by_test_id("stException").count()
        if compress:
            tab = await context.new_page()
            await tab.goto(f"{url}/compress?model={model_id}", timeout=timeout_ms)
            await tab.get_by_role("tab", name="Built-in recipe").click(timeout=timeout_ms)
            shown = tab.locator('[role="tabpanel"]:not([hidden])')  # the Built-in tab's own Run (int8 is its default)
            await tab.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=timeout_ms)  # page drawn
            chosen = time.perf_counter()
            await shown.get_by_role("button", name="Run").click(timeout=timeout_ms)
            measured = tab.get_by_text("Measured int8.")  # this session's own job (the shared cache may list it first)
            failed = tab.get_by_test_id("stAlertContentError")
            try:
                # a queue: one at a time; only a visible answer counts (`first` alone could pick a hidden element)
                await measured.or_(failed).filter(visible=True).first.wait_for(timeout=compress_timeout_ms)
            except Exception:
                out["compress_tab_text"] = (await tab.inner_text("body"))[-600:]  # what the student saw instead
                raise
            if await failed.filter(visible=True).count():
                raise RuntimeError(f"the compression failed: {(await failed.first.inner_text())[:200]}")
            out["compress_s"] = time.perf_counter() - chosen
            out["exceptions"] += await tab.get_by_test_id("stException").count()
        out["text_after"] = await page.inner_text("body")
    except Exception as error:  # a timeout or a crashed page is a failed session, reported
        out["error"] = f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        await context.close()
    return out


async def drive_class(
    url: str, model_id: str, sessions: int, timeout_ms: int, compress_timeout_ms: int
) -> tuple[dict, list[dict]]:
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        for _ in range(2):  # the first warms the server (imports, model load, the split's predictions)
            alone = await class_session(browser, url, model_id, 1, False, timeout_ms, compress_timeout_ms)
        students = [
            class_session(browser, url, model_id, 3 + 7 * i, i % 5 == 0, timeout_ms, compress_timeout_ms)
            for i in range(sessions)
        ]
        results = await asyncio.gather(*students)
        await browser.close()
    return alone, results


def class_problems(results: list[dict]) -> list[str]:
    problems = []
    for r in results:
        if "error" in r:
            seen = f" — its Compress tab showed: {r['compress_tab_text']!r}" if "compress_tab_text" in r else ""
            problems.append(f"image {r['image']}: {r['error']}{seen}")
            continue
        for label in ("text", "text_after"):
            shown = {int(n) for n in re.findall(r"test image #(\d+)", r[label])}
            if shown != {r["image"]}:
                problems.append(f"image {r['image']}: its page names test images {sorted(shown)} ({label})")
        if r["exceptions"]:
            problems.append(f"image {r['image']}: an exception box")
    return problems


def run_class(args: argparse.Namespace, executor: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="medlens-class-") as scratch:
        home = Path(scratch) / "home"
        model_id = prepare_home(home)
        log = open(Path(tempfile.gettempdir()) / f"medlens-class-{executor}-{args.sessions}.log", "w")  # noqa: SIM115
        env = dict(os.environ, MEDLENS_HOME=str(home), MEDLENS_TMP=str(Path(scratch) / "sessions"),
                   MEDLENS_EXECUTOR=executor, MEDLENS_WORKERS="2", RAY_USAGE_STATS_ENABLED="0",
                   MEDLENS_DEMO_MODELS="off")  # fmt: skip
        server, url = start_server(env, log)
        try:
            watch = MemoryWatch(server.pid)
            idle = watch.process.memory_info().rss
            watch.start()
            started, server_cpu = time.perf_counter(), tree_cpu_seconds(server.pid)
            alone, results = asyncio.run(
                drive_class(url, model_id, args.sessions, args.timeout * 1000, args.compress_timeout * 1000)
            )
            wall, server_cpu = time.perf_counter() - started, tree_cpu_seconds(server.pid) - server_cpu
            watch.stopped.set()
        finally:
            stop_tree(server)
            log.close()
    done = [r for r in results if "error" not in r]

    def figures(key: str) -> dict:
        values = [r[key] for r in done if key in r]
        return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "n": len(values)}

    return {
        "executor": executor,
        "sessions": args.sessions,
        "completed": len(done),
        "one_session_s": {k: round(alone[k], 2) for k in ("predict_s", "gradcam_s", "shap_s") if k in alone},
        "predict_s": figures("predict_s"),
        "gradcam_overlay_s": figures("gradcam_s"),
        "shap_overlay_s": figures("shap_s"),
        "compress_int8_s": figures("compress_s"),
        "errors": [r["error"] for r in results if "error" in r],
        "problems": class_problems(results),
        "server_idle_rss_mb": round(idle / 2**20),
        "server_peak_rss_mb": round(watch.peak / 2**20),
        "wall_s": round(wall, 1),
        "server_cpu_s": round(server_cpu, 1),  # of wall_s x cpu_count: the rest went to the browsers
    }


def start_server(env: dict, log) -> tuple[subprocess.Popen, str]:
    """The app on a free port, in a process group of its own (see ``stop_tree``), once it answers its health
    check; ``log`` takes its output."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url)
    return server, url


def wait_healthy(url: str) -> None:
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)


def stop_tree(server: subprocess.Popen) -> None:
    """The server and whatever it started (started in a session of its own, so a Ray cluster's processes share
    its process group): a polite stop first, so it shuts Ray down itself, then the whole group."""
    import signal

    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(30)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(5)


if __name__ == "__main__":
    main()
