"""The stand-in click-to-call service: a loopback HTTP(S) server that behaves like the documented API.

Used by demo mode (`c2c-desktop --demo`, `c2c-desktop simulator`) and by the tests.

Behaviour, per click-to-call.md: path `/ibp_api.php`, GET only, every parameter validated (wrong keys -> 401
"Invalid access key"; any other bad input -> 400 with a short text). A valid request "rings" for `ring_seconds`
(interruptible by `stop()`), then answers by a deterministic rule:

    **No Answer when the last digit of phone_to_call is 7, 8 or 9; otherwise Call Connected.**

Fault modes (`Fault`) make it misbehave the ways a real service or network can; every fault still records the
request, so tests can assert the client sent exactly one. Faults apply before validation (a broken server does
not validate); DELAY is the exception: it validates, rings `ring_seconds + delay_seconds`, then answers normally.

Threads: the server runs in a daemon thread, one daemon thread per connection. All public methods are thread-safe.
"""

from __future__ import annotations

import enum
import hmac
import logging
import os
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import FrameType, TracebackType
from typing import Any, Final, TextIO
from urllib.parse import parse_qsl, urlsplit

from c2c_desktop.core.netutil import shutdown_quietly
from c2c_desktop.core.redaction import redact_text

__all__ = [
    "DEMO_ACCESS_KEY",
    "DEMO_SECRET_ACCESS_KEY",
    "ENDPOINT_PATH",
    "Fault",
    "RecordedRequest",
    "StandInService",
    "answer_for",
    "serve_forever_cli",
]

log = logging.getLogger(__name__)

ENDPOINT_PATH: Final = "/ibp_api.php"
DEMO_ACCESS_KEY: Final = "demo-access-key"
DEMO_SECRET_ACCESS_KEY: Final = "demo-secret-key"
DRIP_INTERVAL_S: Final = 0.3
DRIP_BODY: Final = b"Call Connected".ljust(200)  # success if a client waited 60 s for all of it: it must not
OVERSIZED_BYTES: Final = 1 << 20
TRUNCATED_CLAIMED_LENGTH: Final = 64
HANDSHAKE_TIMEOUT_S: Final = 5.0
_STOP_JOIN_S: Final = 2.0
_DIGITS = re.compile(r"[0-9]+")
# PHP's default content type; the documented body is plain text regardless, so the client must judge the body.
_ANSWER_CONTENT_TYPE: Final = "text/html; charset=UTF-8"
_TEXT: Final = "text/plain; charset=UTF-8"


class Fault(enum.StrEnum):
    """Ways the stand-in can misbehave. The comment says what a correct client concludes."""

    NONE = "none"  # documented behaviour -> CONNECTED / NO_ANSWER
    DELAY = "delay"  # rings ring_seconds + delay_seconds, then answers -> UNKNOWN if the read timeout is shorter
    HANG = "hang"  # reads the request, never answers until stop() -> UNKNOWN (read timeout)
    RESET = "reset"  # reads the request, then resets the connection (SO_LINGER 0) -> UNKNOWN
    TRUNCATED = "truncated"  # claims a longer Content-Length than it sends, then closes -> UNKNOWN
    DRIP = "drip"  # headers, then one byte every 0.3 s of a long body -> UNKNOWN (total deadline)
    SERVER_ERROR = "server_error"  # 500 with a text -> UNKNOWN
    HTML = "html"  # 200 text/html page that contains the words "Call Connected" -> UNKNOWN
    EMPTY = "empty"  # 200 with an empty body -> UNKNOWN
    BINARY = "binary"  # 200 with random bytes -> UNKNOWN
    OVERSIZED = "oversized"  # 200 with a 1 MiB body starting with "Call Connected" -> UNKNOWN
    UNKNOWN_TEXT = "unknown_text"  # 200 "OK" -> UNKNOWN
    XML_FAILURE = "xml_failure"  # 200 <response><result>failed</result></response> -> REJECTED
    REDIRECT = "redirect"  # 302 to another URL on this server -> UNKNOWN (and never followed)
    UNAUTHORIZED = "unauthorized"  # 401 "Invalid access key" -> REJECTED
    RATE_LIMITED = "rate_limited"  # 429 -> REJECTED


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it. The secret access key's value is always replaced by '***'."""

    method: str
    path: str
    params: dict[str, str]
    time: float  # time.time() when the request line and headers had been read
    fault: Fault = Fault.NONE  # the fault applied to it


