"""Teaching aids every page shares: the plain-words notes, glossary links and presenter mode."""

import streamlit as st

from pages.common import ASSETS


def teaching_note(name: str) -> str:
    """A plain-words text from ``assets/notes/<name>.md``."""
    return (ASSETS / "notes" / f"{name}.md").read_text(encoding="utf-8")


PRESENTER_CSS = """<style>
.stMainBlockContainer p, .stMainBlockContainer li, .stMainBlockContainer label { font-size: 1.35rem !important; }
.stMainBlockContainer h1 { font-size: 3rem !important; } .stMainBlockContainer h2, h3 { font-size: 2.1rem !important; }
</style>"""


def presenting() -> bool:
    """Whether the session turned presenter mode on (the Lesson page's toggle)."""
    return bool(st.session_state.get("presenter"))


def presenter_style() -> None:
    """Larger text on every page while presenter mode is on (a fixed style sheet, no user text in it)."""
    if presenting():
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)


def plain_words(note: str, label: str) -> None:
    """A page's plain-words note at its top: collapsed for an engineer, open in presenter mode."""
    with st.expander(label, expanded=presenting(), icon=":material/school:"):
        st.markdown(teaching_note(note))
        st.caption("A word you do not know? The [glossary](/lesson#glossary) explains every term the pages use.")


def term(word: str, shown: str | None = None) -> str:
    """Markdown for a glossary word, linked to its entry on the Lesson page."""
    from core.lesson import glossary_anchor

    return f"[{shown or word}](/lesson#{glossary_anchor(word)})"
