"""The stand-in service on its own: documented behaviour, validation, fault modes at the wire, and prompt stops."""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from c2c_desktop.core.api import ClickToCallClient
from c2c_desktop.core.models import CallResult, Credentials, Outcome
from c2c_desktop.core.simulator import (
    DEMO_ACCESS_KEY,
    DEMO_SECRET_ACCESS_KEY,
    Fault,
    StandInService,
    answer_for,
    serve_forever_cli,
)
from tests.standin import (
    ACCESS_KEY,
    AGENT_NUMBER,
    CANARY,
    CONNECTING_NUMBER,
    CREDENTIALS,
    assert_no_canary,
    call_request,
    make_tls_files,
    running_standin,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with running_standin() as service:
        yield service


def good_params(**overrides: str | None) -> dict[str, str]:
    params = {
        "action": "clickto.call",
        "access_key": ACCESS_KEY,
        "secret_access_key": CANARY,
        "type": "2",
        "id": AGENT_NUMBER,
        "phone_to_call": CONNECTING_NUMBER,
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def get(url: str, params: Any = None, **kwargs: Any) -> requests.Response:
    return requests.get(url, params=params, timeout=(2, 5), allow_redirects=False, **kwargs)


def call_in_thread(client: ClickToCallClient) -> tuple[threading.Thread, list[CallResult]]:
    results: list[CallResult] = []
    thread = threading.Thread(target=lambda: results.append(client.place_call(call_request(), CREDENTIALS)))
    thread.start()
    return thread, results


# ---- documented behaviour


@pytest.mark.parametrize("digit", "0123456789")
def test_answer_rule_is_the_last_digit(digit: str) -> None:
    assert answer_for(f"555201000{digit}") == ("No Answer" if digit in "789" else "Call Connected")


def test_a_valid_request_is_answered_and_recorded_without_the_secret(standin: StandInService) -> None:
    response = get(standin.url, good_params(page="home.html", ref="R1", first_callerid="5552010003"))
    assert (response.status_code, response.text) == (200, "Call Connected")
    (seen,) = standin.requests
    assert (seen.method, seen.path, seen.fault) == ("GET", "/ibp_api.php", Fault.NONE)
    assert seen.params["secret_access_key"] == "***" and seen.params["page"] == "home.html"
    assert CANARY not in repr(standin.requests)
    assert 0 < time.time() - seen.time < 60


@pytest.mark.parametrize(
    ("overrides", "status", "text"),
    [
        ({"access_key": "wrong"}, 401, "Invalid access key"),
        ({"secret_access_key": "wrong"}, 401, "Invalid access key"),
        ({"secret_access_key": None}, 401, "Invalid access key"),
        ({"action": "clickto.hangup"}, 400, "Invalid action"),
        ({"type": "3"}, 400, "Invalid type"),
        ({"type": None}, 400, "Invalid type"),
        ({"id": "555-201-0001"}, 400, "Invalid id"),
        ({"phone_to_call": ""}, 400, "Invalid phone_to_call"),
        ({"phone_to_call": None}, 400, "Invalid phone_to_call"),
        ({"first_callerid": "abc"}, 400, "Invalid first_callerid"),
        ({"second_callerid": "+15552010003"}, 400, "Invalid second_callerid"),
        ({"page": "p" * 256}, 400, "Invalid page"),
        ({"ref": "r" * 33}, 400, "Invalid ref"),
    ],
)
def test_bad_input_is_refused_like_the_documentation_says(
    standin: StandInService, overrides: dict[str, str | None], status: int, text: str
) -> None:
    response = get(standin.url, good_params(**overrides))
    assert response.status_code == status and response.text.startswith(text)
    assert standin.request_count == 1


def test_limits_are_inclusive(standin: StandInService) -> None:
    assert get(standin.url, good_params(page="p" * 255, ref="r" * 32)).status_code == 200


def test_duplicate_parameters_wrong_path_and_method(standin: StandInService) -> None:
    duplicated = [*good_params().items(), ("phone_to_call", "5552010004")]
    assert get(standin.url, duplicated).status_code == 400
    assert get(standin.url.replace("ibp_api.php", "other.php"), good_params()).status_code == 404
    post = requests.post(standin.url, params=good_params(), timeout=(2, 5))
    assert (post.status_code, post.headers["Allow"]) == (405, "GET")
    assert [seen.method for seen in standin.requests] == ["GET", "GET", "POST"]


def test_ring_time_can_change_while_running(standin: StandInService) -> None:
    standin.ring_seconds = 0.3
    started = time.monotonic()
    assert get(standin.url, good_params()).text == "Call Connected"
    assert time.monotonic() - started >= 0.3


# ---- fault modes at the wire


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        (Fault.SERVER_ERROR, 500, lambda r: r.text == "Internal Server Error"),
        (Fault.HTML, 200, lambda r: "Call Connected" in r.text and r.headers["Content-Type"].startswith("text/html")),
        (Fault.EMPTY, 200, lambda r: r.content == b""),
        (Fault.BINARY, 200, lambda r: r.content.startswith(b"\x00\xff") and len(r.content) == 64),
        (Fault.OVERSIZED, 200, lambda r: r.content.startswith(b"Call Connected") and len(r.content) == 1 << 20),
        (Fault.UNKNOWN_TEXT, 200, lambda r: r.text == "OK"),
        (Fault.XML_FAILURE, 200, lambda r: "<result>failed</result>" in r.text and r.text.startswith("<?xml")),
        (Fault.REDIRECT, 302, lambda r: r.headers["Location"].endswith("/moved/ibp_api.php")),
        (Fault.UNAUTHORIZED, 401, lambda r: r.text == "Invalid access key"),
        (Fault.RATE_LIMITED, 429, lambda r: r.headers["Retry-After"] == "1"),
    ],
)
def test_answering_faults(standin: StandInService, fault: Fault, status: int, check: Any) -> None:
    standin.fault = fault
    response = get(standin.url, good_params())
    assert response.status_code == status and check(response)
    assert [seen.fault for seen in standin.requests] == [fault]


