"""The team workspace under load (issue 13, acceptance 9): many agents claiming, dialing and pushing on one server.

What runs: a throwaway PostgreSQL cluster (tests/pg_cluster.py, fsync off like the tests) with the team schema,
--agents login roles (each its own role, made by admin.add_agent, with a SCRAM password), --lists shared lists in
which a quarter of the items repeat a number of another list (as merged lead files do), and the stand-in
click-to-call service over loopback. Each agent gets its own connection over loopback TCP, logged in as its own
role: the claim functions name the agent by session_user, so a shared connection that switched with SET ROLE would
be one agent, not many. The cluster's max_connections is raised to fit (agents + 20).

The load is open-loop: dial j starts at j / --rate seconds, for agent j mod agents (each agent dials every
agents / rate seconds: 500 agents at 140 dials/s is one dial per agent every 3.6 s, 10x a real agent's pace of
~100 dials/h). --workers threads of this one process carry the dials out, each on the dialing agent's own
connection: what is simulated is the load of 500 agents on the server (500 sessions, 500 roles, their claims
and pushes), not 500 desktop processes. Per dial:
  1. claim_next on one of the agent's two lists (the other when that one has nothing now) - "claim" below;
  2. one HTTP request to the stand-in (it answers at once: no ring, no talk time);
  3. the call row pushed as the agent: INSERT ... ON CONFLICT (agent, client_uuid) DO UPDATE into c2c.calls;
  4. finish_item (done).

Checked at the end: duplicates - numbers the stand-in was asked to call more than once (the whole run is inside
the 24 h cool-off), and numbers with more than one row in c2c.calls; errors (any exception, an outcome other than
connected / no answer, a claim that found nothing on both lists, a dial not finished in time). The figures: claim
latency p50/p95/p99/max (wall clock around the claim, as the dialing thread sees it), the dial's whole time, the
achieved dials/s, how late dials started against their schedule, and the server's CPU (its processes' utime+stime
from /proc over the timed run). --no-guard replaces the per-number guard with "always yes" (only SKIP LOCKED on
list rows stays) to show the check finds the duplicates it is there for.

Exit status: 0 only with 0 duplicates and 0 errors. The cluster is stopped and its folder removed in every case.

Run: .venv/bin/python benchmarks/bench_team.py [--agents 500] [--rate 140] [--duration 60] [--workers 16]
[--lists 10] [--items N] [--quick] [--no-guard] [--json]
(--quick: 20 agents, 80 dials/s for 3 s, 4 lists: a smoke run; --items: the lists' size, to see the claim's cost
grow with it)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import secrets
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from c2c_desktop.core.api import ClickToCallClient  # noqa: E402
from c2c_desktop.core.models import CallRequest, Credentials, Outcome  # noqa: E402
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService  # noqa: E402
from c2c_desktop.core.team import admin  # noqa: E402
from c2c_desktop.core.team.server import Claim, TeamSession, connect, one_line, plain_errors  # noqa: E402
from tests.pg_cluster import Cluster, find_bin_dir, start_cluster  # noqa: E402

AGENT_NUMBER = "5552010001"
CREDENTIALS = Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)
DATABASE = "c2c_bench"
P99_TARGET_MS = 50.0
SPARE_CONNECTIONS = 20  # the owner's, the checks', PostgreSQL's own reserved ones
REPEAT_EVERY = 4  # one item in 4 repeats a number of the next list
#: How long after the last scheduled dial the run waits for the dials in flight before counting them as errors.
DRAIN_S = 30.0
#: The push of one finished call as core/team/sync.py does it (issue 13, SYNC): keyed by the client's UUID, never
#: moving a finished call back.
PUSH_SQL = """
INSERT INTO c2c.calls AS c (client_uuid, e164, list_item_id, state, outcome, disposition, started_at, finished_at,
                            team_guarded)
VALUES (%s, %s, %s, 'done', %s, %s, %s, %s, true)
ON CONFLICT (agent, client_uuid) DO UPDATE
   SET e164 = excluded.e164, list_item_id = excluded.list_item_id, state = excluded.state,
       outcome = excluded.outcome, disposition = excluded.disposition, finished_at = excluded.finished_at,
       team_guarded = excluded.team_guarded
 WHERE c.state <> 'done' OR excluded.state = 'done'
