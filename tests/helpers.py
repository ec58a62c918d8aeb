"""Helpers shared by test modules: drive a page with AppTest, run the CLI. (Fixtures live in conftest.py.)"""

import json
import os
import re
import subprocess
import sys

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def open_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120).run()


def open_page(page: str, **context) -> AppTest:
    at = open_app()
    for key, value in context.items():
        at.session_state[key] = value
    return at.switch_page(f"pages/{page}.py").run()


def finish_job(at: AppTest, key: str, reruns: int = 1, timeout: float = 300):
    """Wait for the background job the page stored under ``key`` to succeed, then rerun the page."""
    job = at.session_state[key]
    job.wait(timeout)
    assert job.status == "done", job.error
    for _ in range(reruns):
        at.run()
    return job


def texts(elements) -> str:
    """What the elements show a person: Markdown backslash escapes (``plain``) removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", " ".join(str(e.value) for e in elements))


def run_cli(*args: str, home) -> subprocess.CompletedProcess:
    env = dict(os.environ, MEDLENS_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def last_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