def raw_exchange(service: StandInService) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", service.port), timeout=5)
    query = requests.Request("GET", service.url, params=good_params()).prepare().path_url
    connection.sendall(f"GET {query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    return connection


def test_reset_fault_sends_a_reset(standin: StandInService) -> None:
    standin.fault = Fault.RESET
    with raw_exchange(standin) as connection, pytest.raises(ConnectionResetError):
        while connection.recv(4096):
            pass


def test_truncated_fault_claims_more_than_it_sends(standin: StandInService) -> None:
    standin.fault = Fault.TRUNCATED
    with raw_exchange(standin) as connection:
        data = b""
        while chunk := connection.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 64" in head and body == b"Call Connected"


def test_drip_fault_sends_one_byte_at_a_time(standin: StandInService) -> None:
    standin.fault = Fault.DRIP
    with raw_exchange(standin) as connection:
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        while not body:
            body += connection.recv(1)
        first_byte_at = time.monotonic()
        while len(body) < 2:
            body += connection.recv(1)
        assert time.monotonic() - first_byte_at >= 0.2  # the next byte took its time
    assert b"Content-Length: 200" in head and body == b"Ca"


def test_hang_fault_answers_nothing_until_stopped(standin: StandInService) -> None:
    standin.fault = Fault.HANG
    with raw_exchange(standin) as connection:
        assert standin.wait_for_requests(1, timeout=5)
        connection.settimeout(0.3)
        with pytest.raises(TimeoutError):
            connection.recv(1)
        standin.stop()
        connection.settimeout(5)
        assert connection.recv(1) == b""  # closed without an answer


def test_per_number_faults_and_reset(standin: StandInService) -> None:
    standin.fault_for_number["5552010004"] = Fault.UNKNOWN_TEXT
    assert get(standin.url, good_params(phone_to_call="5552010004")).text == "OK"
    assert get(standin.url, good_params(phone_to_call="5552010005")).text == "Call Connected"
    standin.fault = Fault.SERVER_ERROR
    standin.reset()
    assert (standin.request_count, standin.fault, standin.fault_for_number) == (0, Fault.NONE, {})
    assert get(standin.url, good_params(phone_to_call="5552010004")).text == "Call Connected"


def test_wait_for_requests_is_bounded(standin: StandInService) -> None:
    assert standin.wait_for_requests(0, timeout=0)
    started = time.monotonic()
    assert not standin.wait_for_requests(1, timeout=0.1)
    assert time.monotonic() - started < 1.0
    get(standin.url, good_params())
    assert standin.wait_for_requests(1, timeout=5)


# ---- stopping


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.DRIP, Fault.DELAY, Fault.OVERSIZED])
def test_stop_is_prompt_with_a_handler_outstanding(fault: Fault) -> None:
    service = StandInService(access_key=ACCESS_KEY, secret_access_key=CANARY, ring_seconds=30).start()
    service.fault = fault
    client = ClickToCallClient(service.url, read_timeout=30)
    thread, results = call_in_thread(client)
    assert service.wait_for_requests(1, timeout=5)
    started = time.monotonic()
    service.stop()
    assert time.monotonic() - started < 1.0
    thread.join(5)
    assert results and results[0].outcome is Outcome.UNKNOWN  # it was sent; the answer never came
    client.close()


