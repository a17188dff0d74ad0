"""What api.py relies on beyond the public API of requests and urllib3, and what it does when that changes.

The attempt tracking (hard deadline, NOT_SENT vs UNKNOWN) hooks into urllib3's connection and pool classes and
requests' adapter. An upgrade that changes them must fail here, loudly, and make the app refuse to send: never send
untracked (without the deadline) or with retries (a double dial).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import urllib3
import urllib3.poolmanager
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.response import BaseHTTPResponse, HTTPResponse
from urllib3.util.retry import Retry

from c2c_desktop.core import api
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import StandInService
from tests.standin import CREDENTIALS, call_request, fast_client, running_standin


@pytest.fixture(autouse=True)
def fresh_check() -> Iterator[None]:
    """`http_stack_problem` is checked once per process: each test checks again, and leaves no verdict behind."""
    api.http_stack_problem.cache_clear()
    yield
    api.http_stack_problem.cache_clear()


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with running_standin() as service:
        yield service


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_private_parts_api_relies_on_are_as_it_expects() -> None:
    # If this fails after an upgrade, read api.py's http_stack_problem before widening anything.
    assert requests.__version__.split(".")[0] == "2" and urllib3.__version__.split(".")[0] == "2"
    # Overridden: the socket is watched from the moment TCP is up, and connect() says when the request may leave.
    assert "_new_conn" in vars(HTTPConnection) and parameters(HTTPConnection._new_conn) == ["self"]
    assert "connect" in vars(HTTPConnection) and "connect" in vars(HTTPSConnection)
    assert parameters(HTTPConnection.connect) == ["self"] and parameters(HTTPSConnection.connect) == ["self"]
    assert "sock" in vars(HTTPConnection("127.0.0.1", 9))
    # Replaced: the connection class of a pool, and the pool classes of a pool manager (also a proxy's).
    assert vars(HTTPConnectionPool)["ConnectionCls"] is HTTPConnection
    assert vars(HTTPSConnectionPool)["ConnectionCls"] is HTTPSConnection
    assert PoolManager().pool_classes_by_scheme == {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}
    assert "self.pool_classes_by_scheme[scheme]" in inspect.getsource(PoolManager._new_pool)
    assert parameters(HTTPAdapter.init_poolmanager) == ["self", "connections", "maxsize", "block", "pool_kwargs"]
    assert parameters(HTTPAdapter.proxy_manager_for) == ["self", "proxy", "proxy_kwargs"]
    # No retry of any kind, and the body read in capped pieces.
    retries = HTTPAdapter(max_retries=0).max_retries
    assert isinstance(retries, Retry) and retries.total == 0 and retries.read is False
    assert parameters(HTTPResponse.read1) == ["self", "amt", "decode_content"]
    from urllib3.util.ssl_match_hostname import CertificateError  # noqa: F401  (imported by api.py)

    assert api.http_stack_problem() is None


def test_a_call_goes_through_the_tracked_connection(standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    for hook in ("on_connect_started", "on_socket_opened", "on_connected"):
        real = getattr(api._Attempt, hook)

        def spy(self: api._Attempt, *args: Any, _real: Callable[..., bool] = real, _hook: str = hook) -> bool:
            seen.append(_hook)
            return _real(self, *args)

        monkeypatch.setattr(api._Attempt, hook, spy)
    with fast_client(standin.url) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.CONNECTED and standin.request_count == 1
    assert seen == ["on_connect_started", "on_socket_opened", "on_connected"]


def _urllib3_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urllib3, "__version__", "3.0.0")


def _requests_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests, "__version__", "3.0.0")


def _no_new_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(HTTPConnection, "_new_conn")


def _pools_ignore_the_manager_s_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    real = PoolManager._new_pool

    def untracked(self: PoolManager, scheme: str, host: str, port: int, request_context: Any = None) -> Any:
        saved = self.pool_classes_by_scheme
        self.pool_classes_by_scheme = urllib3.poolmanager.pool_classes_by_scheme  # urllib3's own, whatever is set
        try:
            return real(self, scheme, host, port, request_context)
        finally:
            self.pool_classes_by_scheme = saved

    monkeypatch.setattr(PoolManager, "_new_pool", untracked)


def _pool_classes_renamed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_init, real_new_pool = PoolManager.__init__, PoolManager._new_pool

    def init(self: PoolManager, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.pool_classes = self.__dict__.pop("pool_classes_by_scheme")  # type: ignore[attr-defined]

    def new_pool(self: PoolManager, scheme: str, host: str, port: int, request_context: Any = None) -> Any:
        self.pool_classes_by_scheme = self.pool_classes  # type: ignore[attr-defined]  (what urllib3 reads now)
        return real_new_pool(self, scheme, host, port, request_context)

    monkeypatch.setattr(PoolManager, "__init__", init)
    monkeypatch.setattr(PoolManager, "_new_pool", new_pool)


def _retries_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    real = HTTPAdapter.__init__

    def retrying(self: HTTPAdapter, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        self.max_retries = Retry(3)

    monkeypatch.setattr(HTTPAdapter, "__init__", retrying)


def _no_read1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(HTTPResponse, "read1")
    monkeypatch.delattr(BaseHTTPResponse, "read1")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_urllib3_3, "urllib3 3.0.0 is not version 2.x"),
        (_requests_3, "requests 3.0.0 is not version 2.x"),
        (_no_new_conn, "HTTPConnection._new_conn() has changed"),
        (_pools_ignore_the_manager_s_classes, "no longer makes its http connections"),
        (_pool_classes_renamed, "PoolManager.pool_classes_by_scheme has changed"),
        (_retries_by_default, "max_retries=0 no longer means no retry"),
        (_no_read1, "read1(amt, decode_content=) has changed"),
    ],
    ids=[
        "urllib3 3",
        "requests 3",
        "no _new_conn",
        "pool classes ignored",
        "pool classes renamed",
        "retries",
        "no read1",
    ],
)
def test_changed_internals_send_nothing_and_say_why(
    standin: StandInService,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[pytest.MonkeyPatch], None],
    words: str,
) -> None:
    change(monkeypatch)
    with fast_client(standin.url) as client:
        result = client.place_call(call_request(), CREDENTIALS)
    assert result.outcome is Outcome.NOT_SENT
    assert words in result.message and "reinstall it with its requirements" in result.message
    assert "\n" not in result.message
    assert standin.request_count == 0  # neither untracked nor retried: not sent at all
