"""One image from the user: an upload (PNG, JPEG, TIFF, DICOM) or a shipped sample, with window/level.

Shared by the Your data and Explain pages. The file's bytes stay in this session's state; a DICOM's
file name is never shown (it can carry the patient's name), only its technical summary.
"""

import hashlib

import streamlit as st

from core.errors import MedLensError
from pages.common import show_error
from pages.widgets import fresh_upload

UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "dcm", "dicom"]


def image_source_ui(prefix: str) -> tuple[bytes, str] | None:
    """The chosen file's bytes and a label safe to show; None until one is chosen."""
    from core.inputs.samples import SAMPLES

    state_key = f"{prefix}_chosen"
    st.caption("One-click examples (public test images shipped with pydicom and scikit-image):")
    columns = st.columns(len(SAMPLES.names))
    for column, entry in zip(columns, SAMPLES.entries(), strict=True):
        if column.button(entry.name, key=f"{prefix}_sample_{entry.name}", help=entry.description):
            try:
                st.session_state[state_key] = (entry.item(), f"sample {entry.name}")
            except MedLensError as error:
                show_error(error)
    upload = st.file_uploader(
        "Or upload an image: PNG, JPEG, TIFF (8 or 16 bit) or DICOM",
        type=UPLOAD_TYPES,
        key=f"{prefix}_upload",
        help="The file stays in this browser session only and is forgotten when you close it.",
    )
    if fresh_upload(upload, f"{prefix}_upload_id"):
        st.session_state[state_key] = (upload.getvalue(), "your upload")
    return st.session_state.get(state_key)


def decoded_or_error(data: bytes, prefix: str):
    """The decoded image, kept in this session's state only; None after an error box."""
    from core.inputs.images import read_image

    key, print_ = f"{prefix}_decoded", fingerprint(data)
    cached = st.session_state.get(key)
    if cached is not None and cached[0] == print_:
        return cached[1]
    try:
        decoded = read_image(data)
    except MedLensError as error:
        show_error(error)
        return None
    st.session_state[key] = (print_, decoded)
    return decoded


def window_ui(decoded, prefix: str):
    """Frame and window controls (for DICOM and 16-bit images); returns (frame, Window)."""
    from core.inputs.decoded import EIGHT_BIT, Window
    from core.inputs.dicom import WINDOW_PRESETS

    frame = 0
    if decoded.frame_count > 1:
        frame = st.slider("Frame", 0, decoded.frame_count - 1, 0, key=f"{prefix}_frame")
    if decoded.format != "dicom" and decoded.window == EIGHT_BIT:
        return frame, decoded.window  # plain 8-bit: nothing to window
    own = "from the file" if decoded.summary.get("window from file") else "full range"
    choice = st.selectbox(
        "Window",
        [own, *WINDOW_PRESETS.names, "custom"],
        key=f"{prefix}_preset",
        format_func=lambda n: WINDOW_PRESETS.entry(n).description if n in WINDOW_PRESETS else n,
        help="Which range of values is spread over black to white. CT presets are in Hounsfield units.",
    )
    if choice == "custom":
        low, high = float(decoded.frames.min()), float(decoded.frames.max())
        span = max(high - low, 1.0)
        left, right = st.columns(2)
        center = left.slider("Level (centre)", low, high, float(decoded.window.center), key=f"{prefix}_level")
        width = right.slider("Width", 1.0, 2 * span, float(min(decoded.window.width, 2 * span)), key=f"{prefix}_width")
        return frame, Window(center, width)
    return frame, WINDOW_PRESETS.get(choice) if choice in WINDOW_PRESETS else decoded.window


def summary_rows(decoded) -> list[dict]:
    """The allow-listed technical facts as table rows (never patient fields)."""
    return [{"attribute": key, "value": str(value)} for key, value in decoded.summary.items()]


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]
