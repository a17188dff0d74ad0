"""Search as you type over 100,000 contacts in the app's real window, with the list visible, per keystroke.

    python benchmarks/bench_search.py [--profile DIR] [--contacts 100000] [--words 60] [--baseline-sample 5000]

The app's MainWindow is built over a profile's database (generated in a temp dir unless --profile is given; see
make_profile.py), shown, and left to load every contact (`contacts_searchable_s`: construction until the last page
is indexed). Three-letter words are typed into its search field one key at a time with QTest; each keystroke is
timed from the key press until QApplication.processEvents() has run the search, the model reset, the highlight of
the first match (which fetches that contact from the database to show its other numbers) and the repaint, and the
view has answered which row sits at its top (so no layout work is left pending). Between words the field is
cleared (not timed).

The baseline is what the issue measured: QSortFilterProxyModel's built-in string filter over a Python list model
in a QListView, typed the same way in the same run, on a smaller sample and scaled linearly to the full count.

Runs offscreen unless QT_QPA_PLATFORM is set (e.g. QT_QPA_PLATFORM=xcb under Xvfb). Prints `name: value` lines.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchlib import close_window, ensure_profile, open_window, quiet_offscreen_warnings, wait_until_loaded  # noqa: E402

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QSortFilterProxyModel, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QMainWindow, QVBoxLayout, QWidget  # noqa: E402

from c2c_desktop.core.search import normalize_text  # noqa: E402


class _PlainListModel(QAbstractListModel):
    """The baseline's source model: a Python model whose data() is called for every row by the proxy."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        self._texts = texts

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._texts)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self._texts[index.row()]
        return None


def _baseline_window(texts: list[str]) -> tuple[QMainWindow, QLineEdit, QListView]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(_PlainListModel(texts))
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    window = QMainWindow()
    window.setWindowTitle("c2c-desktop search baseline")
    central = QWidget()
    layout = QVBoxLayout(central)
    field = QLineEdit()
    view = QListView()
    view.setUniformItemSizes(True)
    view.setModel(proxy)
    layout.addWidget(field)
    layout.addWidget(view)
    window.setCentralWidget(central)
    window.resize(520, 760)

    def text_changed(text: str) -> None:
        proxy.setFilterFixedString(text)
        if proxy.rowCount():
            view.setCurrentIndex(proxy.index(0, 0))

    field.textChanged.connect(text_changed)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.proxy = proxy  # type: ignore[attr-defined]  # keep it alive with the window
    return window, field, view


def _type_words(app: QApplication, field: QLineEdit, view: QWidget, words: list[str]) -> list[float]:
    """Seconds per keystroke, from key press to searched, highlighted, repainted and laid out."""
    times: list[float] = []
    top_left = QPoint(4, 4)
    for word in words:
        field.clear()
        app.processEvents()
        for letter in word:
            started = time.perf_counter()
            QTest.keyClicks(field, letter)
            app.processEvents()
            view.indexAt(top_left)  # forces any layout still pending into the measurement
            times.append(time.perf_counter() - started)
    return times


def _words(texts: list[str], count: int, seed: int) -> list[str]:
    """Three-letter beginnings of words people search by: first names, last names, companies."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < count:
        candidates = [w for w in normalize_text(rng.choice(texts)).split() if len(w) >= 3]
        if candidates:
            words.append(rng.choice(candidates)[:3])
    return words


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a folder made by make_profile.py (else one is generated)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts when generating a profile")
    parser.add_argument("--words", type=int, default=60, help="three-letter words to type")
    parser.add_argument("--baseline-sample", type=int, default=5_000, help="contacts for the proxy baseline")
    parser.add_argument("--baseline-words", type=int, default=4, help="words typed for the baseline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    quiet_offscreen_warnings()
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="c2c-bench-search-") as scratch:
        profile = ensure_profile(args.profile, args.contacts, Path(scratch))
        started = time.perf_counter()
        window = open_window(profile)
        window.show()
        QTest.qWaitForWindowExposed(window)
        wait_until_loaded(window)
        searchable_s = time.perf_counter() - started
        model = window.contacts_model
        index = model._index
        texts = [f"{name} {company}" for name, company in zip(index.names, index.companies, strict=True)]
        words = _words(texts, args.words, args.seed)
        window.search.setFocus()
        app.processEvents()

        search_times: list[float] = []
        original_search = index.search

        def timed_search(query: str) -> list[int]:
            begun = time.perf_counter()
            result = original_search(query)
            if query:  # not the clearing between words
                search_times.append(time.perf_counter() - begun)
            return result

        index.search = timed_search  # type: ignore[method-assign]
        times = _type_words(app, window.search, window.contact_list, words)
        index.search = original_search  # type: ignore[method-assign]
        contacts = model.total_count
        close_window(window)

    # Baseline: the proxy's string filter over a Python model, on a sample, scaled to the full count.
    sample = texts[:: max(1, len(texts) // args.baseline_sample)][: args.baseline_sample]
    base_window, base_field, base_view = _baseline_window(sample)
    base_times = _type_words(app, base_field, base_view, words[: args.baseline_words])
    base_window.close()
    baseline_ms = statistics.median(base_times) * 1000 * len(texts) / len(sample)

    search_only = search_times or [0.0]
    median_ms = statistics.median(times) * 1000
    print(f"contacts: {contacts}")
    print(f"platform: {QApplication.platformName()}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    print(f"keystrokes: {len(times)}")
    print(f"contacts_searchable_s: {searchable_s:.2f}")
    print(f"search_only_median_ms: {statistics.median(search_only) * 1000:.2f}")
    print(f"search_only_p95_ms: {_percentile(search_only, 0.95) * 1000:.2f}")
    print(f"search_keystroke_median_ms: {median_ms:.2f}")
    print(f"search_keystroke_p95_ms: {_percentile(times, 0.95) * 1000:.2f}")
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
