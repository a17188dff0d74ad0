"""ClickToCallClient: builds the click-to-call request, makes exactly one attempt and classifies the outcome.

Threading: `ClickToCallClient.place_call` blocks until the first leg resolves or a deadline passes; call it off
the GUI thread. One client serves one thread at a time; `abort()` and `close()` may be called from any thread.

The rules carried here (RELIABILITY.md): one attempt with no retry policy and no redirects; TLS verification
always on; a (connect, read) timeout on every request plus a hard total deadline; a capped body; success only on
an exact body; and the secret never in a message, excerpt or log line.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Final
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry
from urllib3.util.ssl_match_hostname import CertificateError as Urllib3CertificateError

from c2c_desktop import __version__
from c2c_desktop.core.models import CallRequest, CallResult, Credentials, Outcome
from c2c_desktop.core.netutil import shutdown_quietly
from c2c_desktop.core.redaction import (
    SecretRedactingFilter,
    decoded_forms,
    install_log_redaction,
    redact_text,
    redact_url,
    register_secret,
)
from c2c_desktop.core.service import (
    DEFAULT_API_URL,
    PAGE_MAX_CHARS,
    REF_MAX_CHARS,
    is_loopback_host,
    validate_api_url,
)

# The redaction and URL helpers live in light modules (redaction.py, service.py); re-exported for existing callers.
__all__ = [
    "DEFAULT_API_URL",
    "ClickToCallClient",
    "SecretRedactingFilter",
    "classify_response",
    "install_log_redaction",
    "is_loopback_host",
    "redact_text",
    "redact_url",
    "validate_api_url",
    "validate_request",
]

log = logging.getLogger(__name__)

ACTION: Final = "clickto.call"
NUMBER_MIN_DIGITS: Final = 3
NUMBER_MAX_DIGITS: Final = 20
EXCERPT_MAX_CHARS: Final = 80
BODY_CONNECTED: Final = "Call Connected"
BODY_NO_ANSWER: Final = "No Answer"

NOT_RETRIED: Final = "The call may still be ringing; it was not retried."
# abort()'s reasons, worded apart from the deadline's so the two are never confused.
_CANCELLED_WAIT: Final = "the app cancelled the wait"
_CANCELLED_BEFORE_SENDING: Final = "the app cancelled the call before it was sent"

_REQUEST_HEADERS: Final = {
    "User-Agent": f"c2c-desktop/{__version__}",
    "Accept": "text/plain, */*;q=0.1",
    # Compressed bodies would make the byte cap count compressed bytes; the answer is a few bytes anyway.
    "Accept-Encoding": "identity",
    # A fresh connection per call: a stale pooled connection could fail after sending and blur NOT_SENT/UNKNOWN.
    "Connection": "close",
}
_ASCII_DIGITS = re.compile(r"[0-9]+")
_ASCII_WHITESPACE: Final = " \t\r\n\f\v"
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HTML_MARKUP = re.compile(r"<\s*(?:!doctype|html|head|body|title|div|p|h1|h2|br|span|table|script)\b", re.IGNORECASE)
_XML_FAILURE = re.compile(r"<result>\s*failed\s*</result>", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------------------------
# Validation


def _check_number(label: str, value: object, *, required: bool) -> str | None:
    if value is None or value == "":
        return f"{label} is missing" if required else None
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return f"{label} must contain digits only"
    if len(value) < NUMBER_MIN_DIGITS:
        return f"{label} {value} is too short (at least {NUMBER_MIN_DIGITS} digits)"
    if len(value) > NUMBER_MAX_DIGITS:
        return f"{label} is too long (at most {NUMBER_MAX_DIGITS} digits)"
    return None


def _check_text(label: str, value: object, max_chars: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{label} must be text"
    if len(value) > max_chars:
        return f"{label} is longer than {max_chars} characters"
    if not _encodable(value):
        return f"{label} contains characters that cannot be sent"
    return None


def _check_key(label: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"the {label} is missing"
    if not _encodable(value):
        return f"the {label} contains characters that cannot be sent"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def validate_request(request: CallRequest, credentials: Credentials | None, *, api_url: str | None = None) -> list[str]:
    """Return one short, lower-case problem per bad field (empty when the request may be sent).

    Numbers must already be unformatted (phone.py): here only 3–20 ASCII digits are checked. When `api_url` is
    given its scheme is checked too. Never raises, whatever the fields hold.
    """
    try:
        return _validate(request, credentials, api_url)
    except Exception:  # e.g. not a CallRequest at all
        return ["the call request is malformed"]


def _validate(request: CallRequest, credentials: Credentials | None, api_url: str | None) -> list[str]:
    problems: list[str] = []
    call_type: object = request.call_type
    if isinstance(call_type, bool) or not isinstance(call_type, int) or call_type not in (1, 2):
        problems.append("the call type must be 1 or 2")
    checks = (
        _check_number("the agent number", request.agent_number, required=True),
        _check_number("the number to call", request.phone_to_call, required=True),
        _check_number("the first caller ID", request.first_callerid, required=False),
        _check_number("the second caller ID", request.second_callerid, required=False),
        _check_text("the page", request.page, PAGE_MAX_CHARS),
        _check_text("the ref", request.ref, REF_MAX_CHARS),
    )
    problems.extend(problem for problem in checks if problem)
    if credentials is None:
        problems.append("the access keys are not set")
    else:
        for label, value in (
            ("access key", credentials.access_key),
            ("secret access key", credentials.secret_access_key),
        ):
            problem = _check_key(label, value)
            if problem:
                problems.append(problem)
    if api_url is not None:
        problem = validate_api_url(api_url)
        if problem:
            problems.append(problem)
    return problems


def _query_params(request: CallRequest, credentials: Credentials) -> list[tuple[str, str]]:
    # Keys are stripped: a pasted key with a trailing newline is a paste slip, never part of the key.
    params = [
        ("action", ACTION),
        ("access_key", credentials.access_key.strip()),
        ("secret_access_key", credentials.secret_access_key.strip()),
        ("type", str(int(request.call_type))),
        ("id", request.agent_number),
        ("phone_to_call", request.phone_to_call),
    ]
    optional = (
        ("page", request.page),
        ("ref", request.ref),
        ("first_callerid", request.first_callerid),
        ("second_callerid", request.second_callerid),
    )
    params.extend((name, value) for name, value in optional if value)
    return params


# --------------------------------------------------------------------------------------------------------------------
# Classification of an answer (pure)


def classify_response(
    status: int, body: bytes, content_type: str | None = None, *, secrets: Iterable[str] = ()
) -> CallResult:
    """Classify one complete HTTP answer. Pure and total: never raises, whatever `status` and `body` hold.

    Success is an exact, case-sensitive match of the body after stripping ASCII whitespace and a UTF-8 BOM:
    `Call Connected` or `No Answer` with status 200. An HTML page that merely contains those words is not success.
    `secrets` are masked in the excerpt (a server could echo the query). `content_type` is informational only:
    PHP services commonly label plain text as text/html, so the body decides.
    """
    try:
        return _classify(status, body, content_type, tuple(secrets))
    except Exception:  # defensive: classification must never take the worker down
        return CallResult(Outcome.UNKNOWN, _unknown("the service's answer could not be read"), http_status=None)


def _classify(status: int, body: bytes, content_type: str | None, secrets: tuple[str, ...]) -> CallResult:
    excerpt = _excerpt(body, secrets)
    if 300 <= status < 400:
        # Not followed, and not a refusal either: the service may have dialled before it redirected.
        reason = f"the service answered with a redirect (HTTP {status}), which is not followed; check the service URL"
        return CallResult(Outcome.UNKNOWN, _unknown(reason), excerpt, status)
    if status in (401, 403):
        return CallResult(Outcome.REJECTED, _keys_refused(status), excerpt, status)
    if status == 400:
        message = "Rejected: the service called the request invalid (HTTP 400); check the numbers and settings."
        return CallResult(Outcome.REJECTED, message, excerpt, status)
    if status == 404:
        message = "Rejected: the service URL was not found (HTTP 404); check the service URL in the settings."
        return CallResult(Outcome.REJECTED, message, excerpt, status)
    if status == 429:
        message = "Rejected: the service asked to slow down (HTTP 429); wait a moment before the next call."
        return CallResult(Outcome.REJECTED, message, excerpt, status)

    if 500 <= status < 600:
        # A server error says nothing about whether the carrier was asked to dial, whatever its body says.
        return CallResult(
            Outcome.UNKNOWN, _unknown(f"the service reported a server error (HTTP {status})"), excerpt, status
        )
    if status != 200:
        return CallResult(Outcome.UNKNOWN, _unknown(f"the service answered with HTTP {status}"), excerpt, status)

    kind = _body_kind(body)
    if kind == "connected":
        message = "Connected — the first leg answered; the service is calling the other."
        return CallResult(Outcome.CONNECTED, message, http_status=status)
    if kind == "no_answer":
        return CallResult(Outcome.NO_ANSWER, "No answer on the first leg.", http_status=status)
    if kind == "xml_failure":
        # The documented failure form: the service answered that it did not place the call.
        message = f"Rejected: the service reported a failure (HTTP {status})."
        return CallResult(Outcome.REJECTED, message, excerpt, status)
    reasons = {
        "empty": "the service answered with an empty reply",
        "binary": "the service answered with unreadable data",
        "html": "the service answered with a web page, not a call result",
    }
    # Free text (even "Invalid …") is undocumented: it may have been written after dialling, so never "safe to redial".
    reason = reasons.get(kind, "the service answered with an unexpected text")
    return CallResult(Outcome.UNKNOWN, _unknown(f"{reason} (HTTP {status})"), excerpt, status)


def _body_kind(body: bytes) -> str:
    """Sort a body into empty / binary / connected / no_answer / html / xml_failure / text."""
    if body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM) :]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    if _BINARY_CHARS.search(text):
        return "binary"
    stripped = text.strip(_ASCII_WHITESPACE)
    if not stripped:
        return "empty"
    if stripped == BODY_CONNECTED:
        return "connected"
    if stripped == BODY_NO_ANSWER:
        return "no_answer"
    if _HTML_MARKUP.search(stripped):
        return "html"  # checked first: a failure tag inside a web page is not the service's answer
    if _XML_FAILURE.search(stripped):
        return "xml_failure"
    return "text"


def _excerpt(body: bytes, secrets: tuple[str, ...], *, partial: bool = False) -> str | None:
    """A short, printable, redacted bit of the body for the agent (None when there is no body).

    The whole (capped) body is redacted before it is cut, so a cut never splits a secret; a body that was itself
    cut short (`partial`) may end in the start of a secret, which is masked too, and is labelled as partial.
    """
    if body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM) :]
    if not body.strip(_ASCII_WHITESPACE.encode()):
        return None
    text = body.decode("utf-8", errors="replace")
    if partial:
        text = text.rstrip("\ufffd")  # a multi-byte character split by the cut
    if _BINARY_CHARS.search(text) or "\ufffd" in text:
        return f"({len(body)} bytes of binary data)"
    printable = "".join(char if char.isprintable() else " " for char in text)
    collapsed = " ".join(printable.split())
    redacted = _mask_trailing_partial_secret(redact_text(collapsed, secrets), secrets)
    if len(redacted) > EXCERPT_MAX_CHARS:
        redacted = _mask_trailing_partial_secret(redacted[: EXCERPT_MAX_CHARS - 1], secrets) + "…"
    return f"partial answer: {redacted}" if partial else redacted


_PARTIAL_SECRET_MIN_CHARS: Final = 6


def _mask_trailing_partial_secret(text: str, secrets: tuple[str, ...]) -> str:
    """Mask the end of `text` when it is the first 6 or more characters of a secret (or of its URL-encoded form), also
    when escaped (then the decoded text is shown, as `redact_text` does)."""
    variants = sorted(
        {variant for secret in secrets if secret for variant in (secret, quote(secret, safe=""))}, key=len, reverse=True
    )
    for form in (text, *decoded_forms(text)):
        for variant in variants:
            for length in range(len(variant) - 1, _PARTIAL_SECRET_MIN_CHARS - 1, -1):
                if form.endswith(variant[:length]):
                    return form[:-length] + "***"
    return text


def _unknown(reason: str) -> str:
    return f"Unknown — {reason}. {NOT_RETRIED}"


def _keys_refused(status: int) -> str:
    return f"Rejected: the service refused the keys (HTTP {status}); check the access key and secret."


def _not_sent(reason: str) -> str:
    return f"Not sent: {reason}."


# --------------------------------------------------------------------------------------------------------------------
# One attempt: connection tracking and the hard deadline

_current = threading.local()


class _Attempt:
    """One call's bookkeeping: whether a connection was made (so the request may have left) and the cut-off.

    The cut-off shuts the connection's socket down, which unblocks any read, including the header phase where
    requests' per-read timeout would let a slow drip live for ever. A timer fires it at the deadline; `abort()`
    fires it at once. Either way a connection that becomes ready afterwards is closed before anything is sent.
    """

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s
        self.deadline_at = math.inf
        self.may_have_left = False
        self.connects_started = 0
        self.connected = False
        self.started_at = time.monotonic()
        self._deadline_fired = False
        self._aborted = False
        self._finished = False
        self._sockets: list[socket.socket] = []
        self._duplicates: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(deadline_s, self._on_deadline)
        self._timer.daemon = True

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.deadline_at = self.started_at + self.deadline_s
        self._timer.start()

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    @property
    def deadline_passed(self) -> bool:
        with self._lock:
            return self._deadline_fired or time.monotonic() >= self.deadline_at

    @property
    def aborted(self) -> bool:
        """True once `abort()` cut this attempt (before the deadline did)."""
        with self._lock:
            return self._aborted

    def on_connect_started(self) -> bool:
        """Count a connect; False when the attempt was already cut (the caller must not connect)."""
        with self._lock:
            self.connects_started += 1
            return not (self._deadline_fired or self._aborted)

    def on_socket_opened(self, sock: socket.socket) -> bool:
        """Watch a socket as soon as its TCP connection is up, so that a cut also stops a proxy tunnel or a TLS
        handshake in progress on it (nothing is sent before those finish). False when already cut.

        TLS wrapping detaches `sock` before its handshake, so a duplicate of it is kept: shutting the duplicate down
        shuts the one connection down. `finish()` closes the duplicates.
        """
        with self._lock:
            if self._deadline_fired or self._aborted:
                return False
            self._duplicates.append(sock.dup())
            return True

    def on_connected(self, sock: socket.socket | None) -> bool:
        """Register a connected socket; False when the attempt was already cut (the caller must not send)."""
        with self._lock:
            if self._deadline_fired or self._aborted:
                return False
            self.connected = True
            if sock is not None:
                self._sockets.append(sock)
            return True

    def abort(self) -> None:
        """Any thread: cut the attempt now, as the deadline would. The first cut wins; a finished attempt is left."""
        self._cut(by_abort=True)

    def _on_deadline(self) -> None:
        self._cut(by_abort=False)

    def _cut(self, *, by_abort: bool) -> None:
        with self._lock:
            if self._finished or self._deadline_fired or self._aborted:
                return
            if by_abort:
                self._aborted = True
            else:
                self._deadline_fired = True
            for sock in (*self._sockets, *self._duplicates):
                shutdown_quietly(sock)

    def finish(self) -> None:
        with self._lock:
            self._finished = True
            duplicates, self._duplicates = self._duplicates, []
        self._timer.cancel()
        for duplicate in duplicates:
            duplicate.close()


def _tracked_connect(connection: HTTPConnection, connect: Any) -> None:
    attempt: _Attempt | None = getattr(_current, "attempt", None)
    if attempt is not None and not attempt.on_connect_started():
        raise ConnectTimeoutError("the attempt was cut off before connecting")
    connect()
    if attempt is not None and not attempt.on_connected(connection.sock):
        connection.close()
        raise ConnectTimeoutError("the attempt was cut off before the connection was ready")


def _tracked_new_conn(new_conn: Any) -> socket.socket:
    sock: socket.socket = new_conn()
    attempt: _Attempt | None = getattr(_current, "attempt", None)
    try:
        watched = attempt is None or attempt.on_socket_opened(sock)
    except OSError:  # no descriptor left for the duplicate: nothing was sent, and the socket must not leak
        sock.close()
        raise
    if not watched:
        sock.close()
        raise ConnectTimeoutError("the attempt was cut off before the connection was ready")
    return sock


class _TrackedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _tracked_new_conn(super()._new_conn)

    def connect(self) -> None:
        _tracked_connect(self, super().connect)


class _TrackedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _tracked_new_conn(super()._new_conn)

    def connect(self) -> None:
        _tracked_connect(self, super().connect)


class _TrackedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


_TRACKED_POOLS: Final[dict[str, type[HTTPConnectionPool]]] = {
    "http": _TrackedHTTPConnectionPool,
    "https": _TrackedHTTPSConnectionPool,
}


class _OneAttemptAdapter(HTTPAdapter):
    """An HTTPAdapter with no retry policy at all, whose connections report to the current `_Attempt`."""

    def __init__(self) -> None:
        #: False when urllib3's pool manager had no pool classes to replace (see `http_stack_problem`).
        self.tracks_connections = True
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self._track(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools keep their own classes: untracked, still safe
            self._track(manager)
        return manager

    def _track(self, manager: Any) -> None:
        if set(getattr(manager, "pool_classes_by_scheme", None) or ()) != set(_TRACKED_POOLS):
            self.tracks_connections = False  # setting the attribute would change nothing urllib3 reads
        manager.pool_classes_by_scheme = dict(_TRACKED_POOLS)


# --------------------------------------------------------------------------------------------------------------------
# What this module relies on beyond the public API of requests and urllib3

#: The major versions of requests and urllib3 whose internals this module was written and tested against
#: (pyproject.toml bounds them the same way).
TESTED_MAJOR_VERSIONS: Final = {"requests": 2, "urllib3": 2}


def _parameters(function: Any) -> list[str]:
    import inspect  # only for the one check per process

    return list(inspect.signature(function).parameters)


@functools.cache
def http_stack_problem() -> str | None:
    """Why the installed requests and urllib3 cannot be trusted with a call (None when they can), checked once.

    The attempt tracking above and the read loop rely on: urllib3's `HTTPConnection._new_conn()` (overridden: the
    socket is watched as soon as TCP is up), `connect()` and the connection's `sock`; a pool's `ConnectionCls`; a
    `PoolManager`'s `pool_classes_by_scheme` being read when it makes a pool (also a `ProxyManager`'s); the
    `HTTPAdapter.init_poolmanager` and `proxy_manager_for` hooks; `max_retries=0` meaning no retry of any kind;
    and `HTTPResponse.read1(amt, decode_content=)`. If any of these changed, a call could go out untracked (no
    hard deadline, NOT_SENT and UNKNOWN no longer told apart) or be retried, so nothing is sent instead.
    """
    try:
        return _http_stack_problem()
    except Exception as exc:  # a check that cannot even run is a change too
        return f"checking requests and urllib3 failed ({type(exc).__name__})"


def _http_stack_problem() -> str | None:
    for module, tested in ((requests, TESTED_MAJOR_VERSIONS["requests"]), (urllib3, TESTED_MAJOR_VERSIONS["urllib3"])):
        version = str(getattr(module, "__version__", "?"))
        if version.split(".")[0] != str(tested):
            return f"{module.__name__} {version} is not version {tested}.x"
    if not callable(getattr(HTTPConnection, "_new_conn", None)) or _parameters(HTTPConnection._new_conn) != ["self"]:
        return "urllib3's HTTPConnection._new_conn() has changed"
    if _parameters(HTTPAdapter.init_poolmanager)[:4] != ["self", "connections", "maxsize", "block"]:
        return "requests' HTTPAdapter.init_poolmanager() has changed"
    read1 = getattr(HTTPResponse, "read1", None)
    if read1 is None or "decode_content" not in _parameters(read1):
        return "urllib3's HTTPResponse.read1(amt, decode_content=) has changed"
    if not hasattr(_TrackedHTTPConnection("127.0.0.1", 9), "sock"):
        return "urllib3's HTTPConnection has no sock"
    for base in (HTTPConnectionPool, HTTPSConnectionPool):  # the attribute a pool makes its connections with
        if not isinstance(vars(base).get("ConnectionCls"), type):
            return f"urllib3's {base.__name__}.ConnectionCls has changed"
    adapter = _OneAttemptAdapter()  # a throwaway one: making pools and a proxy manager opens no connection
    try:
        if not adapter.tracks_connections:
            return "urllib3's PoolManager.pool_classes_by_scheme has changed"
        retries = adapter.max_retries
        if not isinstance(retries, Retry) or retries.total != 0 or retries.read not in (0, False):
            return "requests' max_retries=0 no longer means no retry"
        managers = {
            "a direct connection": adapter.poolmanager,
            "a proxy": adapter.proxy_manager_for("http://127.0.0.1:9"),
        }
        for route, manager in managers.items():
            for scheme, pool_class in _TRACKED_POOLS.items():
                pool = manager.connection_from_host("127.0.0.1", 9, scheme)
                if type(pool) is not pool_class:
                    return f"urllib3 no longer makes its {scheme} connections for {route} with the app's classes"
    finally:
        adapter.close()
    return None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, contexts, urllib3 `reason`s and exception arguments (bounded)."""
    seen: set[int] = set()
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(chain) < 64:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return chain


