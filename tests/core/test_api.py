"""ClickToCallClient against the real stand-in and hand-made sockets over loopback: outcomes, one attempt, secrecy."""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool

from c2c_desktop.core import api
from c2c_desktop.core.api import (
    ClickToCallClient,
    SecretRedactingFilter,
    classify_response,
    install_log_redaction,
    redact_text,
    redact_url,
    validate_api_url,
    validate_request,
)
from c2c_desktop.core.models import CallRequest, CallResult, Credentials, Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from tests.standin import (
    ACCESS_KEY,
    AGENT_NUMBER,
    CANARY,
    CONNECTING_NUMBER,
    CREDENTIALS,
    EXPECTED_OUTCOME,
    NO_ANSWER_NUMBER,
    RawServer,
    assert_no_canary,
    call_request,
    closed_port,
    drip_headers,
    drip_tls_handshake,
    fast_client,
    full_backlog_port,
    make_tls_files,
    never_answer,
    raw_server,
    read_request_head,
    result_texts,
    running_standin,
)


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with running_standin() as service:
        yield service


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture everything at DEBUG, urllib3's request lines (which carry the query string) included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    return caplog


def leak_check(result: CallResult, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    captured = capsys.readouterr()
    assert_no_canary(*result_texts(result), captured.out, captured.err, caplog.text)
    for record in caplog.records:
        assert_no_canary(record.getMessage(), str(record.msg), record.exc_text or "")


# ---- every fault mode: the outcome, exactly one request, and no leak


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_gives_its_outcome_after_exactly_one_request_and_leaks_nothing(
    standin: StandInService, fault: Fault, debug_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.fault = fault
    with fast_client(standin.url, fault) as client:
        started = time.monotonic()
        result = client.place_call(call_request(), CREDENTIALS)
        took = time.monotonic() - started

    assert result.outcome is EXPECTED_OUTCOME[fault], result
    assert standin.request_count == 1  # no retry, no redirect followed, no re-send
    assert standin.requests[0].path == "/ibp_api.php"
    assert took < client.total_deadline + 1.0
    assert 0.0 <= result.elapsed_s <= took
    if result.outcome is Outcome.UNKNOWN:
        assert result.message.startswith("Unknown — ")
        assert "may still be ringing" in result.message and "not retried" in result.message
    if result.excerpt is not None:
        assert len(result.excerpt) <= 80 and result.excerpt.isprintable()
    assert "ibp_api.php" not in result.message and ACCESS_KEY not in result.message
    if result.http_status is not None:  # urllib3 logged the request line with its query, and the filter masked it
        assert any("secret_access_key=***" in record.getMessage() for record in debug_logs.records)
    leak_check(result, debug_logs, capsys)


def test_drip_is_cut_off_by_the_total_deadline_not_the_read_timeout(standin: StandInService) -> None:
    standin.fault = Fault.DRIP  # one byte every 0.3 s never trips a 1 s read timeout
    with ClickToCallClient(standin.url, read_timeout=1.0, total_deadline=1.5) as client:
        started = time.monotonic()
        result = client.place_call(call_request(), CREDENTIALS)
    assert time.monotonic() - started < 2.0
    assert result.outcome is Outcome.UNKNOWN
    assert "1.5 s" in result.message
    assert result.http_status == 200


def test_header_drip_is_cut_off_by_the_hard_deadline() -> None:
    """A server dribbling header bytes is outside any body loop: only the socket-closing deadline can stop it."""
    with raw_server(drip_headers) as server, ClickToCallClient(server.url, read_timeout=1.0, total_deadline=1.5) as c:
        started = time.monotonic()
        result = c.place_call(call_request(), CREDENTIALS)
        assert time.monotonic() - started < 2.5
        assert server.request_count == 1
    assert result.outcome is Outcome.UNKNOWN
    assert "within 1.5 s" in result.message


def test_tls_handshake_drip_is_cut_off_by_the_hard_deadline() -> None:
    """Python bounds a whole TLS handshake by the socket's timeout (here the 4 s connect timeout); a server feeding it a
    byte at a time is stopped sooner by the total deadline. Nothing is sent before the handshake completes: NOT_SENT."""
    with raw_server(drip_tls_handshake) as server:
        url = server.url.replace("http://", "https://")
        with ClickToCallClient(url, connect_timeout=4.0, read_timeout=1.0, total_deadline=1.5) as client:
            started = time.monotonic()
            result = client.place_call(call_request(), CREDENTIALS)
            took = time.monotonic() - started
        assert server.got_request.is_set()  # the ClientHello arrived: the handshake was under way when cut
    assert took < 2.5
    assert result.outcome is Outcome.NOT_SENT
    assert "could not be reached within 1.5 s" in result.message


def test_proxy_tunnel_drip_is_cut_off_by_the_hard_deadline() -> None:
    """A proxy answering CONNECT a byte at a time: only the deadline stops it, before anything reached the service."""
    with raw_server(drip_headers) as proxy:
        proxy_url = f"http://127.0.0.1:{proxy.port}"
        with ClickToCallClient(
            "https://c2c.example/ibp_api.php",
            connect_timeout=4.0,
            read_timeout=1.0,
            total_deadline=1.5,
            proxies={"https": proxy_url},
        ) as client:
            started = time.monotonic()
            result = client.place_call(call_request(), CREDENTIALS)
            took = time.monotonic() - started
        assert proxy.received and proxy.received[0].startswith(b"CONNECT c2c.example:443")
    assert took < 2.5
    assert result.outcome is Outcome.NOT_SENT
    assert "could not be reached within 1.5 s" in result.message


def test_hang_is_unknown_after_the_read_timeout(standin: StandInService) -> None:
    standin.fault = Fault.HANG
    with ClickToCallClient(standin.url, read_timeout=0.5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN
    assert "did not answer in 0.5 s" in result.message
    assert 0.45 <= result.elapsed_s < 2.0


def test_a_socket_that_accepts_and_never_answers_is_unknown_after_the_read_timeout() -> None:
    with raw_server(never_answer) as server, ClickToCallClient(server.url, read_timeout=0.5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
        assert server.got_request.is_set() and server.request_count == 1
    assert result.outcome is Outcome.UNKNOWN
    assert 0.45 <= result.elapsed_s < 2.0


# ---- the documented answers


@pytest.mark.parametrize(
    ("number", "outcome"),
    [(f"555201000{digit}", Outcome.NO_ANSWER if digit in "789" else Outcome.CONNECTED) for digit in "0123456789"],
)
def test_documented_answers(standin: StandInService, number: str, outcome: Outcome) -> None:
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(number), CREDENTIALS)
    assert result.outcome is outcome
    assert result.http_status == 200 and result.excerpt is None


def test_elapsed_covers_the_ring_time(standin: StandInService) -> None:
    standin.ring_seconds = 0.3
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(NO_ANSWER_NUMBER), CREDENTIALS)
    assert result.outcome is Outcome.NO_ANSWER
    assert 0.3 <= result.elapsed_s < 3.0


def test_parameters_reach_the_service_url_encoded(standin: StandInService) -> None:
    request = CallRequest(
        agent_number=AGENT_NUMBER,
        phone_to_call=CONNECTING_NUMBER,
        call_type=1,
        ref="R-42/&=?#",
        page="pricing.html?plan=pro&x=1 # é 中 +",
        first_callerid="5552010003",
        second_callerid="8005550100",
    )
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(request, CREDENTIALS).outcome is Outcome.CONNECTED
    (seen,) = standin.requests
    assert seen.method == "GET"
    assert seen.params == {
        "action": "clickto.call",
        "access_key": ACCESS_KEY,
        "secret_access_key": "***",
        "type": "1",
        "id": AGENT_NUMBER,
        "phone_to_call": CONNECTING_NUMBER,
        "page": request.page,
        "ref": request.ref,
        "first_callerid": "5552010003",
        "second_callerid": "8005550100",
    }


def test_optional_parameters_are_left_out_when_unset(standin: StandInService) -> None:
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(call_request(page="", ref=None), CREDENTIALS).outcome is Outcome.CONNECTED
    assert set(standin.requests[0].params) == {
        "action",
        "access_key",
        "secret_access_key",
        "type",
        "id",
        "phone_to_call",
    }
    assert standin.requests[0].params["type"] == "2"


def test_keys_are_sent_without_pasted_whitespace(standin: StandInService) -> None:
    pasted = Credentials(f"  {ACCESS_KEY}\n", f"{CANARY}\n")
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(call_request(), pasted).outcome is Outcome.CONNECTED


def test_wrong_keys_are_rejected_by_the_service(standin: StandInService) -> None:
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(), Credentials(ACCESS_KEY, "not-the-secret"))
    assert result.outcome is Outcome.REJECTED
    assert result.http_status == 401
    assert "keys" in result.message and result.excerpt == "Invalid access key"
    assert standin.request_count == 1


def test_wrong_path_is_rejected_as_configuration(standin: StandInService) -> None:
    with ClickToCallClient(standin.url.replace("ibp_api.php", "api.php"), read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert (result.outcome, result.http_status) == (Outcome.REJECTED, 404)
    assert "service URL" in result.message


def test_redirect_is_not_followed(standin: StandInService) -> None:
    standin.fault = Fault.REDIRECT
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert (result.outcome, result.http_status) == (Outcome.UNKNOWN, 302)  # it may have dialled first
    assert "redirect" in result.message
    assert [seen.path for seen in standin.requests] == ["/ibp_api.php"]  # /moved/ibp_api.php was never asked for


def test_per_number_fault_overrides_the_global_one(standin: StandInService) -> None:
    standin.fault_for_number["5552010004"] = Fault.SERVER_ERROR
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(call_request("5552010004"), CREDENTIALS).outcome is Outcome.UNKNOWN
        assert client.place_call(call_request("5552010003"), CREDENTIALS).outcome is Outcome.CONNECTED
    assert standin.request_count == 2  # one client, two calls, one request each


# ---- failures before sending are NOT_SENT


def test_connection_refused_is_not_sent(
    debug_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with ClickToCallClient(f"http://127.0.0.1:{closed_port()}/ibp_api.php") as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert result.message.startswith("Not sent: ") and "refused the connection" in result.message
    leak_check(result, debug_logs, capsys)


def test_connect_timeout_is_not_sent() -> None:
    with full_backlog_port() as port, ClickToCallClient(f"http://127.0.0.1:{port}/x", connect_timeout=0.5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert "within 0.5 s" in result.message
    assert 0.45 <= result.elapsed_s < 2.0


def test_dns_failure_is_not_sent(debug_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    with ClickToCallClient("https://no-such-host.invalid/ibp_api.php", connect_timeout=2) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert "host name could not be resolved" in result.message
    leak_check(result, debug_logs, capsys)


def test_proxy_failure_is_not_sent(standin: StandInService) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    with ClickToCallClient(standin.url, proxies={"http": proxy, "https": proxy}) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert "proxy" in result.message
    assert standin.request_count == 0


@pytest.mark.parametrize(
    ("request_", "credentials", "words"),
    [
        (call_request(call_type=3), CREDENTIALS, "call type"),
        (call_request(page="p" * 256), CREDENTIALS, "page"),
        (call_request(ref="r" * 33), CREDENTIALS, "ref"),
        (call_request(page="\ud800"), CREDENTIALS, "cannot be sent"),
        (CallRequest("555-201-0001", CONNECTING_NUMBER), CREDENTIALS, "agent number"),
        (call_request(""), CREDENTIALS, "number to call is missing"),
        (call_request("55"), CREDENTIALS, "too short"),
        (call_request("5" * 21), CREDENTIALS, "too long"),
        (call_request("٥٥٥٢٠١٠٠٠٣"), CREDENTIALS, "digits only"),  # Unicode digits are not the service's digits
        (call_request(first_callerid="caller"), CREDENTIALS, "first caller ID"),
        (call_request(second_callerid="12"), CREDENTIALS, "second caller ID"),
        (call_request(), None, "access keys are not set"),
        (call_request(), Credentials(ACCESS_KEY, "  "), "secret access key is missing"),
        (call_request(), Credentials("", CANARY), "access key is missing"),
    ],
)
def test_invalid_requests_are_not_sent(
    standin: StandInService, request_: CallRequest, credentials: Credentials | None, words: str
) -> None:
    with ClickToCallClient(standin.url) as client:
        result = client.place_call(request_, credentials)
    assert result.outcome is Outcome.NOT_SENT
    assert result.message.startswith("Not sent: ") and words in result.message
    assert standin.request_count == 0
    assert_no_canary(*result_texts(result))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://secure.dialogtech.com/ibp_api.php", None),
        ("HTTPS://secure.dialogtech.com/ibp_api.php", None),
        ("http://127.0.0.1:8765/ibp_api.php", None),
        ("http://127.9.9.9/ibp_api.php", None),
        ("http://localhost:8765/ibp_api.php", None),
        ("http://[::1]:8765/ibp_api.php", None),
        ("http://secure.dialogtech.com/ibp_api.php", "must use https"),
        ("http://localhost.example.com/ibp_api.php", "must use https"),
        ("http://10.0.0.1/ibp_api.php", "must use https"),
        ("http://[::ffff:127.0.0.1]/ibp_api.php", "must use https"),
        ("ftp://127.0.0.1/ibp_api.php", "must use https"),
        ("secure.dialogtech.com/ibp_api.php", "must use https"),
        ("https:///ibp_api.php", "no host"),
        ("https://[::1/ibp_api.php", "not a valid URL"),
        ("https://host:99999999/", "not a valid URL"),
        ("", "missing"),
    ],
)
def test_service_url_rules(url: str, problem: str | None) -> None:
    found = validate_api_url(url)
    assert found is None if problem is None else problem in (found or "")


def test_plain_http_to_a_remote_host_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    sends: list[Any] = []
    monkeypatch.setattr(HTTPAdapter, "send", lambda *args, **kwargs: sends.append(args))
    with ClickToCallClient("http://secure.dialogtech.com/ibp_api.php") as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert result.message == "Not sent: the service URL must use https."
    assert sends == []


def test_validate_request_reports_each_bad_field_once() -> None:
    request = CallRequest(agent_number="abc", phone_to_call="1", call_type=0, ref="r" * 40)
    problems = validate_request(request, Credentials("", ""), api_url="http://example.com/x")
    assert problems == [
        "the call type must be 1 or 2",
        "the agent number must contain digits only",
        "the number to call 1 is too short (at least 3 digits)",
        "the ref is longer than 32 characters",
        "the access key is missing",
        "the secret access key is missing",
        "the service URL must use https",
    ]
    assert validate_request(call_request(), CREDENTIALS) == []
    assert validate_request(call_request(call_type=True), CREDENTIALS) == ["the call type must be 1 or 2"]


def test_place_call_never_raises_on_garbage(standin: StandInService) -> None:
    garbage: Any = CallRequest(agent_number=None, phone_to_call=5552010003, call_type="2", page=7)
    with ClickToCallClient(standin.url) as client:
        assert client.place_call(garbage, CREDENTIALS).outcome is Outcome.NOT_SENT
        assert client.place_call("not a request", CREDENTIALS).outcome is Outcome.NOT_SENT
        assert client.place_call(call_request(), "not credentials").outcome is Outcome.NOT_SENT
    assert standin.request_count == 0


def test_unexpected_error_before_sending_is_not_sent(standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: Any) -> Any:
        raise RuntimeError(f"boom with {CANARY}")

    monkeypatch.setattr(api, "_query_params", explode)
    with ClickToCallClient(standin.url) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert standin.request_count == 0
    assert_no_canary(*result_texts(result))


def test_unexpected_error_after_sending_is_unknown(standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"boom with {CANARY}")

    monkeypatch.setattr(api, "classify_response", explode)
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN
    assert "not retried" in result.message
    assert standin.request_count == 1
    assert_no_canary(*result_texts(result))


def test_missing_ca_bundle_is_not_sent(standin: StandInService) -> None:
    with ClickToCallClient(standin.url, ca_bundle="/nonexistent/ca.pem") as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT and "CA bundle" in result.message
    assert standin.request_count == 0


def test_a_closed_client_sends_nothing(standin: StandInService) -> None:
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.CONNECTED
    assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.NOT_SENT
    assert standin.request_count == 1


@pytest.mark.parametrize(
    "options",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1},
        {"read_timeout": math.inf},
        {"total_deadline": math.nan},
        {"max_body_bytes": 10},
        {"connect_timeout": True},
    ],
)
def test_nonsense_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ClickToCallClient(**options)


def test_default_settings() -> None:
    with ClickToCallClient() as client:
        assert client.api_url == api.DEFAULT_API_URL == "https://secure.dialogtech.com/ibp_api.php"
        assert (client.connect_timeout, client.read_timeout, client.total_deadline) == (5.0, 120.0, 135.0)
        assert client.max_body_bytes == 4096


# ---- every request has a timeout and no retry policy


def test_every_request_carries_a_connect_and_read_timeout_and_no_retry_policy(
    standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter_calls: list[dict[str, Any]] = []
    pool_calls: list[dict[str, Any]] = []
    real_send, real_urlopen = HTTPAdapter.send, HTTPConnectionPool.urlopen

    def spy_send(self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        adapter_calls.append(kwargs)
        return real_send(self, request, **kwargs)

    def spy_urlopen(self: HTTPConnectionPool, method: str, url: str, **kwargs: Any) -> Any:
        pool_calls.append(kwargs)
        return real_urlopen(self, method, url, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy_send)
    monkeypatch.setattr(HTTPConnectionPool, "urlopen", spy_urlopen)
    with ClickToCallClient(standin.url, connect_timeout=1.5, read_timeout=0.5) as client:
        for fault in (Fault.NONE, Fault.HANG, Fault.REDIRECT, Fault.RESET):
            standin.fault = fault
            client.place_call(call_request(), CREDENTIALS)
    with ClickToCallClient(f"http://127.0.0.1:{closed_port()}/x", connect_timeout=1.5, read_timeout=0.5) as client:
        client.place_call(call_request(), CREDENTIALS)

    assert len(adapter_calls) == 5 and len(pool_calls) == 5
    for kwargs in adapter_calls:
        assert kwargs["timeout"] == (1.5, 0.5)
        assert kwargs["verify"] not in (False, None, "") and kwargs["stream"] is True  # True or a CA bundle path
    for kwargs in pool_calls:
        assert (kwargs["timeout"].connect_timeout, kwargs["timeout"].read_timeout) == (1.5, 0.5)
        assert kwargs["retries"].total == 0 and kwargs["retries"].read is False
        assert kwargs["redirect"] is False


# ---- classification


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b"Call Connected", Outcome.CONNECTED),
        (200, b"\xef\xbb\xbfCall Connected\r\n", Outcome.CONNECTED),
        (200, b"  \n\tNo Answer \n", Outcome.NO_ANSWER),
        (200, b"call connected", Outcome.UNKNOWN),  # exact, case-sensitive: the documentation's words only
        (200, b"Call Connected.", Outcome.UNKNOWN),
        (200, b"Call Connected\nNo Answer", Outcome.UNKNOWN),
        (200, b"Call\xc2\xa0Connected", Outcome.UNKNOWN),
        (200, b"Call Connected\x00", Outcome.UNKNOWN),
        (200, b"<html><body>Call Connected</body></html>", Outcome.UNKNOWN),
        (200, b"<p>No Answer</p>", Outcome.UNKNOWN),
        (200, b"", Outcome.UNKNOWN),
        (200, b"\xff\xfe\x00C", Outcome.UNKNOWN),
        (200, b"OK", Outcome.UNKNOWN),
        (201, b"Call Connected", Outcome.UNKNOWN),
        (204, b"", Outcome.UNKNOWN),
        (500, b"Call Connected", Outcome.UNKNOWN),
        (502, b"<html>Bad Gateway</html>", Outcome.UNKNOWN),
        (418, b"", Outcome.UNKNOWN),
        (-1, b"", Outcome.UNKNOWN),
        (200, b"<?xml version='1.0'?><response><result>failed</result></response>", Outcome.REJECTED),
        (200, b"<response><result> FAILED </result></response>", Outcome.REJECTED),
        # Undocumented bodies never mean "nothing was dialled": every 5xx and every free text is UNKNOWN.
        (500, b"<response><result>failed</result></response>", Outcome.UNKNOWN),
        (200, b"<response><result>error</result></response>", Outcome.UNKNOWN),
        (200, b"Invalid access key", Outcome.UNKNOWN),
        (200, b"Invalid phone_to_call", Outcome.UNKNOWN),
        (200, b"Invalid caller id, call placed", Outcome.UNKNOWN),
        (500, b"Access denied", Outcome.UNKNOWN),
        (500, b"Invalid response from upstream carrier", Outcome.UNKNOWN),
        (502, b"Unauthorized gateway, the carrier may have been reached", Outcome.UNKNOWN),
        (503, b"<result>failed</result>", Outcome.UNKNOWN),
        (200, b"<html><result>failed</result></html>", Outcome.UNKNOWN),
        (401, b"", Outcome.REJECTED),
        (403, b"Forbidden", Outcome.REJECTED),
        (400, b"Invalid id", Outcome.REJECTED),
        (404, b"<html>Not Found</html>", Outcome.REJECTED),
        (429, b"", Outcome.REJECTED),
        (301, b"", Outcome.UNKNOWN),
        (307, b"Call Connected", Outcome.UNKNOWN),
    ],
)
def test_classification(status: int, body: bytes, outcome: Outcome) -> None:
    result = classify_response(status, body, "text/html")
    assert result.outcome is outcome
    assert result.message
    if outcome is Outcome.UNKNOWN:
        assert "not retried" in result.message


