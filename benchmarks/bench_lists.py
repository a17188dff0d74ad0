"""Call lists at scale: a 10,000-item list whose contacts are among 100,000 (make_profile.py's contacts).

Prints, each the median of --rounds:
- `start_ms`: load the list's items and find the first callable item (target <= 300 ms);
- `recompute_ms`: after a disposition changes the item offered, the next callable item (target <= 50 ms);
- `start_all_closed_ms`: start when no item is callable now (at night in every US zone: the worst case, every item
  judged).
The guard runs on a fixed clock: a Wednesday 17:00 UTC (daytime in every US zone), and 07:00 UTC for the night.

Run: .venv/bin/python benchmarks/bench_lists.py [--profile DIR] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import make_profile  # noqa: E402
from c2c_desktop.core.calllists import NewItem, StoreCallLists  # noqa: E402
from c2c_desktop.core.config import Settings  # noqa: E402
from c2c_desktop.core.disposition_rules import default_rules  # noqa: E402
from c2c_desktop.core.list_work import CallableNow, record_disposition  # noqa: E402
from c2c_desktop.core.rules.guard import build_guard  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402

DAY = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 7, 0, tzinfo=UTC)
ITEMS = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a make_profile.py folder (default: a new 100k profile)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        profile = args.profile
        if profile is None:
            profile = Path(scratch) / "profile"
            make_profile.main(["--contacts", "100000", "--out", str(profile)])
        with Store(make_profile.profile_db_path(profile)) as store:
            lists = StoreCallLists(store)
            name = f"bench-{time.time_ns()}"
            made = lists.create_list(name)
            rows = store.contact_rows()
            step = len(rows) // ITEMS
            lists.add_items(
                made.id,
                [NewItem(rows.primary_numbers[i], rows.ids[i], rows.names[i]) for i in range(0, step * ITEMS, step)],
            )
            settings = Settings(agent_number="3125550100")
            starts, recomputes, nights = [], [], []
            for _ in range(args.rounds):
                guard = build_guard(settings, store, clock=lambda: DAY)
                began = time.perf_counter()
                items = lists.items(made.id)
                order = CallableNow(store, guard, DAY)
                first = order.first(items)
                starts.append(time.perf_counter() - began)
                assert first is not None
                changed = record_disposition(
                    store, lists, default_rules(), first.item, "Not interested", DAY, guard=guard
                )
                began = time.perf_counter()
                items = [changed if item.id == changed.id else item for item in items]
                following = order.first(items)
                recomputes.append(time.perf_counter() - began)
                assert following is not None and following.item.id != changed.id
                night_guard = build_guard(settings, store, clock=lambda: NIGHT)
                began = time.perf_counter()
                assert CallableNow(store, night_guard, NIGHT).first(lists.items(made.id)) is None
                nights.append(time.perf_counter() - began)
            lists.delete_list(made.id)
    print(f"items: {ITEMS}")
    print(f"start_ms: {statistics.median(starts) * 1000:.1f}")
    print(f"recompute_ms: {statistics.median(recomputes) * 1000:.1f}")
    print(f"start_all_closed_ms: {statistics.median(nights) * 1000:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