def test_stop_is_prompt_while_ringing_and_with_an_idle_connection(standin: StandInService) -> None:
    standin.ring_seconds = 30
    idle = socket.create_connection(("127.0.0.1", standin.port), timeout=5)  # connects, never sends a request
    client = ClickToCallClient(standin.url, read_timeout=30)
    thread, results = call_in_thread(client)
    assert standin.wait_for_requests(1, timeout=5)
    started = time.monotonic()
    standin.stop()
    assert time.monotonic() - started < 1.0
    thread.join(5)
    assert results[0].outcome is Outcome.UNKNOWN
    idle.close()
    client.close()


def test_start_and_stop_are_idempotent_and_the_url_follows_the_port() -> None:
    service = StandInService()
    with pytest.raises(RuntimeError):
        _ = service.url
    service.start()
    assert service.start() is service
    assert service.url == f"http://127.0.0.1:{service.port}/ibp_api.php"
    service.stop()
    service.stop()


def test_a_taken_port_raises_oserror(standin: StandInService) -> None:
    with pytest.raises(OSError):
        StandInService(port=standin.port).start()


def test_tls_stand_in(tmp_path: Path) -> None:
    files = make_tls_files(tmp_path)
    with running_standin(tls=files.tls) as service:
        assert service.url.startswith("https://")
        response = get(service.url, good_params(), verify=str(files.ca_path))
        assert response.text == "Call Connected"
        with pytest.raises(requests.exceptions.SSLError):
            get(service.url, good_params(), verify=True)
        stalled = socket.create_connection(("127.0.0.1", service.port), timeout=5)  # no handshake ever
        assert get(service.url, good_params(), verify=str(files.ca_path)).status_code == 200  # still serving
        stalled.close()


def test_request_log_lines_are_redacted(standin: StandInService, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="c2c_desktop.core.simulator")
    get(standin.url, good_params())
    get(f"{standin.url}?secret_access_key={CANARY}%zz bad request line")
    assert "secret_access_key=***" in caplog.text
    assert_no_canary(caplog.text)


# ---- the CLI entry point


class ReadyAwareOutput(io.StringIO):
    """Captures the CLI's output and signals once it has said it is ready."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Press Ctrl+C" in self.getvalue():
            self.ready.set()
        return written


def test_serve_forever_cli_prints_where_and_how_and_stops_on_request() -> None:
    out = ReadyAwareOutput()
    done = threading.Event()
    runner = threading.Thread(
        target=serve_forever_cli, args=("127.0.0.1", 0, 0.0), kwargs={"out": out, "stop_event": done}
    )
    runner.start()
    try:
        assert out.ready.wait(5)
        url = out.getvalue().split("listening on ", 1)[1].split()[0]
        with ClickToCallClient(url, read_timeout=5) as client:
            result = client.place_call(call_request(), Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY))
        assert result.outcome is Outcome.CONNECTED
    finally:
        done.set()
        runner.join(5)
    assert not runner.is_alive()
    text = out.getvalue()
    assert DEMO_ACCESS_KEY in text and DEMO_SECRET_ACCESS_KEY in text
    assert "secret_access_key=***" in text  # one redacted line per request
    assert text.rstrip().endswith("Stand-in stopped.")


def test_serve_forever_cli_prints_each_request_line_once_even_with_a_root_handler() -> None:
    # The CLI configures a root handler; the request lines must not reach the terminal twice through it.
    out = ReadyAwareOutput()
    root_handler = logging.StreamHandler(out)
    root = logging.getLogger()
    simulator_log = logging.getLogger("c2c_desktop.core.simulator")
    root.addHandler(root_handler)
    done = threading.Event()
    runner = threading.Thread(
        target=serve_forever_cli, args=("127.0.0.1", 0, 0.0), kwargs={"out": out, "stop_event": done}
    )
    try:
        runner.start()
        assert out.ready.wait(5)
        url = out.getvalue().split("listening on ", 1)[1].split()[0]
        with ClickToCallClient(url, read_timeout=5) as client:
            result = client.place_call(call_request(), Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY))
        assert result.outcome is Outcome.CONNECTED
        done.set()
        runner.join(5)
        assert not runner.is_alive()
        request_lines = [line for line in out.getvalue().splitlines() if "GET /ibp_api.php" in line]
        assert len(request_lines) == 1, out.getvalue()
        assert simulator_log.propagate  # restored after serving
    finally:
        done.set()
        runner.join(5)
        root.removeHandler(root_handler)


def test_simulator_process_stops_cleanly_on_ctrl_c() -> None:
    code = "from c2c_desktop.core.simulator import serve_forever_cli; raise SystemExit(serve_forever_cli(port=0))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Stand-in click-to-call service listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        for _ in range(4):
            process.stdout.readline()  # keys, rule, "Press Ctrl+C"
        assert get(url, {"action": "clickto.call"}).status_code == 401
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Stand-in stopped." in out and "Traceback" not in err
