"""Claiming the next prospect on a shared list (issue 13, acceptance 1 and 2): no number is dialed twice within the
cool-off, whoever presses Next and whatever dies between a claim and its request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.team import admin
from c2c_desktop.core.team.server import TeamRefused, TeamSession
from tests.standin import CREDENTIALS, call_request, fast_client, running_standin
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres

PRESSES = 500
DISTINCT = 700
REPEATED = 300
ROOT = Path(__file__).resolve().parents[2]


def _leads() -> list[str]:
    """1,000 leads: 700 numbers, the first 300 of them twice (the copy 350 places later, as a merged list would)."""
    numbers = [f"+1555{index:07d}" for index in range(DISTINCT)]
    leads = list(numbers)
    for index in range(REPEATED):
        leads.insert(2 * index + 350, numbers[index])
    return leads


def _set_times(team_db: TeamDb, *, cool_off: str, lease: str) -> None:
    with team_db.owner() as owner:
        owner.execute("UPDATE c2c.team_settings SET cool_off = %s::interval, lease = %s::interval", (cool_off, lease))


def _shared_list(team_db: TeamDb, leads: list[str], *agents: str) -> int:
    with team_db.owner() as owner:
        list_id = admin.create_list(owner, "Shared", leads)
        admin.assign_list(owner, "Shared", agents)
    return list_id


def _press_next(
    team_db: TeamDb,
    agent: str,
    list_id: int,
    service: StandInService,
    errors: list[str],
    *,
    until_empty: bool = False,
) -> None:
    """One agent: Next pressed PRESSES times (or, `until_empty`, until a press gives nothing); each claim dialed
    against the stand-in, then finished."""
    try:
        with team_db.session(agent) as session, fast_client(service.url) as client:
            for _ in range(PRESSES):
                claim = session.claim_next(list_id)
                if claim is None:
                    if until_empty:
                        break
                    continue
                result = client.place_call(call_request(claim.number.lstrip("+")), CREDENTIALS)
                if result.outcome not in (Outcome.CONNECTED, Outcome.NO_ANSWER):
                    errors.append(f"{claim.number}: {result.message}")
                session.finish_item(claim.item_id, done=True, outcome=str(result.outcome))
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(f"{agent}: {exc!r}")


def _two_agents_press_next(team_db: TeamDb) -> tuple[Counter[str], float]:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, _leads(), alice, bob)
    errors: list[str] = []
    with running_standin() as service:
        threads = [
            threading.Thread(target=_press_next, args=(team_db, agent, list_id, service, errors))
            for agent in (alice, bob)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        # A press can find nothing while the other agent's claim holds the last open rows (SKIP LOCKED): one agent
        # presses on alone until the list gives nothing, so the count does not depend on that timing.
        _press_next(team_db, alice, list_id, service, errors, until_empty=True)
        elapsed = time.perf_counter() - started
        dialed = Counter("+" + request.params["phone_to_call"] for request in service.requests)
    assert errors == []
    return dialed, elapsed


def _disable_number_guard(team_db: TeamDb) -> None:
    """The variant without the per-number guard: only the list rows' SKIP LOCKED (what the prototype showed failing)."""
    with team_db.owner() as owner:
        owner.execute(
            "CREATE OR REPLACE FUNCTION c2c.take_number(number text, agent text, item bigint, exempt boolean, "
            "cool_off interval, lease interval) RETURNS boolean LANGUAGE sql AS 'SELECT true'"
        )


@pytest.mark.slow
def test_two_agents_pressing_next_never_dial_a_number_twice(team_db: TeamDb) -> None:
    dialed, elapsed = _two_agents_press_next(team_db)
    twice = sorted(number for number, count in dialed.items() if count > 1)
    assert twice == []
    assert sum(dialed.values()) == DISTINCT  # every number once; the copies wait for the cool-off
    print(
        f"\n{DISTINCT} claims dialed by 2 agents in {elapsed:.2f} s: {DISTINCT / elapsed:.0f} claims/s with the dials"
    )


@pytest.mark.slow
def test_without_the_number_guard_the_same_run_dials_numbers_twice(team_db: TeamDb) -> None:
    _disable_number_guard(team_db)
    dialed, _ = _two_agents_press_next(team_db)
    twice = [number for number, count in dialed.items() if count > 1]
    assert len(twice) == REPEATED  # SKIP LOCKED on list rows alone: each repeated number dialed twice
    assert sum(dialed.values()) == DISTINCT + REPEATED


_CLAIM_THEN_HANG = """
import sys, time
from c2c_desktop.core.team.server import TeamSession
session = TeamSession.open(sys.argv[1], sys.stdin.readline().strip())
claim = session.claim_next(int(sys.argv[2]))
print(claim.item_id, claim.number, flush=True)
time.sleep(600)  # killed here: after the claim, before the request
"""