def test_status_specific_messages() -> None:
    assert "check the access key and secret" in classify_response(403, b"").message
    assert "slow down" in classify_response(429, b"").message
    assert "HTTP 302" in classify_response(302, b"").message and "service URL" in classify_response(302, b"").message
    free_text = classify_response(200, b"Invalid access key")
    assert "unexpected text" in free_text.message and free_text.excerpt == "Invalid access key"
    assert "HTTP 503" in classify_response(503, b"").message


def test_excerpt_is_short_printable_and_redacted() -> None:
    echoed = f"Error for /ibp_api.php?access_key={ACCESS_KEY}&secret_access_key={CANARY}&id=1\n\x1b[31m".encode()
    result = classify_response(200, echoed + b"x" * 500, secrets=[CANARY, ACCESS_KEY])
    assert result.excerpt is not None
    assert len(result.excerpt) <= 80 and result.excerpt.isprintable()
    assert CANARY not in result.excerpt and ACCESS_KEY not in result.excerpt
    # a bare echo of the secret (no key= before it), also URL-encoded
    bare = classify_response(200, f"you sent {CANARY} and {CANARY.replace('-', '%2D')}".encode(), secrets=[CANARY])
    assert bare.excerpt is not None and CANARY not in bare.excerpt and "%2D" not in bare.excerpt
    assert classify_response(200, b"\x00\x01\x02").excerpt == "(3 bytes of binary data)"
    assert classify_response(200, b"Call Connected").excerpt is None