"""


@dataclass
class Agent:
    name: str
    password: str
    lists: tuple[int, int]
    session: TeamSession | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Results:
    claim_ms: list[float] = field(default_factory=list)
    claim_server_ms: list[float] = field(default_factory=list)
    push_ms: list[float] = field(default_factory=list)
    finish_ms: list[float] = field(default_factory=list)
    dial_ms: list[float] = field(default_factory=list)
    late_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    nothing_to_claim: int = 0
    done: int = 0
    settled: int = 0  # dials over, however they ended
    last_done: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def list_numbers(lists: int, items: int) -> list[list[str]]:
    """`lists` lists of `items` numbers; in list k, every REPEAT_EVERY-th item repeats the number one place earlier in
    list k+1 (so both copies come up at about the same time, when two groups of agents are at work)."""
    base = [[f"+1555{k:03d}{p:04d}" for p in range(items)] for k in range(lists)]
    out = []
    for k in range(lists):
        numbers = list(base[k])
        for p in range(REPEAT_EVERY - 1, items, REPEAT_EVERY):
            numbers[p] = base[(k + 1) % lists][p - 1]
        out.append(numbers)
    return out


def make_team(cluster: Cluster, agents: int, lists: int, items: int, no_guard: bool) -> list[Agent]:
    """The database, the schema, the lists (with a contact per number) and the agents' roles, each on two lists."""
    import psycopg

    with psycopg.connect(cluster.admin_conninfo(), autocommit=True) as superuser:
        superuser.execute(f"CREATE DATABASE {DATABASE}")
    with connect(cluster.socket_url("postgres", DATABASE)) as owner:
        admin.init_team(owner)
        if no_guard:
            owner.execute(
                "CREATE OR REPLACE FUNCTION c2c.take_number(number text, agent text, item bigint, exempt boolean, "
                "cool_off interval, lease interval) RETURNS boolean LANGUAGE sql AS 'SELECT true'"
            )
        numbers = list_numbers(lists, items)
        distinct = sorted({number for one_list in numbers for number in one_list})
        contact_ids = dict(
            owner.execute(
                "INSERT INTO c2c.contacts (name, e164) SELECT 'Prospect ' || right(n, 7), n FROM unnest(%s::text[]) n "
                "RETURNING e164, id",
                (distinct,),
            ).fetchall()
        )
        list_ids = []
        for k, one_list in enumerate(numbers):
            row = owner.execute("INSERT INTO c2c.call_lists (name) VALUES (%s) RETURNING id", (f"Leads {k + 1}",))
            list_id = int(row.fetchone()[0])  # type: ignore[index]
            owner.execute(
                "INSERT INTO c2c.list_items (list_id, position, e164, contact_id) "
                "SELECT %s, p, n, c FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY AS t(n, c, p)",
                (list_id, one_list, [contact_ids[number] for number in one_list]),
            )
            list_ids.append(list_id)
        team = []
        for index in range(agents):
            name, password = f"agent_{index + 1:03d}", secrets.token_urlsafe(12)
            admin.add_agent(owner, name, password)
            team.append(Agent(name, password, (list_ids[index % lists], list_ids[(index + 1) % lists])))
        for list_id, k in zip(list_ids, range(lists), strict=True):
            assignees = [agent.name for agent in team if list_id in agent.lists]
            admin.assign_list(owner, f"Leads {k + 1}", assignees)
        owner.execute("ANALYZE")
    return team


