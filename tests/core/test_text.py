"""clean_text (stored text) and terminal_safe (printed text): controls and bidi formatting characters."""

from __future__ import annotations

import json

from c2c_desktop.core.text import clean_text, json_terminal_safe, terminal_safe

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
CONTROLS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]))


def test_clean_text_removes_controls_and_bidi_formatting_and_keeps_rtl_letters_tabs_and_line_breaks() -> None:
    assert clean_text(f"A{CONTROLS}d{BIDI}a") == "Ada"
    assert clean_text("line\tone\r\nline two") == "line\tone\r\nline two"
    hebrew_arabic = "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"
    assert clean_text(hebrew_arabic) == hebrew_arabic
    plain = "Ada Okafor"
    assert clean_text(plain) is plain  # nothing copied for the usual text


def test_terminal_safe_shows_every_control_and_bidi_character_as_an_escape() -> None:
    assert terminal_safe("Evil\x1b[2J\u202eCo\x9b\n") == "Evil\\x1b[2J\\u202eCo\\x9b\\x0a"
    assert terminal_safe("Zoë Ñandú \u05e9") == "Zoë Ñandú \u05e9"
    escaped = terminal_safe(CONTROLS + BIDI)
    assert escaped.isascii() and escaped.isprintable()


def test_json_terminal_safe_keeps_the_same_json_value() -> None:
    value = [{"name": f"Eve{BIDI}\x7f\x9b\x1b", "company": "Zoë"}]
    text = json_terminal_safe(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(char in text for char in BIDI + "\x7f\x9b\x1b") and "Zoë" in text
