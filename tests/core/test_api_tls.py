"""TLS is always verified: a stand-in with a throw-away CA (trustme) is refused unless that CA is configured."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.api import ClickToCallClient
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from tests.standin import (
    CREDENTIALS,
    EXPECTED_OUTCOME,
    TlsFiles,
    assert_no_canary,
    call_request,
    fast_client,
    make_tls_files,
    result_texts,
    running_standin,
)


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return make_tls_files(tmp_path)


@pytest.fixture
def tls_standin(tls_files: TlsFiles) -> Iterator[StandInService]:
    with running_standin(tls=tls_files.tls) as service:
        yield service


def test_the_stand_in_serves_https(tls_standin: StandInService) -> None:
    assert tls_standin.url.startswith("https://127.0.0.1:")


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(
    tls_standin: StandInService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ClickToCallClient(tls_standin.url) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert "certificate could not be verified" in result.message
    assert tls_standin.request_count == 0  # the handshake failed, so the query with the keys never left
    assert_no_canary(*result_texts(result), caplog.text)


def test_the_configured_ca_is_trusted(tls_standin: StandInService, tls_files: TlsFiles) -> None:
    with ClickToCallClient(tls_standin.url, ca_bundle=str(tls_files.ca_path), read_timeout=5) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.CONNECTED
    assert tls_standin.request_count == 1


def test_localhost_name_is_verified_too(tls_standin: StandInService, tls_files: TlsFiles) -> None:
    url = tls_standin.url.replace("127.0.0.1", "localhost")
    with ClickToCallClient(url, ca_bundle=str(tls_files.ca_path), read_timeout=5) as client:
        assert client.place_call(call_request(), CREDENTIALS).outcome is Outcome.CONNECTED


def test_a_certificate_for_another_host_is_refused_even_with_its_ca(tmp_path: Path) -> None:
    files = make_tls_files(tmp_path, "example.org")
    with running_standin(tls=files.tls) as service, ClickToCallClient(service.url, ca_bundle=str(files.ca_path)) as c:
        result = c.place_call(call_request(), CREDENTIALS)
        assert service.request_count == 0
    assert result.outcome is Outcome.NOT_SENT
    assert "certificate could not be verified" in result.message


def test_https_to_a_plain_http_server_is_not_sent() -> None:
    with running_standin() as service, ClickToCallClient(service.url.replace("http://", "https://")) as client:
        result = client.place_call(call_request(), CREDENTIALS)
        assert service.request_count == 0
    assert result.outcome is Outcome.NOT_SENT


@pytest.mark.parametrize("fault", [Fault.RESET, Fault.TRUNCATED, Fault.HANG, Fault.SERVER_ERROR, Fault.UNAUTHORIZED])
def test_faults_after_the_handshake_are_judged_like_plain_http(
    tls_standin: StandInService, tls_files: TlsFiles, fault: Fault
) -> None:
    """A TLS error after the request left (e.g. a reset mid-stream) must be UNKNOWN, never NOT_SENT."""
    tls_standin.fault = fault
    with fast_client(tls_standin.url, fault, ca_bundle=str(tls_files.ca_path)) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is EXPECTED_OUTCOME[fault], result
    assert tls_standin.request_count == 1