def connect_agents(cluster: Cluster, team: list[Agent]) -> float:
    """Each agent's own session over loopback TCP with its password; the seconds it took."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()

    def open_one(agent: Agent) -> None:
        agent.session = TeamSession.open(cluster.tcp_url(agent.name, DATABASE), agent.password)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(open_one, team))
    return time.perf_counter() - started


#: TeamSession.claim_next's query, plus the time the server spent on it: from the statement's arrival to after the
#: function ran (a set-returning PL/pgSQL function is run whole before the select list is computed). The outer join
#: answers one row (of NULLs) when there is nothing to claim, so that time is measured too.
CLAIM_SQL = (
    "SELECT c.*, 1000 * extract(epoch FROM clock_timestamp() - statement_timestamp())::float8 "
    "FROM (SELECT) AS one LEFT JOIN LATERAL c2c.claim_next(%s) AS c ON true"
)


def claim_next(session: TeamSession, list_id: int) -> tuple[Claim | None, float]:
    """TeamSession.claim_next, and the server's own time for it in ms."""
    with plain_errors():
        row = session.connection.execute(CLAIM_SQL, (list_id,)).fetchone()
    assert row is not None
    return (Claim(*row[:-1]) if row[0] is not None else None), float(row[-1])


def dial_once(agent: Agent, round_number: int, client: ClickToCallClient, results: Results) -> None:
    """One dial of `agent`: claim, the HTTP request, the push, finish_item. Failures go to results.errors."""
    session = agent.session
    assert session is not None
    first, second = agent.lists if round_number % 2 == 0 else agent.lists[::-1]
    started = time.perf_counter()
    claim, server_ms = claim_next(session, first)
    if claim is None:
        claim, more_ms = claim_next(session, second)
        server_ms += more_ms
    claimed = time.perf_counter()
    if claim is None:
        with results.lock:
            results.nothing_to_claim += 1
            results.errors.append(f"{agent.name}: nothing to claim on either list")
        return
    started_at = datetime.now(UTC)
    result = client.place_call(CallRequest(agent_number=AGENT_NUMBER, phone_to_call=claim.number[1:]), CREDENTIALS)
    if result.outcome not in (Outcome.CONNECTED, Outcome.NO_ANSWER):
        with results.lock:
            results.errors.append(f"{agent.name} {claim.number}: {result.outcome} {result.message}")
    dialed = time.perf_counter()
    session.connection.execute(
        PUSH_SQL,
        (
            uuid.uuid4(),
            claim.number,
            claim.item_id,
            str(result.outcome),
            "Not interested",
            started_at,
            datetime.now(UTC),
        ),
    )
    pushed = time.perf_counter()
    session.finish_item(claim.item_id, done=True, outcome=str(result.outcome))
    finished = time.perf_counter()
    with results.lock:
        results.claim_ms.append((claimed - started) * 1000)
        results.claim_server_ms.append(server_ms)
        results.push_ms.append((pushed - dialed) * 1000)
        results.finish_ms.append((finished - pushed) * 1000)
        results.dial_ms.append((finished - started) * 1000)
        results.done += 1
        results.last_done = finished


