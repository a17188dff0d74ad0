"""Print what the client makes of every stand-in fault mode (the table in the README and the issue notes).

Usage: .venv/bin/python scripts/fault_matrix.py
"""

from __future__ import annotations

import time

from c2c_desktop.core.api import ClickToCallClient
from c2c_desktop.core.models import CallRequest, Credentials
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, Fault, StandInService


def main() -> None:
    credentials = Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)
    print("| fault | outcome | requests seen | seconds | message |")
    print("|---|---|---|---|---|")
    with StandInService(delay_seconds=5) as service:
        for fault in Fault:
            service.reset()
            service.fault = fault
            service.delay_seconds = 5
            number = "5552010007" if fault is Fault.NONE else "5552010003"
            client = ClickToCallClient(service.url, connect_timeout=2, read_timeout=3, total_deadline=4)
            started = time.monotonic()
            result = client.place_call(CallRequest("5552010001", number), credentials)
            took = time.monotonic() - started
            client.close()
            print(f"| {fault} | {result.outcome} | {service.request_count} | {took:.1f} | {result.message} |")
    refused = ClickToCallClient("http://127.0.0.1:9/ibp_api.php", connect_timeout=2, read_timeout=3)
    result = refused.place_call(CallRequest("5552010001", "5552010003"), credentials)
    print(f"| (nothing listening) | {result.outcome} | 0 | - | {result.message} |")


if __name__ == "__main__":
    main()
