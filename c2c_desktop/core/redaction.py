"""Masking of the access keys in text, URLs and log records: pure and light, so anything may import it.

The HTTP client (api.py), the journal export and the stand-in service all redact through here; importing this
module does not load the HTTP libraries.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

__all__ = [
    "SecretRedactingFilter",
    "decoded_forms",
    "install_log_redaction",
    "redact_text",
    "redact_url",
    "register_secret",
]

_KEY_PARAM_NAMES: Final = frozenset({"access_key", "secret_access_key", "key"})
# key=value / "key": "value" pairs, in URLs, logs, JSON or echoed bodies.
_KEY_VALUE = re.compile(
    r"((?<![A-Za-z0-9])(?:secret_access_key|access_key)[\"']?\s*[=:]\s*[\"']?)[^&\s\"'<>;,]+", re.IGNORECASE
)


_known_secrets: set[str] = set()  # secrets in use in this process: log records are searched for them literally
_known_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Tell the log filter about a secret in use, so it is masked even where no `key=` pattern precedes it
    (e.g. a value holding `&` or `;`, or an escaped echo: see `redact_text`)."""
    if secret:
        with _known_secrets_lock:
            _known_secrets.add(secret)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every `access_key=...` / `secret_access_key=...` value and every literal occurrence of `secrets`.

    Literal secrets are also masked in their URL-encoded forms, since a server or a log may echo the query.
    """
    secrets = tuple(secret for secret in secrets if secret)
    variants = sorted(
        {form for secret in secrets for form in (secret, quote(secret, safe=""), quote_plus(secret, safe=""))},
        key=len,
        reverse=True,
    )

    def mask(masked: str) -> str:
        for variant in variants:
            masked = masked.replace(variant, "***")
        return masked

    text = mask(text)
    # An echo may escape the secret otherwise: URL-encoding characters quote() leaves alone (%2D), JSON's "\/" (PHP's
    # json_encode default) or "\u002b", HTML entities ("&#x2F;"). Where a decoding reveals one, show the decoded text
    # masked; again until no decoding reveals any (two echoes may be escaped two ways). Bounded: each round masks one.
    for _ in range(8):
        revealing = next((form for form in decoded_forms(text) if any(secret in form for secret in secrets)), None)
        if revealing is None:
            break
        text = mask(revealing)
    return _KEY_VALUE.sub(r"\1***", text)


def decoded_forms(text: str) -> list[str]:
    """`text` read through each escaping a service or log may apply (HTML entities, JSON escapes, URL-encoding),
    one after another; the forms that differ from `text`."""
    forms: list[str] = []
    # Every decoder on every form found so far, not one chain: one decoder may spoil what another reveals (HTML's
    # "&gt" without ";" is ">", so a JSON-escaped secret containing "&gt" is only seen by the JSON decoder alone).
    frontier = [text]
    for _ in range(3):  # escapings may nest (a URL-encoded JSON string)
        found: list[str] = []
        for current in frontier:
            for decode in _DECODERS:
                decoded = decode(current)
                if decoded != text and decoded not in forms:
                    forms.append(decoded)
                    found.append(decoded)
        frontier = found
    return forms


_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
_JSON_SIMPLE_ESCAPES: Final = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    return _JSON_ESCAPE.sub(
        lambda match: chr(int(match.group(1), 16)) if match.group(1) else _JSON_SIMPLE_ESCAPES[match.group(2)], text
    )


# Tried in turn, each on the result of the one before: the secret is looked for after every step.
def _html_unescape(text: str) -> str:
    # html (with its table of entities, ~1 ms) is loaded on the first secret looked for, not with the window's
    # launch, which installs the log filter before its first paint.
    import html

    return html.unescape(text)


_DECODERS: Final = (_html_unescape, _json_unescape, unquote, unquote_plus)


def redact_url(url: str) -> str:
    """Return `url` with the key parameters' values and any user-info password masked; the rest is kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "&".join(_redact_query_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def _redact_query_pair(pair: str) -> str:
    name, sep, _value = pair.partition("=")
    if unquote_plus(name).strip().lower() in _KEY_PARAM_NAMES:
        return f"{name}{sep or '='}***"
    return pair


class SecretRedactingFilter(logging.Filter):
    """A logging filter that masks key parameters in the message, the formatted exception and the stack text.

    urllib3's DEBUG log prints the request line with its query string; this filter makes that line safe.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's business, not ours
            return True
        with _known_secrets_lock:
            known = tuple(_known_secrets)
        redacted = redact_text(message, known)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, known)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, known)
        return True


_REDACTED_LOGGERS: Final = (
    "",
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
    "c2c_desktop",
    "c2c_desktop.core.api",
    "c2c_desktop.core.simulator",
)
_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Attach a `SecretRedactingFilter` to the HTTP libraries' loggers, the root logger and its handlers.

    Idempotent. A logger's filters only see records created on that very logger, so each emitting logger gets one;
    the root handlers get one too for records from anywhere else.
    """
    with _install_lock:
        targets: list[logging.Filterer] = [logging.getLogger(name) for name in _REDACTED_LOGGERS]
        targets.extend(logging.getLogger().handlers)
        for target in targets:
            if not any(isinstance(existing, SecretRedactingFilter) for existing in target.filters):
                target.addFilter(SecretRedactingFilter())
