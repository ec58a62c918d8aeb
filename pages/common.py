"""Session context shared by every page: the current dataset, size and model.

The sidebar widgets own the truth (their keys live in ``st.session_state``); pages
read it through these helpers and call ``core``. Heavy imports stay inside functions
so the Home page is served before TensorFlow loads.
"""

from pathlib import Path

import streamlit as st

import core  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything imports TensorFlow)
from core.data.catalogue import CATALOGUE, DEFAULT_DATASET
from core.errors import MedLensError
from pages.compute_status import COMPUTE_HELP, compute_words
from pages.keys import DATASET_KEY, MODEL_KEY, SIZE_KEY, UPLOAD_SPACE_KEY

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def route_through_app() -> None:
    """Send a deep-linked page through app.py's router.

    On a fresh server, Streamlit treats the ``pages/`` folder as old-style pages until app.py
    has called ``st.navigation`` once, so a bookmarked URL such as ``/compress`` would run the
    page file alone: no session pickers, and helper modules listed as pages. In that case run
    app.py (which resolves the same URL to this page) and stop this outer run.
    """
    import runpy

    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        runpy.run_path(str(ASSETS.parent / "app.py"), run_name="__main__")
        st.stop()


def apply_model_link() -> None:
    """A link's ``?model=<id>`` makes that stored model (and its dataset and size) the session's context once;
    an unknown or malformed id is dropped silently (the link came from elsewhere)."""
    from core.models import store

    wanted = st.query_params.get("model")
    if wanted is None:
        return
    del st.query_params["model"]
    try:
        meta = store.read_meta(wanted)
    except MedLensError:
        return
    select_model(meta.id, meta.dataset, meta.size)


def _context_picker(label: str, key: str, options: list, **kwargs) -> None:
    """A sidebar selectbox bound to the plain session key ``key``.

    The context lives in plain keys, not widget keys, because Streamlit drops a widget's
    state on any run that does not draw it; the widget (key ``w_<key>``) is re-seeded
    from the context before it is drawn and writes back when the user changes it.
    """
    widget_key = f"w_{key}"
    st.session_state[widget_key] = st.session_state[key]

    def store() -> None:
        st.session_state[key] = st.session_state[widget_key]

    st.selectbox(label, options, key=widget_key, on_change=store, **kwargs)


def sidebar_context() -> None:
    """Dataset, size and model pickers, shown in the sidebar on every page."""
    from core.data import find_local
    from core.data.loader import choices, sizes, title
    from core.models import store

    st.session_state.setdefault(DATASET_KEY, DEFAULT_DATASET)
    st.session_state.setdefault(SIZE_KEY, 28)
    st.session_state.setdefault(MODEL_KEY, None)
    names = choices()
    if st.session_state[DATASET_KEY] not in names:  # an import deleted since
        st.session_state[DATASET_KEY] = DEFAULT_DATASET
    options = list(sizes(st.session_state[DATASET_KEY]))
    if st.session_state[SIZE_KEY] not in options:
        st.session_state[SIZE_KEY] = options[0]
    with st.sidebar:
        st.subheader("Session")
        _context_picker(
            "Dataset",
            DATASET_KEY,
            names,
            format_func=lambda n: (
                title(n) + ("" if n not in CATALOGUE or find_local(n, 28) else " (downloads on first use)")
            ),
            help="Every page works on this dataset: a MedMNIST subset (looked up in MEDLENS_DATA_DIR first) "
            "or one you imported on the Your data page.",
        )
        _context_picker("Image size", SIZE_KEY, options, format_func=lambda s: f"{s}x{s}")
        models = [m for m in store.list_models(current_dataset_name()) if m.size == current_size()]
        ids = [m.id for m in models]
        if st.session_state[MODEL_KEY] not in ids:
            st.session_state[MODEL_KEY] = ids[0] if ids else None
        labels = {m.id: f"{m.name} · acc {m.metrics.get('test_accuracy', float('nan')):.3f}" for m in models}
        _context_picker(
            "Model",
            MODEL_KEY,
            [None, *ids],
            format_func=lambda i: "none yet: train one" if i is None else labels[i],
            help="Models in the store trained on this dataset and size.",
        )
        chosen = next((m for m in models if m.id == st.session_state[MODEL_KEY]), None)
        if chosen is not None:  # the whole name, and what tells two alike models apart
            st.caption(
                f"{plain(chosen.name)}  \nid {plain(chosen.id)} · stored {chosen.created[:16].replace('T', ' ')}"
            )
        st.caption(f":material/memory: {compute_words()}", help=COMPUTE_HELP)


def plain(text: object) -> str:
    """The one way a user-controlled string (a name, a file name, an error quoting one) enters Markdown:
    every punctuation mark escaped, so it shows as the letters it is, never as a link, image or format."""
    from core.text import escape_markdown

    return escape_markdown(text)


