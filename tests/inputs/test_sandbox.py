"""The probe's sandbox on its own: a locked-down child cannot write, start a process or open a socket."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.inputs import sandbox
from core.inputs.model_check import probe
from tests.inputs import files

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, os, socket, subprocess, sys, threading
from core.inputs import sandbox
sandbox.lock_down()
outcome = {}
def attempt(label, action):
    try:
        action()
        outcome[label] = "done"
    except OSError as error:
        outcome[label] = error.errno
attempt("write", lambda: open(sys.argv[1], "w").write("x"))
attempt("truncate", lambda: open(sys.argv[2], "r+"))
attempt("delete", lambda: os.remove(sys.argv[2]))
attempt("spawn", lambda: subprocess.run(["true"]))
attempt("fork", os.fork)
attempt("socket", socket.socket)
attempt("read", lambda: open(sys.argv[2]).read())
thread = threading.Thread(target=lambda: outcome.setdefault("thread", "done"))
thread.start(); thread.join()
print(json.dumps(outcome))
"""
linux = pytest.mark.skipif(sys.platform != "linux", reason="the seccomp sandbox is Linux-only")


@linux
def test_a_locked_down_child_cannot_write_spawn_or_connect_but_can_read_and_use_threads(tmp_path):
    target, existing = tmp_path / "new.pth", tmp_path / "kept.txt"
    existing.write_text("kept")
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(target), str(existing)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert all(outcome[k] == 1 for k in ("write", "truncate", "delete", "spawn", "fork", "socket")), outcome  # EPERM
    assert outcome["read"] == "done" and outcome["thread"] == "done"
    assert not target.exists() and existing.read_text() == "kept"


def test_the_filter_program_is_well_formed_for_each_architecture():
    for arch in ("x86_64", "aarch64"):
        program = sandbox.filter_program(arch)
        assert all(len(op) == 8 for op in program) and len(program) < 4096


@linux
def test_the_probe_stops_a_write_file_attack_even_when_the_gate_is_skipped(tmp_path):
    target = tmp_path / "evil.pth"
    path = tmp_path / "attack.keras"
    path.write_bytes(files.keras_archive(files.write_file_attack(str(target))))
    with pytest.raises(Exception, match="could not be loaded"):
        probe(path)  # the second gate alone: the sandbox must hold
    assert not target.exists()