def run_load(team: list[Agent], service: StandInService, rate: float, duration: float, workers: int) -> Results:
    """Dial j at j / rate seconds for agent j mod len(team), for `duration` seconds; bounded by DRAIN_S after."""
    results = Results()
    total = int(rate * duration)
    work: queue.Queue[tuple[int, float] | None] = queue.Queue()
    started = time.perf_counter()

    def worker() -> None:
        client = ClickToCallClient(service.url, connect_timeout=2.0, read_timeout=5.0)
        try:
            while (item := work.get()) is not None:
                j, scheduled = item
                agent = team[j % len(team)]
                with agent.lock:
                    begin = time.perf_counter()
                    with results.lock:
                        results.late_ms.append((begin - scheduled) * 1000)
                    try:
                        dial_once(agent, j // len(team), client, results)
                    except Exception as exc:  # counted and reported; the run goes on
                        with results.lock:
                            results.errors.append(f"{agent.name}: {one_line(str(exc), agent.password)}")
                    finally:
                        with results.lock:
                            results.settled += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, name=f"dialer-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for j in range(total):
        scheduled = started + j / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put((j, scheduled))
    for _ in threads:
        work.put(None)
    deadline = time.perf_counter() + DRAIN_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    stuck = sum(thread.is_alive() for thread in threads)
    with results.lock:
        if results.settled < total:
            results.errors.append(
                f"{total - results.settled} dials not over {DRAIN_S:.0f} s after the last was due "
                f"({stuck} dialing threads still busy)"
            )
        results.last_done = results.last_done or time.perf_counter()
    results.last_done -= started
    return results


def server_processes(cluster: Cluster) -> list[Path]:
    """/proc entries of the postmaster and its children (the backends and PostgreSQL's own workers)."""
    root = cluster.server_pid()
    if root is None or not Path("/proc").is_dir():
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if int(entry.name) == root or ppid == root:
            found.append(entry)
    return found


def server_cpu_seconds(cluster: Cluster) -> float | None:
    """utime + stime of the server's processes, from /proc; None where there is no /proc."""
    ticks = 0
    processes = server_processes(cluster)
    for entry in processes:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK") if processes else None


def server_memory_mib(cluster: Cluster) -> float | None:
    """The server's memory: the proportional set size (shared pages split between the processes) of its processes."""
    kib = 0
    processes = server_processes(cluster)
    for entry in processes:
        try:
            for line in (entry / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kib += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return round(kib / 1024, 1) if processes else None


def percentile(values: list[float], p: float) -> float:
    """Nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values, default=0.0), 2),
    }


def check_duplicates(cluster: Cluster, service: StandInService) -> dict[str, int]:
    """Numbers asked of the stand-in more than once; numbers with more than one call row on the server; how many
    items were put off because their number had been claimed from another list (the guard at work)."""
    requested = Counter(request.params.get("phone_to_call", "") for request in service.requests)
    with connect(cluster.socket_url("postgres", DATABASE)) as owner:
        rows = owner.execute(
            "SELECT (SELECT count(*) FROM (SELECT e164 FROM c2c.calls GROUP BY e164 HAVING count(*) > 1) twice), "
            "(SELECT count(*) FROM c2c.calls), "
            "(SELECT count(*) FROM c2c.list_items WHERE number_busy_until IS NOT NULL)"
        ).fetchone()
    assert rows is not None
    return {
        "requests": sum(requested.values()),
        "dialed_twice": sum(1 for count in requested.values() if count > 1),
        "server_rows": int(rows[1]),
        "server_numbers_twice": int(rows[0]),
        "held_back_by_guard": int(rows[2]),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=140.0, help="dials per second, all agents together")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of dialing")
    parser.add_argument("--workers", type=int, default=16, help="threads carrying out the dials")
    parser.add_argument("--lists", type=int, default=10)
    parser.add_argument(
        "--items", type=int, default=0, help="items per list (default: twice each list's share of the dials, +50)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 agents, 80 dials/s, 3 s, 4 lists")
    parser.add_argument("--no-guard", action="store_true", help="without the per-number guard (shows duplicates)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.quick:
        args.agents, args.rate, args.duration, args.lists, args.workers = 20, 80.0, 3.0, 4, 8
    if args.agents < 2 or args.lists < 2 or args.rate <= 0 or args.duration <= 0 or args.workers < 1:
        parser.error("needs at least 2 agents and 2 lists, a positive rate and duration, and a worker")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)", file=sys.stderr)
        return 2

    def stop_on_term(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(143)  # the finally blocks below stop the cluster and remove its folder

    signal.signal(signal.SIGTERM, stop_on_term)
    # Twice the dials each list's share needs: a quarter of the items are repeats the guard puts off.
    items = args.items or math.ceil(args.rate * args.duration * 2 / args.lists) + 50
    setup_started = time.perf_counter()
    cluster = start_cluster(bin_dir, max_connections=args.agents + SPARE_CONNECTIONS)
    team: list[Agent] = []
    try:
        team = make_team(cluster, args.agents, args.lists, items, args.no_guard)
        connect_s = connect_agents(cluster, team)
        setup_s = time.perf_counter() - setup_started
        with StandInService(access_key=DEMO_ACCESS_KEY, secret_access_key=DEMO_SECRET_ACCESS_KEY) as service:
            cpu_before, wall_before = server_cpu_seconds(cluster), time.perf_counter()
            load_before = os.getloadavg()[0]
            results = run_load(team, service, args.rate, args.duration, args.workers)
            cpu_after, wall = server_cpu_seconds(cluster), time.perf_counter() - wall_before
            memory_mib = server_memory_mib(cluster)
            counts = check_duplicates(cluster, service)
    finally:
        for agent in team:
            if agent.session is not None:
                agent.session.close()
        cluster.stop()
    server_cores = (
        round((cpu_after - cpu_before) / wall, 2) if cpu_before is not None and cpu_after is not None else None
    )
    report: dict[str, Any] = {
        "agents": args.agents,
        "connections": len(team),
        "lists": args.lists,
        "items": items * args.lists,
        "rate": args.rate,
        "duration_s": args.duration,
        "workers": args.workers,
        "guard": not args.no_guard,
        "setup_s": round(setup_s, 2),
        "connect_s": round(connect_s, 2),
        "dials": results.done,
        "achieved_per_s": round(results.done / results.last_done, 1) if results.last_done > 0 else 0.0,
        "errors": len(results.errors),
        # The same numbers seen from both ends: the stand-in's request log and the server's call rows.
        "duplicates": max(counts["dialed_twice"], counts["server_numbers_twice"]),
        **counts,
        "claim_ms": figures(results.claim_ms),
        "claim_server_ms": figures(results.claim_server_ms),
        "push_ms": figures(results.push_ms),
        "finish_ms": figures(results.finish_ms),
        "dial_ms": figures(results.dial_ms),
        "late_ms": figures(results.late_ms),
        # Little's law: how many agents' connections were inside a statement at once, on average (a transaction
        # pool's size needs to cover this, with room for bursts).
        "connections_busy": round(
            (sum(results.claim_ms) + sum(results.push_ms) + sum(results.finish_ms)) / 1000 / results.last_done, 2
        )
        if results.last_done > 0
        else 0.0,
        "server_cpu_cores": server_cores,
        "server_memory_mib": memory_mib,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report, results.errors)
    return 0 if report["duplicates"] == 0 and report["errors"] == 0 else 1


def print_report(report: dict[str, Any], errors: list[str]) -> None:
    def line(name: str, ms: dict[str, float]) -> str:
        return f"{name:<8} p50 {ms['p50']:7.2f}  p95 {ms['p95']:7.2f}  p99 {ms['p99']:7.2f}  max {ms['max']:8.2f} ms"

    guard = "on" if report["guard"] else "OFF (take_number always yes)"
    print(
        f"{report['agents']} agents, each its own role and connection; {report['lists']} lists, "
        f"{report['items']} items (1 in {REPEAT_EVERY} repeats a number of another list); per-number guard {guard}"
    )
    print(
        f"setup {report['setup_s']} s (cluster, schema, roles, lists; the {report['connections']} logins "
        f"{report['connect_s']} s)"
    )
    print(
        f"asked {report['rate']:g} dials/s for {report['duration_s']:g} s with {report['workers']} dialing threads: "
        f"{report['dials']} dials, achieved {report['achieved_per_s']} dials/s"
    )
    print(line("claim", report["claim_ms"]) + f"   (target p99 <= {P99_TARGET_MS:g} ms)")
    print(line("  server", report["claim_server_ms"]) + "   (of which the server's own time)")
    print(line("push", report["push_ms"]))
    print(line("finish", report["finish_ms"]))
    print(line("dial", report["dial_ms"]) + "   (claim + HTTP + push + finish)")
    print(line("late", report["late_ms"]) + "   (start behind schedule)")
    print(
        f"duplicates {report['duplicates']}: {report['dialed_twice']} numbers asked of the stand-in twice "
        f"({report['requests']} requests), {report['server_numbers_twice']} numbers with two call rows "
        f"({report['server_rows']} rows); {report['held_back_by_guard']} repeated items held back by the guard"
    )
    print(f"errors {report['errors']}")
    print(f"connections inside a statement at once, on average: {report['connections_busy']}")
    for error in errors[:10]:
        print(f"  {error}")
    cores = report["server_cpu_cores"]
    print(
        f"server CPU {cores if cores is not None else '?'} cores busy on average, memory {report['server_memory_mib']} "
        f"MiB (PSS, {report['connections']} backends); load average "
        f"{report['load_before']} before, {report['load_after']} after (2 cores shared with other work)"
    )
    met = report["claim_ms"]["p99"] <= P99_TARGET_MS
    print(f"claim p99 {'within' if met else 'OVER'} the {P99_TARGET_MS:g} ms target")


if __name__ == "__main__":
    sys.exit(main())