def show_error(error: object) -> None:
    """An error box with one plain sentence: no server path, no Markdown from quoted names."""
    from core.text import hide_paths, one_line

    st.error(plain(hide_paths(one_line(error))))


def current_dataset_name() -> str:
    return st.session_state.get(DATASET_KEY, DEFAULT_DATASET)


def current_size() -> int:
    return int(st.session_state.get(SIZE_KEY, 28))


def current_model_id() -> str | None:
    """The session's model, or None when there is none or it left the store (deleted elsewhere)."""
    from core.errors import ModelError
    from core.models import store

    model_id = st.session_state.get(MODEL_KEY)
    if model_id is None:
        return None
    try:
        store.read_meta(model_id)
    except ModelError:
        st.session_state[MODEL_KEY] = None
        return None
    return model_id


def model_id_or_prompt() -> str | None:
    """The session's model, or None after telling the user to pick or train one."""
    model_id = current_model_id()
    if model_id is None:
        st.info("Pick a model in the sidebar, or train one first.")
        st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    return model_id


def select_model(model_id: str, dataset: str | None = None, size: int | None = None) -> None:
    """Make ``model_id`` (and, when given, its dataset and size) the session's context."""
    if dataset is not None:
        st.session_state[DATASET_KEY] = dataset
    if size is not None:
        st.session_state[SIZE_KEY] = size
    st.session_state[MODEL_KEY] = model_id


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_dataset(name: str, size: int, _stamp: float):
    from core.data import load

    return load(name, size)


def dataset_or_stop():
    """The session's dataset; on failure an error box explains why and the page stops.

    A missing file is downloaded first with a visible progress bar, outside the cache, so
    the cached loader then finds it locally.
    """
    from core.data import find_local, load
    from core.data.loader import title as dataset_title

    name, size = current_dataset_name(), current_size()
    title = f"{dataset_title(name)} {size}x{size}"
    try:
        local = find_local(name, size)
        if local is None:
            bar = st.progress(0.0, text=f"Downloading {title} from the official MedMNIST record…")

            def show(done: int, total: int | None) -> None:
                if total:
                    bar.progress(
                        min(done / total, 1.0), text=f"Downloading {title}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
                    )

            load(name, size, progress=show)
            bar.empty()
            local = find_local(name, size)
        with st.spinner(f"Loading {title}…"):
            dataset = _load_dataset(name, size, local.stat().st_mtime if local else 0.0)
    except MedLensError as error:
        show_error(error)
        st.stop()
    for warning in dataset.warnings:  # one fixed place on every page: under the session pickers
        st.sidebar.caption(f":material/info: {warning}")
    return dataset


@st.cache_resource(max_entries=8, show_spinner=False)
def load_model(model_id: str, _created: str):
    """The stored model: Keras, or a compressed TFLite entry behind the same predicting interface."""
    from core.models import store

    return store.open_model(model_id)


@st.cache_resource(max_entries=8, show_spinner=False)
def stored_predictor(model_id: str, created: str):
    """A Predictor for a stored model, built once per model version (its cache key hashes the weights)."""
    from core.explain.predictor import Predictor

    return Predictor(load_model(model_id, created), name=model_id)


@st.cache_data(max_entries=16, show_spinner="Fitting the operating point on validation…")
def model_decision(model_id: str, created: str) -> dict:
    """The decision settings (temperature, thresholds) a stored model carries, or, for a model stored before
    they were kept, fitted on its validation split now."""
    from core.data import load
    from core.models import store
    from core.models.clinical_report import decision_settings

    meta = store.read_meta(model_id)
    if meta.metrics.get("decision"):
        return meta.metrics["decision"]
    dataset = load(meta.dataset, meta.size)
    return decision_settings(
        stored_predictor(model_id, created).on_images(dataset.images("val")), dataset.labels("val")
    )


def model_or_none(model_id: str | None):
    """The stored model, or None with an error box when it cannot be loaded."""
    from core.models import store

    if model_id is None:
        return None
    try:
        return load_model(model_id, store.read_meta(model_id).created)
    except MedLensError as error:
        show_error(error)
        return None


def session_space():
    """This browser session's private upload folder (removed when the session ends)."""
    from core.inputs.session_space import UploadSpace

    if UPLOAD_SPACE_KEY not in st.session_state or st.session_state[UPLOAD_SPACE_KEY].closed:
        st.session_state[UPLOAD_SPACE_KEY] = UploadSpace()
    return st.session_state[UPLOAD_SPACE_KEY]


@st.cache_resource(show_spinner=False)
def sweep_stale_uploads() -> int:
    """Once per server: remove session folders and half-saved store entries that a killed server left behind."""
    from core.inputs.session_space import sweep_stale
    from core.storage import sweep_stores

    return sweep_stale() + sweep_stores()


def session_scope() -> str:
    """The key that keeps this session's uploads apart in shared caches."""
    return session_space().id