def test_oversized_answer_is_unknown_even_when_it_starts_with_success(standin: StandInService) -> None:
    standin.fault = Fault.OVERSIZED
    with ClickToCallClient(standin.url, read_timeout=5, max_body_bytes=1024) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN and "longer than 1024 bytes" in result.message


def test_truncated_answer_is_unknown_even_when_it_reads_like_success(standin: StandInService) -> None:
    standin.fault = Fault.TRUNCATED
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN and "cut off" in result.message
    assert result.excerpt == "partial answer: Call Connected"


# ---- redaction


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://h/ibp_api.php?action=clickto.call&access_key=AK&secret_access_key={CANARY}&id=1",
            "https://h/ibp_api.php?action=clickto.call&access_key=***&secret_access_key=***&id=1",
        ),
        (f"http://h/x?Secret_Access_Key={CANARY}", "http://h/x?Secret_Access_Key=***"),
        (f"http://h/x?secret%5Faccess%5Fkey={CANARY}&a=b", "http://h/x?secret%5Faccess%5Fkey=***&a=b"),
        (f"http://user:{CANARY}@h/x", "http://***@h/x"),
        ("https://h/ibp_api.php", "https://h/ibp_api.php"),
        (f"http://[::1/x?secret_access_key={CANARY}", "http://[::1/x?secret_access_key=***"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_masks_json_and_literal_secrets() -> None:
    text = f'{{"secret_access_key": "{CANARY}", "access_key": "AK"}} and again {CANARY}'
    redacted = redact_text(text, [CANARY])
    assert CANARY not in redacted and '"access_key": "***"' in redacted


def test_log_filter_masks_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.redaction")
    logger.addFilter(SecretRedactingFilter())
    caplog.set_level(logging.DEBUG, logger="tests.redaction")
    url = f"/ibp_api.php?access_key=AK&secret_access_key={CANARY}"
    logger.debug('%s://%s:%s "GET %s HTTP/1.1" 200 None', "https", "h", 443, url)
    try:
        raise ValueError(f"failed for {url}")
    except ValueError:
        logger.exception("boom")
    assert_no_canary(caplog.text, *(record.getMessage() for record in caplog.records))
    assert "secret_access_key=***" in caplog.records[0].getMessage()
    assert "ValueError" in caplog.text


def test_install_log_redaction_is_idempotent_and_covers_urllib3() -> None:
    install_log_redaction()
    install_log_redaction()
    for name in ("urllib3.connectionpool", "requests", ""):
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, SecretRedactingFilter)]
        assert len(filters) == 1