def _wait_for(condition: Callable[[], object], timeout: float, step: float = 0.05) -> object:
    """Poll `condition` (a server-side state) until it is truthy or `timeout` passes; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def test_an_agent_killed_between_claim_and_request_holds_the_number_for_the_cool_off(team_db: TeamDb) -> None:
    _set_times(team_db, cool_off="3 seconds", lease="1 second")
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550001000", "+15550001001"], alice, bob)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", _CLAIM_THEN_HANG, team_db.url(alice), str(list_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(team_db.passwords[alice] + "\n")
            process.stdin.close()
            item_id, number = process.stdout.readline().split()
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(10)
    with team_db.session(bob) as session, team_db.owner() as owner:
        claimed_at = owner.execute("SELECT claimed_at FROM c2c.dial_guard WHERE e164 = %s", (number,)).fetchone()
        assert claimed_at is not None
        cool_off_ends = claimed_at[0] + timedelta(seconds=3)

        def server_now() -> datetime:
            row = owner.execute("SELECT clock_timestamp()").fetchone()
            assert row is not None
            return row[0]  # type: ignore[no-any-return]

        # During the lease bob gets the other lead; the killed claim's number is nobody's until its cool-off ends.
        other = session.claim_next(list_id)
        assert other is not None and other.number != number
        assert session.claim_number(number).claimed is False
        lease_over = _wait_for(
            lambda: (
                owner.execute(
                    "SELECT lease_until <= clock_timestamp() FROM c2c.list_items WHERE id = %s", (int(item_id),)
                ).fetchone()
                == (True,)
            ),
            timeout=5,
        )
        assert lease_over  # the item is not stuck with the dead agent
        while server_now() < cool_off_ends - timedelta(seconds=0.3):
            assert session.claim_next(list_id) is None, "claimed before the cool-off from the claim ended"
            answer = session.claim_number(number)
            assert answer.claimed is False and answer.last_by == alice and answer.in_progress is False
            time.sleep(0.1)
        retaken = _wait_for(lambda: session.claim_next(list_id), timeout=5)
        assert server_now() >= cool_off_ends
        assert retaken is not None and retaken.item_id == int(item_id) and retaken.number == number


def test_skip_releases_the_claim_and_keeps_an_earlier_cool_off(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550002000", "+15550002001"], alice, bob)
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session:
        first = alice_session.claim_next(list_id)
        assert first is not None
        assert alice_session.release_claim(item_id=first.item_id) is True
        again = bob_session.claim_next(list_id)
        assert again is not None and again.item_id == first.item_id and again.attempt == 1  # Skip is no attempt
        assert alice_session.release_claim(item_id=again.item_id) is False  # not alice's claim
        bob_session.finish_item(again.item_id, done=False, outcome="no answer")
        # Dialed by bob: the number stays in its cool-off for everyone, even after an ad-hoc claim is skipped.
        answer = alice_session.claim_number(first.number)
        assert answer.claimed is False and answer.last_by == bob and answer.in_progress is False
        forced = alice_session.claim_number(first.number, confirmed=True)
        assert forced.claimed is True
        assert alice_session.release_claim(number=first.number) is True
        assert bob_session.claim_number(first.number).last_by == bob


def test_a_skipped_ad_hoc_claim_frees_the_same_number_on_a_list_at_once(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550002500"], bob)
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session:
        assert alice_session.claim_number("+15550002500").claimed is True
        assert bob_session.claim_next(list_id) is None  # alice holds the number: the item is put off
        assert alice_session.release_claim(number="+15550002500") is True  # Skip
        claim = bob_session.claim_next(list_id)
        assert claim is not None and claim.number == "+15550002500"


def test_an_ad_hoc_claim_says_who_is_calling_and_is_never_taken_over_during_a_live_lease(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session:
        assert alice_session.claim_number("+15550003000").claimed is True
        answer = bob_session.claim_number("+15550003000", confirmed=True)
        assert answer.claimed is False and answer.in_progress is True and answer.last_by == alice
        assert answer.describe(datetime.now(UTC)) == f"{alice} is calling this number now"


def test_a_callback_is_exempt_from_the_cool_off_for_its_agent_only(team_db: TeamDb) -> None:
    _set_times(team_db, cool_off="1 hour", lease="1 second")
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550004000"], alice, bob)
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session, team_db.owner() as owner:
        claim = alice_session.claim_next(list_id)
        assert claim is not None
        now = owner.execute("SELECT now()").fetchone()
        assert now is not None
        assert alice_session.schedule_callback(claim.item_id, now[0]) is True
        assert bob_session.claim_next(list_id) is None  # reserved for alice, and in its cool-off
        callback = _wait_for(lambda: alice_session.claim_next(list_id), timeout=5)  # once alice's own lease ends
        assert callback is not None and callback.callback is True and callback.item_id == claim.item_id


def test_a_claim_says_how_long_its_lease_runs_by_the_servers_clock(team_db: TeamDb) -> None:
    _set_times(team_db, cool_off="1 hour", lease="10 minutes")
    alice = team_db.add_agent("alice")
    list_id = _shared_list(team_db, ["+15550004050"], alice)
    with team_db.session(alice) as session:
        claim = session.claim_next(list_id)
    assert claim is not None and 590 < claim.lease_seconds <= 600


def test_a_callback_does_not_override_another_agents_later_claim_of_its_number(team_db: TeamDb) -> None:
    _set_times(team_db, cool_off="1 hour", lease="1 minute")
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550004100"], alice)
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session, team_db.owner() as owner:
        claim = alice_session.claim_next(list_id)
        assert claim is not None
        assert alice_session.schedule_callback(claim.item_id, datetime.now(UTC)) is True
        # A day later (alice's claim aged past the cool-off), bob dials the number by hand; his lease has ended.
        owner.execute(
            "UPDATE c2c.dial_guard SET claimed_at = now() - interval '1 day', lease_until = now() - interval '1 day'"
        )
        assert bob_session.claim_number("+15550004100").claimed is True
        owner.execute("UPDATE c2c.dial_guard SET lease_until = now()")
        # alice's callback is due, but bob called the number within the cool-off: not hers to dial now.
        assert alice_session.claim_next(list_id) is None


def test_an_agents_own_ad_hoc_claim_asks_again_and_finish_number_ends_its_lease(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session:
        assert alice_session.claim_number("+15550004200").claimed is True
        again = alice_session.claim_number("+15550004200")
        assert again.claimed is False and again.in_progress is False and again.last_by == alice
        assert again.describe(datetime.now(UTC), me=alice) == "you called less than a minute ago"
        assert bob_session.claim_number("+15550004200", confirmed=True).in_progress is True  # alice's lease is live
        assert alice_session.finish_number("+15550004200") is True
        assert bob_session.claim_number("+15550004200", confirmed=True).claimed is True  # ended: bob may confirm
        assert alice_session.finish_number("+15550004200") is False  # bob's now, not alice's to end


def test_a_callback_cannot_reopen_a_finished_item(team_db: TeamDb) -> None:
    alice = team_db.add_agent("alice")
    list_id = _shared_list(team_db, ["+15550004300"], alice)
    with team_db.session(alice) as session:
        claim = session.claim_next(list_id)
        assert claim is not None
        assert session.finish_item(claim.item_id, done=True) is True
        assert session.schedule_callback(claim.item_id, datetime.now(UTC)) is False


def test_a_claim_in_progress_keeps_only_its_own_row_from_another_agent(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550004401", "+15550004402", "+15550004403"], alice, bob)
    with team_db.session(alice) as alice_session, team_db.session(bob) as bob_session:
        with bob_session.connection.transaction():
            bob_claim = bob_session.claim_next(list_id)  # not committed yet: its row locks are held
            assert bob_claim is not None
            alice_claim = alice_session.claim_next(list_id)
            assert alice_claim is not None and alice_claim.number == "+15550004402"
        assert bob_claim.number == "+15550004401"


def test_a_number_on_the_team_dnc_list_is_not_claimed(team_db: TeamDb) -> None:
    alice, boss = team_db.add_agent("alice"), team_db.add_agent("boss", manager=True)
    list_id = _shared_list(team_db, ["+15550005000", "+15550005001"], alice)
    with team_db.session(boss) as manager:
        manager.connection.execute("INSERT INTO c2c.dnc (e164, reason) VALUES ('+15550005000', 'asked')")
    with team_db.session(alice) as session:
        claim = session.claim_next(list_id)
        assert claim is not None and claim.number == "+15550005001"
        assert session.claim_next(list_id) is None
        assert session.claim_number("+15550005000").on_dnc is True


def test_claiming_from_a_list_not_assigned_is_refused(team_db: TeamDb) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _shared_list(team_db, ["+15550006000"], alice)
    with team_db.session(bob) as session, pytest.raises(TeamRefused, match=f"not assigned to {bob}"):
        session.claim_next(list_id)


def test_session_open_reports_a_wrong_password_without_showing_it(team_db: TeamDb) -> None:
    alice = team_db.add_agent("alice")
    wrong = "Wrong-" + team_db.passwords[alice]
    with pytest.raises(TeamRefused) as raised:
        TeamSession.open(team_db.url(alice), wrong)
    where = f"127.0.0.1:{team_db.cluster.port}/{team_db.name}"
    assert str(raised.value) == f"wrong password for {alice} at {where}, or no such user"
    assert wrong not in str(raised.value) and "\n" not in str(raised.value)