def answer_for(phone_to_call: str) -> str:
    """The stand-in's documented answer: `No Answer` if the number ends in 7, 8 or 9, else `Call Connected`."""
    return "No Answer" if phone_to_call[-1:] in ("7", "8", "9") else "Call Connected"


class StandInService:
    """A loopback stand-in for the click-to-call service. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ring_seconds: float = 0.0,
        delay_seconds: float = 150.0,
        access_key: str = DEMO_ACCESS_KEY,
        secret_access_key: str = DEMO_SECRET_ACCESS_KEY,
        fault: Fault = Fault.NONE,
        tls: tuple[str, str] | None = None,
    ) -> None:
        """`tls` = (certfile, keyfile) serves https. `delay_seconds` is the extra ring of Fault.DELAY (default longer
        than the client's default 120 s read timeout, so the demo shows an UNKNOWN)."""
        self._host = host
        self._requested_port = port
        self.ring_seconds = ring_seconds
        self.delay_seconds = delay_seconds
        self._access_key = access_key
        self._secret_access_key = secret_access_key
        self._initial = (ring_seconds, delay_seconds, Fault(fault))
        self.fault: Fault = Fault(fault)
        #: Per phone_to_call override of `fault` (the demo uses it to show unknown and rejected outcomes).
        self.fault_for_number: dict[str, Fault] = {}
        self._ssl_context: ssl.SSLContext | None = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile=tls[0], keyfile=tls[1])
            self._ssl_context = context
        self._records: list[RecordedRequest] = []
        self._records_changed = threading.Condition()
        self._stopping = threading.Event()
        self._lifecycle = threading.Lock()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._active_lock = threading.Lock()
        self._active: dict[threading.Thread, socket.socket] = {}

    # ---- lifecycle

    def start(self) -> StandInService:
        """Bind and serve in a daemon thread. Raises OSError when the port is taken. Returns self."""
        with self._lifecycle:
            if self._server is not None:
                return self
            self._stopping.clear()
            server = _Server((self._host, self._requested_port), self)
            self._server = server
            self._serve_thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stand-in-server", daemon=True
            )
            self._serve_thread.start()
            return self

    def stop(self) -> None:
        """Stop serving and release every handler (hung, ringing or dripping) promptly. Idempotent."""
        with self._lifecycle:
            server, thread = self._server, self._serve_thread
            if server is None:
                return
            self._stopping.set()
            server.shutdown()
            server.server_close()
            with self._active_lock:
                active = dict(self._active)
            for connection in active.values():
                shutdown_quietly(connection)  # unblocks a handler still reading a request
            give_up_at = time.monotonic() + _STOP_JOIN_S
            for handler_thread in [*active, *([thread] if thread else [])]:
                handler_thread.join(max(0.0, give_up_at - time.monotonic()))
            self._server = None
            self._serve_thread = None

    def __enter__(self) -> StandInService:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- where it is

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when constructed with port=0). Only valid while running."""
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. http://127.0.0.1:PORT/ibp_api.php (https with `tls`)."""
        scheme = "https" if self._ssl_context else "http"
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{scheme}://{host}:{self.port}{ENDPOINT_PATH}"

    @property
    def access_key(self) -> str:
        return self._access_key

    # ---- what it saw

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests seen so far, oldest first."""
        with self._records_changed:
            return list(self._records)

    @property
    def request_count(self) -> int:
        with self._records_changed:
            return len(self._records)

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until at least `count` requests were recorded or `timeout` seconds passed; True on success."""
        with self._records_changed:
            return self._records_changed.wait_for(lambda: len(self._records) >= count, timeout)

    def reset(self) -> None:
        """Forget recorded requests and return to the constructor's ring time, delay and fault (no per-number ones)."""
        with self._records_changed:
            self._records.clear()
        self.ring_seconds, self.delay_seconds, self.fault = self._initial
        self.fault_for_number.clear()

    # ---- request handling (handler threads)

    def _track(self, connection: socket.socket) -> None:
        with self._active_lock:
            self._active[threading.current_thread()] = connection

    def _untrack(self) -> None:
        with self._active_lock:
            self._active.pop(threading.current_thread(), None)

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        pairs = parse_qsl(split.query, keep_blank_values=True, max_num_fields=100)
        params = {name: value for name, value in pairs}
        number = params.get("phone_to_call", "")
        fault = self.fault_for_number.get(number, self.fault)
        masked = {name: ("***" if name == "secret_access_key" else value) for name, value in params.items()}
        with self._records_changed:
            self._records.append(RecordedRequest(handler.command, split.path, masked, time.time(), fault))
            self._records_changed.notify_all()

        if fault not in (Fault.NONE, Fault.DELAY):
            _FAULT_HANDLERS[fault](self, handler)
            return
        problem = self._validate(handler.command, split.path, pairs, params)
        if problem is not None:
            status, text = problem
            headers = {"Allow": "GET"} if status == 405 else {}
            _reply(handler, status, text.encode(), _TEXT, headers)
            return
        ring = self.ring_seconds + (self.delay_seconds if fault is Fault.DELAY else 0.0)
        if self._stopping.wait(max(0.0, ring)):
            _abort(handler)  # stopped while ringing: hang up without an answer
            return
        _reply(handler, 200, answer_for(number).encode(), _ANSWER_CONTENT_TYPE)

    def _validate(
        self, method: str, path: str, pairs: list[tuple[str, str]], params: dict[str, str]
    ) -> tuple[int, str] | None:
        if path != ENDPOINT_PATH:
            return 404, "Not Found"
        if method != "GET":
            return 405, "Method Not Allowed"
        if len(pairs) != len(params):
            return 400, "Duplicate parameter"
        keys_ok = hmac.compare_digest(params.get("access_key", "").encode(), self._access_key.encode())
        secret_ok = hmac.compare_digest(params.get("secret_access_key", "").encode(), self._secret_access_key.encode())
        if not (keys_ok and secret_ok):
            return 401, "Invalid access key"
        if params.get("action") != "clickto.call":
            return 400, "Invalid action"
        if params.get("type") not in ("1", "2"):
            return 400, "Invalid type"
        for name in ("id", "phone_to_call"):
            if not _DIGITS.fullmatch(params.get(name, "")):
                return 400, f"Invalid {name}"
        for name in ("first_callerid", "second_callerid"):
            if name in params and not _DIGITS.fullmatch(params[name]):
                return 400, f"Invalid {name}"
        if len(params.get("page", "")) > 255:
            return 400, "Invalid page: longer than 255 characters"
        if len(params.get("ref", "")) > 32:
            return 400, "Invalid ref: longer than 32 characters"
        return None

    # ---- faults

    def _hang(self, handler: _Handler) -> None:
        self._stopping.wait()
        _abort(handler)

    def _reset(self, handler: _Handler) -> None:
        connection = handler.connection
        try:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        handler.rfile.close()  # drop the makefile reference so close() really closes (and sends the RST)
        connection.close()
        handler.close_connection = True

    def _truncated(self, handler: _Handler) -> None:
        _reply(handler, 200, b"Call Connected", _TEXT, {}, content_length=TRUNCATED_CLAIMED_LENGTH)

    def _drip(self, handler: _Handler) -> None:
        handler.close_connection = True
        try:
            _send_head(handler, 200, _TEXT, {}, len(DRIP_BODY))
            for index in range(len(DRIP_BODY)):
                handler.wfile.write(DRIP_BODY[index : index + 1])
                if self._stopping.wait(DRIP_INTERVAL_S):
                    break
        except OSError:
            pass  # the client gave up, as it should

    def _oversized(self, handler: _Handler) -> None:
        handler.close_connection = True
        body = b"Call Connected".ljust(OVERSIZED_BYTES)
        try:
            _send_head(handler, 200, _TEXT, {}, len(body))
            for offset in range(0, len(body), 65536):
                if self._stopping.is_set():
                    break
                handler.wfile.write(body[offset : offset + 65536])
        except OSError:
            pass  # the client stopped reading at its cap

    def _redirect(self, handler: _Handler) -> None:
        location = self.url.replace(ENDPOINT_PATH, "/moved" + ENDPOINT_PATH)
        _reply(handler, 302, b"Moved", _TEXT, {"Location": location})


