"""Search as you type over 100,000 contacts, with the list visible, measured per keystroke.

    python benchmarks/bench_search.py [--contacts 100000] [--profile DIR] [--words 60] [--baseline-sample 5000]

A real QMainWindow holds a QLineEdit and a QListView (uniform item sizes) with ContactListModel and
ContactItemDelegate, wired exactly as the app's window: textChanged -> set_query, then the first row highlighted.
Three-letter words are typed one key at a time with QTest; each keystroke is timed from the key press until
QApplication.processEvents() has run the repaint. Between words the field is cleared (not timed).

The list view gets `model.view_model` (a pass-through proxy with C++ index lookups; see contacts_model.py).
The baseline is what the issue measured: QSortFilterProxyModel's built-in string filter over a Python list model,
typed the same way in the same run, on a smaller sample and scaled linearly to the full count (it scans every row).

Runs offscreen unless QT_QPA_PLATFORM is set (e.g. QT_QPA_PLATFORM=xcb under Xvfb). Prints `name: value` lines.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from make_profile import generate_contacts, profile_db_path  # noqa: E402

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QMainWindow, QVBoxLayout, QWidget  # noqa: E402

from c2c_desktop.core.models import Contact  # noqa: E402
from c2c_desktop.core.search import normalize_text  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402
from c2c_desktop.gui.contacts_model import ContactListModel  # noqa: E402


class _PlainListModel(QAbstractListModel):
    """The baseline's source model: a Python model whose data() is called for every row by the proxy."""

    def __init__(self, contacts: list[Contact]) -> None:
        super().__init__()
        self._texts = [f"{c.name} — {c.company}" if c.company else c.name for c in contacts]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._texts)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self._texts[index.row()]
        return None


def _window(
    model: QAbstractListModel, on_text: object, contact_model: ContactListModel | None
) -> tuple[QMainWindow, QLineEdit, QListView]:
    window = QMainWindow()
    window.setWindowTitle("c2c-desktop search benchmark")
    central = QWidget()
    layout = QVBoxLayout(central)
    field = QLineEdit()
    view = QListView()
    if contact_model is not None:
        contact_model.attach_to_view(view)  # what the app's window does
    else:
        view.setUniformItemSizes(True)
        view.setModel(model)
    layout.addWidget(field)
    layout.addWidget(view)
    window.setCentralWidget(central)
    window.resize(520, 760)

    def text_changed(text: str) -> None:
        on_text(text)  # type: ignore[operator]
        if model.rowCount():
            view.setCurrentIndex(view.model().index(0, 0))  # the window highlights the first match

    field.textChanged.connect(text_changed)
    window.show()
    QTest.qWaitForWindowExposed(window)
    field.setFocus()
    QApplication.processEvents()
    return window, field, view


def _type_words(app: QApplication, field: QLineEdit, words: list[str]) -> list[float]:
    """Seconds per keystroke, from key press to repainted."""
    times: list[float] = []
    for word in words:
        field.clear()
        app.processEvents()
        for letter in word:
            started = time.perf_counter()
            QTest.keyClicks(field, letter)
            app.processEvents()
            times.append(time.perf_counter() - started)
    return times


def _words(contacts: list[Contact], count: int, seed: int) -> list[str]:
    """Three-letter beginnings of words people search by: first names, last names, companies."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < count:
        contact = rng.choice(contacts)
        candidates = [w for w in normalize_text(f"{contact.name} {contact.company}").split() if len(w) >= 3]
        if candidates:
            words.append(rng.choice(candidates)[:3])
    return words


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _load(args: argparse.Namespace) -> list[Contact]:
    if args.profile:
        with Store(profile_db_path(args.profile)) as store:
            return store.list_contacts()
    return generate_contacts(args.contacts, args.seed)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000, help="generated contacts (ignored with --profile)")
    parser.add_argument("--profile", type=Path, help="a folder made by make_profile.py to load contacts from")
    parser.add_argument("--words", type=int, default=60, help="three-letter words to type")
    parser.add_argument("--baseline-sample", type=int, default=5_000, help="contacts for the proxy baseline")
    parser.add_argument("--baseline-words", type=int, default=4, help="words typed for the baseline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    started = time.perf_counter()
    contacts = _load(args)
    loaded = time.perf_counter()
    model = ContactListModel(contacts)
    indexed = time.perf_counter()
    window, field, _view = _window(model, model.set_query, model)
    words = _words(contacts, args.words, args.seed)

    search_times: list[float] = []
    original_search = model._index.search

    def timed_search(query: str) -> list[int]:
        begun = time.perf_counter()
        result = original_search(query)
        if query:  # not the clearing between words
            search_times.append(time.perf_counter() - begun)
        return result

    model._index.search = timed_search  # type: ignore[method-assign]
    times = _type_words(app, field, words)
    model._index.search = original_search  # type: ignore[method-assign]
    search_only = search_times or [0.0]
    window.close()

    # Baseline: the proxy's string filter over a Python model, on a sample, scaled to the full count.
    sample = contacts[:: max(1, len(contacts) // args.baseline_sample)][: args.baseline_sample]
    source = _PlainListModel(sample)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    base_window, base_field, _ = _window(proxy, proxy.setFilterFixedString, None)
    base_times = _type_words(app, base_field, words[: args.baseline_words])
    base_window.close()
    scale = len(contacts) / len(sample)
    baseline_ms = statistics.median(base_times) * 1000 * scale

    median_ms = statistics.median(times) * 1000
    p95_ms = _percentile(times, 0.95) * 1000
    print(f"contacts: {len(contacts)}")
    print(f"platform: {QApplication.platformName()}")
    print(f"keystrokes: {len(times)}")
    print(f"contacts_load_s: {loaded - started:.2f}")
    print(f"index_build_s: {indexed - loaded:.3f}")
    print(f"search_only_median_ms: {statistics.median(search_only) * 1000:.2f}")
    print(f"search_only_p95_ms: {_percentile(search_only, 0.95) * 1000:.2f}")
    print(f"search_keystroke_median_ms: {median_ms:.2f}")
    print(f"search_keystroke_p95_ms: {p95_ms:.2f}")
    print(f"search_keystroke_max_ms: {max(times) * 1000:.2f}")
    print("search_keystroke_target_ms: median <= 16, p95 <= 33")
    print(f"baseline_proxy_sample_contacts: {len(sample)}")
    print(f"baseline_proxy_keystroke_ms_scaled: {baseline_ms:.1f}")
    print("baseline_issue_figures_ms: proxy filter 670, QListWidget 190")
    print(f"speedup_vs_proxy_baseline: {baseline_ms / median_ms:.1f}")
    print(f"ratio_median_to_proxy_baseline: {median_ms / baseline_ms:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