def test_environment_proxy_is_bypassed_for_a_loopback_stand_in(
    standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.CONNECTED


# ---- abort(): the app cuts the wait short from another thread

CANCELLED = "the app cancelled the wait"
CANCELLED_BEFORE_SENDING = "the app cancelled the call before it was sent"


class CallInThread:
    """`client.place_call` on its own thread, as the GUI's worker runs it; `result()` waits for it (bounded)."""

    def __init__(self, client: ClickToCallClient) -> None:
        self._results: list[CallResult] = []
        self._thread = threading.Thread(
            target=lambda: self._results.append(client.place_call(call_request(), CREDENTIALS))
        )
        self._thread.start()

    def result(self, timeout: float = 5.0) -> CallResult:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "place_call did not return"
        return self._results[0]


def answer_then_hold(connection: socket.socket, server: RawServer) -> None:
    """Send a whole success answer without a length, then keep the connection open: its end is never seen."""
    read_request_head(connection, server)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nCall Connected")
    server.stop.wait()


def test_abort_during_a_hanging_request_is_unknown_at_once(standin: StandInService) -> None:
    standin.fault = Fault.HANG
    with ClickToCallClient(standin.url, read_timeout=30) as client:  # only the abort can end this quickly
        call = CallInThread(client)
        assert standin.wait_for_requests(1, 5)
        aborted_at = time.monotonic()
        client.abort()
        result = call.result()
        assert time.monotonic() - aborted_at < 1.0
    assert result.outcome is Outcome.UNKNOWN
    assert CANCELLED in result.message and "may still be ringing" in result.message
    assert "within" not in result.message and "did not answer" not in result.message  # not the deadline's words
    assert standin.request_count == 1


def test_abort_when_the_answer_has_no_visible_end_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cut ends a close-delimited body like a real end would: what was read so far proves nothing."""
    reading = threading.Event()
    read_answer = ClickToCallClient._read_answer

    def observed_read_answer(self: ClickToCallClient, *args: Any) -> CallResult:
        reading.set()
        return read_answer(self, *args)

    monkeypatch.setattr(ClickToCallClient, "_read_answer", observed_read_answer)
    with raw_server(answer_then_hold) as server, ClickToCallClient(server.url, read_timeout=30) as client:
        call = CallInThread(client)
        assert reading.wait(5)
        client.abort()
        result = call.result()
        assert server.request_count == 1
    assert result.outcome is Outcome.UNKNOWN
    assert CANCELLED in result.message
    assert result.http_status == 200


def test_abort_before_the_connection_is_ready_sends_nothing(
    standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An abort while the host name is being resolved: the connection that follows is closed unused."""
    resolving, resume = threading.Event(), threading.Event()
    real_getaddrinfo = socket.getaddrinfo

    def stalled_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "localhost" and not resume.is_set():
            resolving.set()
            resume.wait(5)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled_getaddrinfo)
    url = standin.url.replace("127.0.0.1", "localhost")
    with ClickToCallClient(url, read_timeout=30) as client:
        call = CallInThread(client)
        assert resolving.wait(5)
        client.abort()
        resume.set()
        result = call.result()
    assert result.outcome is Outcome.NOT_SENT
    assert result.message == f"Not sent: {CANCELLED_BEFORE_SENDING}."
    assert standin.request_count == 0