def _chain_has(chain: list[BaseException], *kinds: type[BaseException]) -> bool:
    return any(isinstance(item, kinds) for item in chain)


_AFTER_SEND_ERRORS: Final[tuple[type[BaseException], ...]] = (
    ReadTimeoutError,
    requests.exceptions.ReadTimeout,
    ProtocolError,
    requests.exceptions.ChunkedEncodingError,
    ConnectionResetError,
    BrokenPipeError,
)
_BEFORE_SEND_ERRORS: Final[tuple[type[BaseException], ...]] = (
    ClosedPoolError,  # raised when taking a connection from a pool that close() emptied: before any connect
    NewConnectionError,
    ConnectTimeoutError,
    requests.exceptions.ConnectTimeout,
    Urllib3ProxyError,
    requests.exceptions.ProxyError,
    ssl.SSLCertVerificationError,
    Urllib3CertificateError,
    socket.gaierror,
    ConnectionRefusedError,
    LocationParseError,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


def _provably_unsent(chain: list[BaseException], attempt: _Attempt) -> bool:
    """True only when the request certainly did not leave.

    When our tracked connection was used, that is exact: nothing is written before connect() (TCP, proxy tunnel and
    TLS handshake) has returned. Otherwise (a SOCKS proxy) fall back to reading the exception chain, erring to
    "may have left".
    """
    if attempt.connects_started:
        return not attempt.connected
    if _chain_has(chain, *_AFTER_SEND_ERRORS):
        return False
    return _chain_has(chain, *_BEFORE_SEND_ERRORS)


# --------------------------------------------------------------------------------------------------------------------
# The client


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return float(value)


class ClickToCallClient:
    """Places click-to-calls: exactly one GET per `place_call`, no retries, no redirects, TLS always verified.

    Owns one `requests.Session`. `place_call` blocks (run it off the GUI thread) and never raises; `abort()` cuts
    it short from another thread.
    """

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
        total_deadline: float | None = None,
        max_body_bytes: int = 4096,
        ca_bundle: str | None = None,
        proxies: dict[str, str] | None = None,
    ) -> None:
        """Configure the client. Raises ValueError only for nonsensical numbers; a bad URL surfaces as NOT_SENT.

        `read_timeout` must exceed the longest ring of the first leg. `total_deadline` (default connect + read +
        10 s) bounds the whole attempt, headers and body. `ca_bundle` adds trust in a private CA; verification
        itself cannot be switched off. Proxies from the environment are honoured; `proxies` adds explicit ones.
        """
        self._api_url = api_url
        self._connect_timeout = _positive("connect_timeout", connect_timeout)
        self._read_timeout = _positive("read_timeout", read_timeout)
        self._total_deadline = (
            self._connect_timeout + self._read_timeout + 10.0
            if total_deadline is None
            else _positive("total_deadline", total_deadline)
        )
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 64:
            raise ValueError("max_body_bytes must be an integer of at least 64")
        self._max_body_bytes = max_body_bytes
        self._ca_bundle = ca_bundle or None
        self._proxies = dict(proxies or {})
        self._closed = False
        self._attempt: _Attempt | None = None  # the attempt in flight, for abort()
        self._state_lock = threading.Lock()  # orders close()/abort() against the start of place_call
        self._adapter = _OneAttemptAdapter()
        self._session = requests.Session()
        self._session.mount("https://", self._adapter)
        self._session.mount("http://", self._adapter)
        self._session.headers.update(_REQUEST_HEADERS)
        install_log_redaction()

    @property
    def api_url(self) -> str:
        return self._api_url

    @property
    def connect_timeout(self) -> float:
        return self._connect_timeout

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    @property
    def total_deadline(self) -> float:
        return self._total_deadline

    @property
    def max_body_bytes(self) -> int:
        return self._max_body_bytes

    def close(self) -> None:
        """Any thread: release the connection pool; later `place_call`s answer NOT_SENT. Idempotent.

        An attempt already in flight is not cut: call `abort()` after `close()` for that. In that order no
        `place_call` can slip between the two: it either sees the client closed or is in flight and gets cut.
        """
        with self._state_lock:
            self._closed = True
        self._session.close()

    def abort(self) -> None:
        """Any thread: cut the attempt in flight now; with none in flight this does nothing. Never blocks for long.

        The connection is shut down as the total deadline would do, so the blocked `place_call` returns at once:
        UNKNOWN ("the app cancelled the wait") if the request may have left, NOT_SENT if no connection was ready
        yet (one that becomes ready afterwards is closed before anything is written). Only the attempt in flight
        is affected: a later `place_call` runs normally (use `close()` to refuse those).
        """
        with self._state_lock:
            attempt = self._attempt
        if attempt is not None:
            attempt.abort()

    def __enter__(self) -> ClickToCallClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def place_call(self, request: CallRequest, credentials: Credentials | None) -> CallResult:
        """Place one click-to-call and say what happened. Blocks; never raises (except KeyboardInterrupt).

        Exactly one HTTP request at most. Failures before the request could leave are NOT_SENT; anything after
        that which is not a clear answer is UNKNOWN (the phone may be ringing) and is never retried.
        """
        if isinstance(credentials, Credentials) and isinstance(credentials.secret_access_key, str):
            register_secret(credentials.secret_access_key)  # the log filter masks it wherever it shows up
        attempt = _Attempt(self._total_deadline)
        with self._state_lock:
            if self._closed:
                return CallResult(Outcome.NOT_SENT, _not_sent("the dialer connection was closed"))
            self._attempt = attempt
        try:
            return self._place_call(request, credentials, attempt)
        except Exception as exc:
            log.debug("click-to-call: unexpected %s", type(exc).__name__)
            if attempt.may_have_left:
                reason = "an unexpected error occurred after the request was sent"
                return CallResult(Outcome.UNKNOWN, _unknown(reason), elapsed_s=attempt.elapsed())
            return CallResult(Outcome.NOT_SENT, _not_sent("an unexpected error stopped the call before it was sent"))
        finally:
            attempt.finish()
            with self._state_lock:
                self._attempt = None

    def _place_call(self, request: CallRequest, credentials: Credentials | None, attempt: _Attempt) -> CallResult:
        problems = validate_request(request, credentials, api_url=self._api_url)
        if problems or credentials is None:
            return CallResult(Outcome.NOT_SENT, _not_sent("; ".join(problems)))
        stack_problem = http_stack_problem()
        if stack_problem is not None:
            reason = f"{stack_problem}, which this version of c2c-desktop relies on; reinstall it with its requirements"
            return CallResult(Outcome.NOT_SENT, _not_sent(reason))
        if self._ca_bundle and not os.path.exists(self._ca_bundle):
            return CallResult(Outcome.NOT_SENT, _not_sent(f"the CA bundle file {self._ca_bundle} does not exist"))
        secrets = (credentials.secret_access_key.strip(), credentials.access_key.strip())

        prepared = self._session.prepare_request(
            requests.Request("GET", self._api_url, params=_query_params(request, credentials))
        )
        url = prepared.url or ""
        settings = self._session.merge_environment_settings(url, dict(self._proxies), True, self._ca_bundle, None)
        verify = settings["verify"] if settings["verify"] not in (None, False) else True  # never off
        proxies = settings["proxies"]
        if not self._proxies and is_loopback_host(urlsplit(url).hostname or ""):
            proxies = {}  # a loopback stand-in is never behind the environment's proxy
        adapter = self._session.get_adapter(url)
        log.debug("click-to-call: GET %s", redact_url(url))

        if attempt.aborted:
            return CallResult(Outcome.NOT_SENT, _not_sent(_CANCELLED_BEFORE_SENDING))
        attempt.may_have_left = True
        attempt.start()
        _current.attempt = attempt
        try:
            response = adapter.send(
                prepared,
                stream=True,
                timeout=(self._connect_timeout, self._read_timeout),
                verify=verify,
                cert=None,
                proxies=proxies,
            )
        except Exception as exc:
            result = self._send_failure(exc, attempt)
            log.debug("click-to-call: %s after %.2f s (%s)", result.outcome, result.elapsed_s, type(exc).__name__)
            return result
        finally:
            _current.attempt = None
        try:
            result = self._read_answer(response, attempt, secrets)
        finally:
            response.close()
        log.debug("click-to-call: %s (HTTP %s) after %.2f s", result.outcome, result.http_status, result.elapsed_s)
        return result

    def _send_failure(self, exc: BaseException, attempt: _Attempt) -> CallResult:
        elapsed = attempt.elapsed()
        chain = _exception_chain(exc)
        if _provably_unsent(chain, attempt):
            return CallResult(Outcome.NOT_SENT, _not_sent(self._unsent_reason(chain, attempt)), elapsed_s=elapsed)
        if attempt.aborted:
            return CallResult(Outcome.UNKNOWN, _unknown(_CANCELLED_WAIT), elapsed_s=elapsed)
        if attempt.deadline_passed:
            return CallResult(Outcome.UNKNOWN, self._deadline_message(), elapsed_s=elapsed)
        if _chain_has(chain, ReadTimeoutError, requests.exceptions.ReadTimeout, TimeoutError):
            return CallResult(Outcome.UNKNOWN, self._read_timeout_message(), elapsed_s=elapsed)
        reason = "the connection dropped after the request was sent"
        return CallResult(Outcome.UNKNOWN, _unknown(reason), elapsed_s=elapsed)

    def _unsent_reason(self, chain: list[BaseException], attempt: _Attempt) -> str:
        if attempt.aborted:
            return _CANCELLED_BEFORE_SENDING
        if attempt.deadline_passed:
            return f"the service could not be reached within {self._total_deadline:g} s"
        if _chain_has(chain, Urllib3ProxyError, requests.exceptions.ProxyError):
            return "the proxy could not be reached or refused the connection; check the proxy settings"
        if _chain_has(chain, ssl.SSLCertVerificationError, Urllib3CertificateError):
            return "the service's TLS certificate could not be verified, so nothing was sent (check the CA setting)"
        if _chain_has(chain, NameResolutionError, socket.gaierror):
            return "the service's host name could not be resolved; check the network and the service URL"
        if _chain_has(chain, ConnectionRefusedError):
            return "the service refused the connection (nothing is listening there); check the service URL"
        if _chain_has(chain, ConnectTimeoutError, requests.exceptions.ConnectTimeout, TimeoutError):
            return f"the service could not be reached within {self._connect_timeout:g} s; check the network"
        if _chain_has(chain, ssl.SSLError):
            return "a secure connection to the service could not be made"
        return "the service could not be reached"

    def _read_timeout_message(self) -> str:
        return _unknown(f"the service did not answer in {self._read_timeout:g} s")

    def _deadline_message(self) -> str:
        return _unknown(f"the service did not finish answering within {self._total_deadline:g} s")

    def _read_answer(self, response: requests.Response, attempt: _Attempt, secrets: tuple[str, ...]) -> CallResult:
        """Stream at most max_body_bytes + 1 bytes under the deadline, then classify."""
        status = response.status_code
        content_type = response.headers.get("Content-Type")
        body = bytearray()
        limit = self._max_body_bytes + 1
        failure: str | None = None
        try:
            while len(body) < limit:
                if attempt.aborted:
                    failure = _unknown(_CANCELLED_WAIT)
                    break
                if attempt.deadline_passed:
                    failure = self._deadline_message()
                    break
                chunk = response.raw.read1(limit - len(body), decode_content=True)
                if not chunk:
                    # The cut can end a close-delimited body early without an error: such an end proves nothing.
                    if attempt.aborted:
                        failure = _unknown(_CANCELLED_WAIT)
                    break
                body += chunk
        except Exception as exc:
            chain = _exception_chain(exc)
            if attempt.aborted:
                failure = _unknown(_CANCELLED_WAIT)
            elif attempt.deadline_passed:
                failure = self._deadline_message()
            elif _chain_has(chain, ReadTimeoutError, TimeoutError):
                failure = self._read_timeout_message()
            else:
                failure = _unknown("the service's answer was cut off")
        if failure is None and len(body) > self._max_body_bytes:
            failure = _unknown(f"the service's answer was longer than {self._max_body_bytes} bytes")
        elapsed = attempt.elapsed()
        capped = bytes(body[: self._max_body_bytes])
        result = classify_response(status, capped, content_type, secrets=secrets)
        excerpt = result.excerpt
        if failure is not None:
            # Truncated, oversized or dripped: redact the whole capped body, then cut, and say it is partial.
            excerpt = _excerpt(capped, secrets, partial=True)
            if not _status_decides(status):
                return CallResult(Outcome.UNKNOWN, failure, excerpt, status, elapsed)
        return CallResult(result.outcome, result.message, excerpt, status, elapsed)


def _status_decides(status: int) -> bool:
    """Statuses whose meaning does not depend on the body, so a body that fails to arrive changes nothing."""
    return 300 <= status < 400 or status in (400, 401, 403, 404, 429)
