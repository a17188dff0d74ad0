"""Helpers for tests that talk to the stand-in service (or to hand-made misbehaving sockets) over loopback.

Plain functions and context managers, not fixtures, so test modules wrap them in the fixtures they need.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

from c2c_desktop.core.api import ClickToCallClient
from c2c_desktop.core.models import CallRequest, CallResult, Credentials, Outcome
from c2c_desktop.core.simulator import Fault, StandInService

#: A unique secret per test run: any leak is found by searching for it.
CANARY = f"CANARY-s3cr3t-{uuid.uuid4().hex}"
ACCESS_KEY = f"AK-test-{uuid.uuid4().hex[:8]}"
CREDENTIALS = Credentials(ACCESS_KEY, CANARY)
AGENT_NUMBER = "5552010001"
CONNECTING_NUMBER = "5552010003"  # the stand-in answers "Call Connected" (last digit not 7, 8 or 9)
NO_ANSWER_NUMBER = "5552010007"

#: What a correct client concludes for each fault mode.
EXPECTED_OUTCOME: dict[Fault, Outcome] = {
    Fault.NONE: Outcome.CONNECTED,
    Fault.DELAY: Outcome.UNKNOWN,
    Fault.HANG: Outcome.UNKNOWN,
    Fault.RESET: Outcome.UNKNOWN,
    Fault.TRUNCATED: Outcome.UNKNOWN,
    Fault.DRIP: Outcome.UNKNOWN,
    Fault.SERVER_ERROR: Outcome.UNKNOWN,
    Fault.HTML: Outcome.UNKNOWN,
    Fault.EMPTY: Outcome.UNKNOWN,
    Fault.BINARY: Outcome.UNKNOWN,
    Fault.OVERSIZED: Outcome.UNKNOWN,
    Fault.UNKNOWN_TEXT: Outcome.UNKNOWN,
    Fault.XML_FAILURE: Outcome.REJECTED,
    Fault.REDIRECT: Outcome.UNKNOWN,
    Fault.UNAUTHORIZED: Outcome.REJECTED,
    Fault.RATE_LIMITED: Outcome.REJECTED,
}

#: Client timeouts that keep fault tests short: (read_timeout, total_deadline or None).
FAST_TIMEOUTS: dict[Fault, tuple[float, float | None]] = {
    Fault.DRIP: (1.0, 1.5),
}
DEFAULT_FAST_TIMEOUTS: tuple[float, float | None] = (0.5, None)


def call_request(number: str = CONNECTING_NUMBER, **fields: Any) -> CallRequest:
    """A valid request to `number` from the test agent; `fields` override CallRequest fields."""
    return CallRequest(agent_number=AGENT_NUMBER, phone_to_call=number, **fields)


@contextmanager
def running_standin(**options: Any) -> Iterator[StandInService]:
    """A started stand-in that knows the test keys (the secret is the canary); stopped on exit."""
    options.setdefault("access_key", ACCESS_KEY)
    options.setdefault("secret_access_key", CANARY)
    with StandInService(**options) as service:
        yield service


def fast_client(url: str, fault: Fault = Fault.NONE, **options: Any) -> ClickToCallClient:
    """A client with test-sized timeouts for `fault` (see FAST_TIMEOUTS)."""
    read_timeout, deadline = FAST_TIMEOUTS.get(fault, DEFAULT_FAST_TIMEOUTS)
    options.setdefault("connect_timeout", 2.0)
    options.setdefault("read_timeout", read_timeout)
    options.setdefault("total_deadline", deadline)
    return ClickToCallClient(url, **options)


def result_texts(result: CallResult) -> list[str]:
    """Every text a CallResult carries, for leak searches."""
    return [str(result), repr(result), result.message, result.excerpt or ""]


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text, "the secret leaked"


@dataclass
class TlsFiles:
    ca_path: Path
    cert_path: Path
    key_path: Path

    @property
    def tls(self) -> tuple[str, str]:
        return str(self.cert_path), str(self.key_path)


def make_tls_files(directory: Path, *hostnames: str) -> TlsFiles:
    """A throw-away CA (trustme) and a server certificate for `hostnames` (default 127.0.0.1 and localhost)."""
    ca = trustme.CA()
    cert = ca.issue_cert(*(hostnames or ("127.0.0.1", "localhost")))
    files = TlsFiles(directory / "ca.pem", directory / "server-chain.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_path))
    files.cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(files.key_path))
    return files


def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RawServer:
    """A hand-made loopback server: accepts connections and runs `behaviour(connection, stop)` for each."""

    port: int
    received: list[bytes] = field(default_factory=list)
    got_request: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ibp_api.php"

    @property
    def request_count(self) -> int:
        return sum(1 for data in self.received if data.startswith(b"GET "))


def read_request_head(connection: socket.socket, server: RawServer) -> bytes:
    """Read until the end of the request headers (or EOF), record it, and signal `got_request`."""
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    server.received.append(data)
    server.got_request.set()
    return data


@contextmanager
def raw_server(behaviour: Callable[[socket.socket, RawServer], None]) -> Iterator[RawServer]:
    """Serve `behaviour` on a loopback port in a daemon thread; on exit set `stop` and close everything."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    server = RawServer(port=int(listener.getsockname()[1]))
    connections: list[socket.socket] = []

    def serve() -> None:
        while not server.stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(connection)
            try:
                behaviour(connection, server)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        for connection in connections:
            connection.close()
        thread.join(5)
        listener.close()


def never_answer(connection: socket.socket, server: RawServer) -> None:
    """Read the request, then say nothing until the test ends."""
    read_request_head(connection, server)
    server.stop.wait()


def drip_headers(connection: socket.socket, server: RawServer) -> None:
    """Read the request, then send the status line and one header byte every 0.2 s, never finishing the headers."""
    read_request_head(connection, server)
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    header = b"X-Slow: " + b"a" * 1000
    for index in range(len(header)):
        connection.sendall(header[index : index + 1])
        if server.stop.wait(0.2):
            return


def drip_tls_handshake(connection: socket.socket, server: RawServer) -> None:
    """Read the TLS ClientHello, then answer with the start of a TLS record one byte every 0.2 s for ~10 s, so the
    handshake never completes but never stalls long enough for a per-read timeout."""
    connection.settimeout(5)
    server.received.append(connection.recv(4096))
    server.got_request.set()
    record = b"\x16\x03\x03\x40\x00" + b"\x02" * 45  # a 16 kB handshake record that never arrives whole
    for index in range(len(record)):
        connection.sendall(record[index : index + 1])
        if server.stop.wait(0.2):
            return


@contextmanager
def full_backlog_port() -> Iterator[int]:
    """A listening loopback port whose accept queue is full, so a new connect() stalls until its timeout.

    Linux drops SYNs while the accept queue is full; connections are queued until one visibly fails to complete.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers: list[socket.socket] = []
    try:
        for _ in range(64):
            filler = socket.socket()
            filler.settimeout(0.2)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break  # this SYN was dropped: the queue is full
        else:
            raise RuntimeError("could not fill the accept queue")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