def test_abort_with_nothing_in_flight_does_nothing(standin: StandInService) -> None:
    with ClickToCallClient(standin.url, read_timeout=5) as client:
        client.abort()
        assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.CONNECTED
        client.abort()
        client.abort()
        assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.CONNECTED
    assert standin.request_count == 2


def test_abort_from_another_thread_cuts_a_tls_request(tmp_path: Path) -> None:
    files = make_tls_files(tmp_path)
    aborted_at: list[float] = []
    with (
        running_standin(tls=files.tls, fault=Fault.HANG) as service,
        ClickToCallClient(service.url, ca_bundle=str(files.ca_path), read_timeout=30) as client,
    ):

        def abort_once_the_request_arrived() -> None:
            if service.wait_for_requests(1, 5):
                aborted_at.append(time.monotonic())
                client.abort()

        aborter = threading.Thread(target=abort_once_the_request_arrived)
        aborter.start()
        result = client.place_call(call_request(), CREDENTIALS)
        returned_at = time.monotonic()
        aborter.join(5)
        assert service.request_count == 1
    assert aborted_at and returned_at - aborted_at[0] < 1.0
    assert result.outcome is Outcome.UNKNOWN
    assert CANCELLED in result.message


def test_close_then_abort_cuts_the_call_and_refuses_later_ones(standin: StandInService) -> None:
    standin.fault = Fault.HANG
    client = ClickToCallClient(standin.url, read_timeout=30)
    call = CallInThread(client)
    assert standin.wait_for_requests(1, 5)
    client.close()
    client.abort()
    assert call.result().outcome is Outcome.UNKNOWN
    later = client.place_call(call_request(), CREDENTIALS)
    assert later.outcome is Outcome.NOT_SENT and "closed" in later.message
    assert standin.request_count == 1


