"""Names and text that come from users and are shown to other users: one rule to create them, one escape to show them.

A name (dataset, class, model) is checked when it is made: printable, one line, NFC-normalised, short, and
free of the characters Markdown and HTML (Plotly labels included) give meaning to. Anything a user
controlled — names, file names, error text quoting them — goes through ``escape_markdown`` before a page
renders it as Markdown, so even a name stored before these rules shows as the letters it is.
"""

import re
import string
import unicodedata

from core.errors import InputError, MedLensError

# Characters that start Markdown or HTML constructs: links and images, emphasis, code, tables, headings, tags.
METACHARACTERS = frozenset("`*[]<>#|\\~!{}$&^")
_ESCAPED = {ord(c): "\\" + c for c in string.punctuation}
_SERVER_PATH = re.compile(r"(?<![:/\\\w.])(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\"]+)+[/\\]([^/\\\s'\"]+)")


def check_name(value: object, what: str, max_length: int = 64) -> str:
    """``value`` as a safe display name (NFC-normalised), or an ``InputError`` naming ``what`` and the problem."""
    if not isinstance(value, str):
        raise InputError(f"A {what} must be text.")
    name = unicodedata.normalize("NFC", value)
    shown = repr(name[:40]) + ("…" if len(name) > 40 else "")
    if not name or name != name.strip():
        raise InputError(f"The {what} {shown} is empty or starts or ends with a space; rename it.")
    if len(name) > max_length:
        raise InputError(f"The {what} {shown} has {len(name)} characters; the limit is {max_length}.")
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name):
        raise InputError(f"The {what} {shown} holds a control, line-break or invisible character; rename it.")
    bad = sorted(set(name) & METACHARACTERS)
    if bad:
        raise InputError(
            f"The {what} {shown} uses {' '.join(bad)}, which web pages read as formatting or links; rename it."
        )
    return name


def check_names(values, what: str, max_count: int, max_length: int = 64) -> tuple[str, ...]:
    """A list of names: each valid, at most ``max_count``, unique even ignoring case."""
    values = list(values)
    if len(values) > max_count:
        raise InputError(f"There are {len(values):,} {what}s; the limit is {max_count:,}.")
    names = tuple(check_name(value, what, max_length) for value in values)
    folded = [name.casefold() for name in names]
    if len(set(folded)) != len(folded):
        twin = next(name for name, key in zip(names, folded, strict=True) if folded.count(key) > 1)
        raise InputError(f"Two {what}s are both named {twin!r} (ignoring case); each needs its own name.")
    return names


def escape_markdown(text: object) -> str:
    """``text`` with every ASCII punctuation mark backslash-escaped: Markdown shows it literally, links and all."""
    return " ".join(str(text).translate(_ESCAPED).split())


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """An error as one line of plain text for a person: its message (or type), whitespace collapsed, cut."""
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, BaseException) and not isinstance(error, MedLensError):
        text = f"{type(error).__name__}: {hide_paths(text)}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hide_paths(text: str) -> str:
    """``text`` with every absolute file path cut to its last part: pages never show the server's folders."""
    return _SERVER_PATH.sub(r"\1", text)