_FaultHandler = Callable[[StandInService, "_Handler"], None]


def _fixed(
    status: int, body: bytes | Callable[[], bytes], content_type: str, headers: dict[str, str] | None = None
) -> _FaultHandler:
    def respond(_service: StandInService, handler: _Handler) -> None:
        _reply(handler, status, body() if callable(body) else body, content_type, headers or {})

    return respond


_HTML_PAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><title>Call Connected</title></head>\n"
    b"<body><h1>Call Connected</h1><p>Thank you. Call Connected.</p></body></html>\n"
)
_XML_FAILURE_BODY: Final = b'<?xml version="1.0" encoding="UTF-8"?><response><result>failed</result></response>'

_FAULT_HANDLERS: Final[dict[Fault, _FaultHandler]] = {
    Fault.HANG: StandInService._hang,
    Fault.RESET: StandInService._reset,
    Fault.TRUNCATED: StandInService._truncated,
    Fault.DRIP: StandInService._drip,
    Fault.OVERSIZED: StandInService._oversized,
    Fault.REDIRECT: StandInService._redirect,
    Fault.SERVER_ERROR: _fixed(500, b"Internal Server Error", _TEXT),
    Fault.HTML: _fixed(200, _HTML_PAGE, "text/html; charset=UTF-8"),
    Fault.EMPTY: _fixed(200, b"", _TEXT),
    # A leading NUL and 0xFF keep it binary whatever the random tail happens to be.
    Fault.BINARY: _fixed(200, lambda: b"\x00\xff" + os.urandom(62), "application/octet-stream"),
    Fault.UNKNOWN_TEXT: _fixed(200, b"OK", _TEXT),
    Fault.XML_FAILURE: _fixed(200, _XML_FAILURE_BODY, "text/xml; charset=UTF-8"),
    Fault.UNAUTHORIZED: _fixed(401, b"Invalid access key", _TEXT),
    Fault.RATE_LIMITED: _fixed(429, b"Too Many Requests", _TEXT, {"Retry-After": "1"}),
}


