"""Text from outside (contact files, typed fields) made safe to store, and any text made safe to print on a terminal.

Two kinds of characters are never wanted in a name, a company or a note:
- C0 and C1 control characters (ESC starts terminal escape sequences: a lead file could recolour, clear or retitle
  the agent's terminal when `contacts list` prints it);
- bidirectional formatting characters (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, and the
  marks U+200E, U+200F, U+061C), which make a name look like another one ("evil" shown reversed).
Ordinary right-to-left text (Arabic, Hebrew letters) carries its direction itself and is kept.

`clean_text` removes them (on import and when a contact is saved); `terminal_safe` shows them as visible escapes
(`\\x1b`, `\\u202e`) in whatever the CLI prints, for text that did not come through `clean_text` (older data, file
names, error texts).
"""

from __future__ import annotations

import re

_BIDI_FORMATTING = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: C0 except tab, line feed and carriage return, DEL, C1, bidi formatting: what `clean_text` removes.
_UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_FORMATTING}]")
#: The same plus tab, line feed and carriage return: in one line of terminal output they are shown escaped too.
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_FORMATTING}]")
#: What json.dumps leaves unescaped of those (it escapes C0 in strings; its own line breaks are layout).
_UNPRINTABLE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI_FORMATTING}]")


def clean_text(text: str) -> str:
    """`text` without control characters (tab, line feed and carriage return stay) and bidi formatting characters.

    Cheap for the usual text: a printable ASCII line is returned at once; otherwise one regex search (a scan in C,
    ~5 ms per MB) decides whether anything needs removing, and the text is copied only when something does.
    """
    if (text.isascii() and text.isprintable()) or _UNWANTED.search(text) is None:
        return text
    return _UNWANTED.sub("", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """`text` for one line of terminal output: controls (newlines and tabs included) and bidi formatting characters
    shown as visible escapes (`\\x1b`, `\\n`-like `\\x0a`, `\\u202e`); everything else unchanged."""
    if text.isascii() and text.isprintable():
        return text
    return _UNPRINTABLE.sub(_escape, text)


def json_terminal_safe(json_text: str) -> str:
    """JSON text (from json.dumps) with DEL, C1 controls and bidi formatting characters written as \\uXXXX escapes:
    the same JSON value, safe on a terminal (json.dumps already escapes C0 controls)."""
    if json_text.isascii() and "\x7f" not in json_text:
        return json_text
    return _UNPRINTABLE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)
