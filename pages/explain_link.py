"""The Explain page's links: ``?image=test-<i>`` (a teacher's shared link, or a flipped case from the Compress
page with ``&compare=<file>``) keeps that test image chosen until the person goes back to browsing. A helper
module, not a page."""

import streamlit as st

LINK_KEY = "exp_linked_index"
LINK_FROM_COMPRESS_KEY = "exp_linked_from_compress"  # the link named a compressed file to compare with


def take_link() -> None:
    """``?image=test-<i>&compare=<file>``, a flipped case linked from the Compress page: the image stays chosen
    until the person goes back to browsing, and the two-model panel opens on that compressed file."""
    import re

    from pages.explain_two import PENDING_KEY

    image, compare = st.query_params.get("image"), st.query_params.get("compare")
    for key in ("image", "compare"):
        if key in st.query_params:
            del st.query_params[key]
    match = re.fullmatch(r"test-(\d{1,7})", image or "")
    if match:
        st.session_state[LINK_KEY] = int(match[1])
        st.session_state[PENDING_KEY] = compare
        st.session_state[LINK_FROM_COMPRESS_KEY] = bool(compare)


def linked_image(dataset):
    """(image, caption, true label) of the linked test image, or None when there is no (valid) link."""
    index = st.session_state.get(LINK_KEY)
    if index is None or not 0 <= index < len(dataset.labels("test")):
        st.session_state.pop(LINK_KEY, None)
        return None
    left, right = st.columns([3, 1])
    if st.session_state.get(LINK_FROM_COMPRESS_KEY):
        left.info(f"Opened from the Compress page: test image #{index}, whose call the compressed model changed.")
    else:  # a link shared by a teacher: everyone in the class opens the same image
        left.info(f"Opened from a link: test image #{index}.")
    if right.button("Back to browsing", key="exp_unlink"):
        st.session_state.pop(LINK_KEY, None)
        st.session_state.pop(LINK_FROM_COMPRESS_KEY, None)
        st.rerun()
    label = dataset.class_names[int(dataset.labels("test")[index])]
    return dataset.images("test")[index], f"test #{index}", label
