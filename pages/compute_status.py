"""Where this server computes, for the pages: the sidebar's device line, the place-in-line notice of the shared
pool, and whether sweeps run in this process. A helper module, not a page."""

import contextlib
from collections.abc import Iterator

import streamlit as st

from core.errors import MedLensError


@contextlib.contextmanager
def queue_notice() -> Iterator[None]:
    """While a page's prediction or explanation waits for the shared server, the sidebar says its place in line."""
    from core.compute.pool import waiting_notice

    slot = st.sidebar.empty()

    def show(place: int) -> None:
        if place <= 0:
            slot.empty()
        elif place == 1:
            slot.info(":material/hourglass_top: The server is busy: your request is next in line.")
        else:
            slot.info(f":material/hourglass_top: The server is busy: your request is number {place} in line.")

    with waiting_notice(show):
        yield
    slot.empty()


COMPUTE_HELP = (
    "Where this server computes. Sweeps (compression search, label-efficiency curves) run in this process "
    "or, when the server was started with MEDLENS_EXECUTOR=ray, as Ray tasks on several workers."
)


@st.cache_resource(show_spinner=False)
def compute_words() -> str:
    """The device TensorFlow uses here and where sweeps run, once per server (GPU memory set to grow first)."""
    from core.compute.config import from_env
    from core.compute.device import configure_process, current
    from core.text import one_line

    configure_process()
    try:
        config = from_env()
    except MedLensError as error:
        return f"{current().words} · sweeps: local ({one_line(error)})"
    if config.executor == "ray":  # start or join the cluster now, while the server is quiet, not under a class
        from core.compute.cluster import connect

        try:
            connect(config)
        except MedLensError as error:
            return f"{current().words} · sweeps: Ray unavailable ({one_line(error)})"
    workers = "every core" if config.workers is None else f"{config.workers} workers"
    sweeps = "local" if config.executor == "local" else ("Ray cluster" if config.address else f"Ray, {workers}")
    return f"{current().words} · sweeps: {sweeps}"