def _send_head(handler: _Handler, status: int, content_type: str, headers: dict[str, str], length: int) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(length))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Connection", "close")
    handler.end_headers()


def _reply(
    handler: _Handler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> None:
    handler.close_connection = True
    try:
        _send_head(
            handler, status, content_type, headers or {}, len(body) if content_length is None else content_length
        )
        if handler.command != "HEAD":
            handler.wfile.write(body)
    except OSError:
        pass  # the client went away; nothing to tell it


def _abort(handler: _Handler) -> None:
    """Close without a response."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StandIn/1.0"
    timeout = 10  # a client that connects and sends nothing does not hold a thread for long
    server: _Server

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(HANDSHAKE_TIMEOUT_S)
            self.request.do_handshake()  # here, not in accept(), so a stalled client cannot block the server
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's naming)
        self.server.service._handle(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET  # all recorded; non-GET gets 405

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        try:
            line = format % args
        except Exception:
            line = format
        log.info("stand-in: %s %s", self.client_address[0], redact_text(line))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], service: StandInService) -> None:
        self.service = service
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall; the name is not needed.
        TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        context = self.service._ssl_context
        if context is not None:
            connection = context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self.service._track(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.service._untrack()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Failed handshakes and vanished clients are routine here; never print tracebacks with request lines.
        log.debug("stand-in: connection from %s ended with %s", client_address, sys.exc_info()[0])


def serve_forever_cli(
    host: str = "127.0.0.1",
    port: int = 8765,
    ring_seconds: float = 2.0,
    *,
    fault: Fault = Fault.NONE,
    out: TextIO | None = None,
    stop_event: threading.Event | None = None,
) -> int:
    """Run the stand-in in the foreground for `c2c-desktop simulator` until Ctrl+C / SIGTERM (or `stop_event`).

    Prints the URL and the demo keys, then one redacted line per request. Raises OSError if the port is taken.
    Returns 0 after a clean stop.
    """
    stream = out if out is not None else sys.stdout
    done = stop_event if stop_event is not None else threading.Event()
    service = StandInService(host, port, ring_seconds=ring_seconds, fault=fault)
    request_lines = logging.StreamHandler(stream)
    request_lines.setFormatter(logging.Formatter("%(message)s"))
    previous_level, previous_propagate = log.level, log.propagate
    previous_sigterm: Any = None
    in_main_thread = threading.current_thread() is threading.main_thread()
    with service:
        log.addHandler(request_lines)
        log.setLevel(logging.INFO)
        log.propagate = False  # else a root handler (the CLI's logging setup) prints every request line again
        if in_main_thread:

            def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
                done.set()

            previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            # Announced only now: a Ctrl+C from here on (or a script that waits for this text) meets the handling.
            print(f"Stand-in click-to-call service listening on {service.url}", file=stream)
            print(f"  access key:        {DEMO_ACCESS_KEY}", file=stream)
            print(f"  secret access key: {DEMO_SECRET_ACCESS_KEY}   (demo keys, not real ones)", file=stream)
            print(
                f"  rings {ring_seconds:g} s, then numbers ending in 7, 8 or 9 get 'No Answer', "
                "others 'Call Connected'",
                file=stream,
            )
            print("Press Ctrl+C to stop.", file=stream, flush=True)
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous_sigterm)
            log.removeHandler(request_lines)
            log.setLevel(previous_level)
            log.propagate = previous_propagate
    print("Stand-in stopped.", file=stream, flush=True)
    return 0