def _truncated_echo(body: bytes) -> Callable[[socket.socket, RawServer], None]:
    """A server that claims a longer body than it sends (so the answer is partial) and sends `body`."""

    def behaviour(connection: socket.socket, server: RawServer) -> None:
        read_request_head(connection, server)
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) + 100}\r\nContent-Type: text/plain\r\n\r\n"
        connection.sendall(head.encode() + body)
        connection.shutdown(socket.SHUT_WR)

    return behaviour


def test_secret_echoed_after_padding_is_redacted_before_the_excerpt_is_cut() -> None:
    # 300 spaces would have pushed the secret across the old 320-byte pre-cut: its first 20 characters leaked.
    body = b" " * 300 + f"echo secret_key {CANARY} and {ACCESS_KEY}".encode()
    with raw_server(_truncated_echo(body)) as server, ClickToCallClient(server.url, read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN and "cut off" in result.message
    assert result.excerpt == "partial answer: echo secret_key *** and ***"
    assert_no_canary(*result_texts(result))
    assert CANARY[:6] not in (result.excerpt or "")


@pytest.mark.parametrize("kept", [6, 20, len(CANARY) - 1])
def test_a_secret_cut_by_the_body_cap_is_masked(kept: int) -> None:
    body = b"x" * 50 + b" the key was " + CANARY[:kept].encode()
    with raw_server(_truncated_echo(body)) as server, ClickToCallClient(server.url, read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.excerpt is not None and result.excerpt.startswith("partial answer: ")
    assert result.excerpt.endswith("the key was ***") or result.excerpt.endswith("…")
    assert CANARY[:6] not in result.excerpt


def test_a_short_secret_prefix_is_left_alone_and_whole_answers_are_not_partial() -> None:
    assert classify_response(200, b"Invalid ABCDE", secrets=["ABCDEFGH"]).excerpt == "Invalid ABCDE"
    assert classify_response(200, b"Invalid ABCDEF", secrets=["ABCDEFGH"]).excerpt == "Invalid ***"


def test_oversized_answer_excerpt_is_labelled_partial() -> None:
    with running_standin() as standin, ClickToCallClient(standin.url, read_timeout=5) as client:
        standin.fault = Fault.OVERSIZED
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.UNKNOWN
    assert result.excerpt is not None and result.excerpt.startswith("partial answer: Call Connected")


def test_a_secret_in_use_is_masked_in_logs_even_without_a_key_pattern(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from c2c_desktop.core.redaction import install_log_redaction, register_secret

    secret = "S3cr&t;Key+==canary"  # characters that end the key=value pattern early
    install_log_redaction()
    register_secret(secret)
    log = logging.getLogger("c2c_desktop.core.api")
    with caplog.at_level(logging.DEBUG, logger="c2c_desktop.core.api"):
        log.debug("the service echoed SECRET_ACCESS_KEY: %s and %s", secret, "S3cr&amp;t;Key+==canary")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "canary" not in text
    assert "***" in text
