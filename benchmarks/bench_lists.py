"""Call lists at scale: a 10,000-item list whose contacts are among 100,000 (make_profile.py's contacts).

The core part of the calling session's steps, each as a median and p95 in milliseconds:
- `start`: load the list's items and find the first callable item, with a new `CallableNow` each round (what a
  session start does before its first card; target <= 300 ms). The first round also loads the phone-number
  metadata: it is printed on its own (`start_cold_ms`). `start_load_items`: the `lists.items` part of it (what a
  session would pay again if it read the whole list after each disposition instead of replacing the changed item).
- `next_card`: after the agent's disposition, `record_disposition` (journal and item in one transaction, the item
  moved on by its rule) and the next callable item (`CallableNow.first` over the items with the changed one
  replaced): the core part of "the next card is shown <= 50 ms after the disposition is saved". Measured over
  `--calls` consecutive calls of one session: each item's call is journaled and linked (`call_started`,
  `call_finished`) untimed first, as the real call would be; the dispositions cycle through "Not interested",
  "Left voicemail" and "Connected – interested".
- `recompute`: the `CallableNow.first` part of `next_card` alone ("callable now" recomputed after a change; target
  <= 50 ms).
- `start_all_closed`: start when no item is callable now (at night in every US zone: the worst case, every item
  judged).
- `next_opening_night`: at night, when the next item opens (`CallableNow.next_opening`: what the session shows when
  nothing is callable, at start and every 30 s); each area code's hours are judged once, not every item in full.
The guard runs on a fixed clock: a Wednesday 17:00 UTC (daytime in every US zone), and 07:00 UTC for the night.

Run: .venv/bin/python benchmarks/bench_lists.py [--profile DIR] [--rounds 21] [--calls 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import make_profile  # noqa: E402
from c2c_desktop.core.calllists import CallList, ListItem, NewItem, StoreCallLists  # noqa: E402
from c2c_desktop.core.config import Settings  # noqa: E402
from c2c_desktop.core.disposition_rules import default_rules  # noqa: E402
from c2c_desktop.core.list_work import CallableNow, call_finished, call_started, record_disposition  # noqa: E402
from c2c_desktop.core.models import CallRequest, CallResult, Outcome  # noqa: E402
from c2c_desktop.core.rules.guard import build_guard  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402

DAY = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 7, 0, tzinfo=UTC)
ITEMS = 10_000
DISPOSITIONS = ("Not interested", "Left voicemail", "Connected – interested")


def summary(name: str, seconds: Sequence[float], target: str = "") -> str:
    """ "name_ms: median 4.3 p95 6.1 max 7.0 (n=100) target <= 50"; p95 by the nearest rank."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    line = (
        f"{name}_ms: median {statistics.median(ordered) * 1000:.1f} p95 {p95 * 1000:.1f} "
        f"max {ordered[-1] * 1000:.1f} (n={len(ordered)})"
    )
    return line + (f" target <= {target}" if target else "")


def add_bench_list(store: Store, count: int = ITEMS) -> CallList:
    """A new list of `count` items, the contacts taken evenly through the profile's (so their area codes, and the
    calling hours that apply, are mixed as in a real list). Delete it at the end (`StoreCallLists.delete_list`)."""
    lists = StoreCallLists(store)
    made = lists.create_list(f"bench-{time.time_ns()}")
    rows = store.contact_rows()
    step = len(rows) // count
    lists.add_items(
        made.id,
        [NewItem(rows.primary_numbers[i], rows.ids[i], rows.names[i]) for i in range(0, step * count, step)],
    )
    return lists.require_list(made.name)


def _replaced(items: list[ListItem], changed: ListItem) -> list[ListItem]:
    return [changed if item.id == changed.id else item for item in items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a make_profile.py folder (default: a new 100k profile)")
    parser.add_argument("--rounds", type=int, default=21, help="session starts measured")
    parser.add_argument("--calls", type=int, default=100, help="dispositions measured, one session")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        profile = args.profile
        if profile is None:
            profile = Path(scratch) / "profile"
            make_profile.main(["--contacts", "100000", "--out", str(profile)])
        with Store(make_profile.profile_db_path(profile)) as store:
            lists = StoreCallLists(store)
            made = add_bench_list(store)
            contacts = store.contact_count()
            settings = Settings(agent_number="3125550100")
            rules = default_rules()
            guard = build_guard(settings, store, clock=lambda: DAY)
            starts, loads, nights, openings = [], [], [], []
            for _ in range(args.rounds):
                began = time.perf_counter()
                items = lists.items(made.id)
                loaded = time.perf_counter()
                first = CallableNow(store, guard, DAY).first(items)
                starts.append(time.perf_counter() - began)
                loads.append(loaded - began)
                assert first is not None
            # One session: call the first callable item, save a disposition, find the next; `calls` times.
            items = lists.items(made.id)
            order = CallableNow(store, guard, DAY)
            standing = order.first(items)
            next_cards, recomputes = [], []
            for n in range(args.calls):
                assert standing is not None
                item = standing.item
                entry = store.begin_call(CallRequest(settings.agent_number, item.e164[2:]), e164=item.e164)
                item = call_started(lists, item, entry.id)
                store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "bench"))
                item = call_finished(lists, rules, item, Outcome.CONNECTED, DAY)
                items = _replaced(items, item)
                began = time.perf_counter()
                changed = record_disposition(store, lists, rules, item, DISPOSITIONS[n % 3], DAY, guard=guard)
                recomputing = time.perf_counter()
                items = _replaced(items, changed)
                following = order.first(items)
                ended = time.perf_counter()
                next_cards.append(ended - began)
                recomputes.append(ended - recomputing)
                assert following is not None and following.item.id != changed.id
                standing = following
            assert len(lists.call_ids_of_list(made.id)) == args.calls
            night_guard = build_guard(settings, store, clock=lambda: NIGHT)
            for _ in range(max(3, args.rounds // 4)):
                began = time.perf_counter()
                assert CallableNow(store, night_guard, NIGHT).first(lists.items(made.id)) is None
                nights.append(time.perf_counter() - began)
            night_items = lists.items(made.id)
            for _ in range(max(3, args.rounds // 4)):
                began = time.perf_counter()
                assert CallableNow(store, night_guard, NIGHT).next_opening(night_items) is not None
                openings.append(time.perf_counter() - began)
            lists.delete_list(made.id)
    print(f"items: {ITEMS} (contacts: {contacts:,})")
    print(f"start_cold_ms: {starts[0] * 1000:.1f}")
    print(summary("start", starts[1:] or starts, "300"))
    print(summary("start_load_items", loads[1:] or loads))
    print(summary("next_card", next_cards, "50"))
    print(summary("recompute", recomputes, "50"))
    print(summary("start_all_closed", nights))
    print(summary("next_opening_night", openings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
