"""The calling session's state, without Qt: which card is shown, what each key may do in each phase, and the item
changes a session makes beyond a call and its disposition (skip, a callback scheduled before calling).

The window (gui/session.py) owns the timers and the widgets; this module decides. Its one promise is the
exactly-once rule: `SessionState.begin_dial()` is the only way to a dial and it leaves the phase at CALLING
synchronously, so a second Enter, a countdown that fires late, a skip or a pause can never make a second request.
Same thread as the store.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from c2c_desktop.core.calllists import CallbackState, CallListStore, ItemState, ListItem
from c2c_desktop.core.disposition_rules import Action, DispositionRules, disposition_key
from c2c_desktop.core.list_work import (
    CallableNow,
    ListProgress,
    Standing,
    agent_missed,
    list_progress,
    schedule_callback,
    tomorrow_at_this_time,
)
from c2c_desktop.core.models import Contact, JournalEntry, Outcome
from c2c_desktop.core.phone import number_to_call
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.store import Store

MAX_COUNTDOWN_S = 30
DEFAULT_COUNTDOWN_S = 5
DISPOSITION_KEYS = 9  # 1 … 9
LATER_TODAY = timedelta(hours=2)
CALLBACK_DISPOSITION = "Call back later"  # used by C after a call when no rule of the agent's says "callback"


class Mode(enum.StrEnum):
    PREVIEW = "preview"  # the agent reads the card and presses Enter
    POWER = "power"  # the card dials itself after a countdown


class Phase(enum.StrEnum):
    READY = "ready"  # a card is shown; Enter dials it
    COUNTDOWN = "countdown"  # power mode: the card dials itself when the countdown ends (Esc cancels)
    CALLING = "calling"  # its call is out: every dial key does nothing
    WRAP_UP = "wrap-up"  # the call connected: waiting for the agent's disposition
    PAUSED = "paused"  # a card is shown, nothing dials until P
    NOTHING = "nothing"  # nothing is callable now
    CLAIMING = "claiming"  # a team list: the next card is being claimed from the team server; nothing dials
    ENDED = "ended"


class SkipChoice(enum.StrEnum):
    LATER_TODAY = "later today"
    TOMORROW = "tomorrow"
    REMOVE = "remove from the list"


class SessionError(Exception):
    """A key that the session cannot act on now (a bug in the caller: the window asks `can_*` first)."""


@dataclass(frozen=True)
class Card:
    """What the session shows: an item to call (`standing`), or one whose connected call still needs its disposition
    (`wrap_up`), or neither (nothing callable now)."""

    item: ListItem | None
    standing: Standing | None = None
    wrap_up: bool = False


class SessionState:
    """The phase of one session and the transitions its keys may make. Every method is O(1) and never touches the
    store, so the window asks it on every key press."""

    def __init__(self, list_id: int, mode: Mode = Mode.PREVIEW, countdown_ms: int = DEFAULT_COUNTDOWN_S * 1000) -> None:
        self.list_id = list_id
        self.mode = mode
        self.countdown_ms = max(0, min(int(countdown_ms), MAX_COUNTDOWN_S * 1000))
        self.phase = Phase.NOTHING
        self.card = Card(None)
        self.paused = False

    @property
    def item(self) -> ListItem | None:
        return self.card.item

    def show(self, card: Card) -> Phase:
        """The next card (after a disposition, a skip, a start or resume). Power mode starts the countdown, except for
        an item whose last call may still be ringing: that one waits for the agent (Enter, then the question)."""
        if self.phase is Phase.ENDED:
            return self.phase
        self.card = card
        if card.item is None:
            self.phase = Phase.NOTHING
        elif card.wrap_up:
            self.phase = Phase.WRAP_UP
        elif self.paused:
            self.phase = Phase.PAUSED
        elif self.mode is Mode.POWER and not (card.standing is not None and card.standing.needs_confirmation):
            self.phase = Phase.COUNTDOWN
        else:
            self.phase = Phase.READY
        return self.phase

    def claiming(self) -> Phase:
        """A team list: no card while its next item is claimed from the server (Enter, S, C do nothing meanwhile);
        `show` follows with the claimed item, or with none (nothing claimable, or the server out of reach)."""
        if self.phase is not Phase.ENDED:
            self.card = Card(None)
            self.phase = Phase.CLAIMING
        return self.phase

    # -- the dial ------------------------------------------------------------------------------------------------

    def can_dial(self) -> bool:
        return self.phase in (Phase.READY, Phase.COUNTDOWN) and self.card.item is not None and not self.card.wrap_up

    def begin_dial(self) -> ListItem:
        """The one way to a dial: the phase is CALLING from here on, so nothing else can dial until the call ends."""
        item = self.card.item
        if not self.can_dial() or item is None:
            raise SessionError(f"nothing to dial in phase {self.phase}")
        self.phase = Phase.CALLING
        return item

    def dial_not_placed(self) -> None:
        """The controller refused the dial before any journal row (not sent, refused by the rules, declined): the card
        stays, and power mode does not count down again on its own (it would loop on the same refusal)."""
        if self.phase is Phase.CALLING:
            self.phase = Phase.PAUSED if self.paused else Phase.READY

    def call_ended(self, outcome: Outcome, *, call_type: int | None = None) -> bool:
        """The call's outcome (`call_type`: the journal row's; None reads as type 1); True when the session waits for
        the disposition (connected). Not sent or rejected in power mode pause the session: the next dial would most
        likely fail the same way; so does a No answer with type 2 (`list_work.agent_missed`): the agent is not at their
        phone, and the same prospect would be dialled again at once."""
        if self.phase is not Phase.CALLING:
            return False
        if outcome is Outcome.CONNECTED:
            self.phase = Phase.WRAP_UP
            self.card = Card(self.card.item, self.card.standing, wrap_up=True)
            return True
        stopping = outcome in (Outcome.NOT_SENT, Outcome.REJECTED) or agent_missed(outcome, call_type)
        if stopping and self.mode is Mode.POWER:
            self.paused = True
        self.phase = Phase.PAUSED if self.paused else Phase.READY  # until the window shows the next card
        return False

    # -- the other keys ------------------------------------------------------------------------------------------

    def cancel_countdown(self) -> bool:
        """Esc, a skip, a pause, the window closing or hiding: the countdown stops; True if one was running."""
        if self.phase is Phase.COUNTDOWN:
            self.phase = Phase.READY
            return True
        return False

    def toggle_pause(self) -> bool:
        """P: pause or resume; returns whether the session is paused now. A resumed card is shown again by the window
        (power mode then counts down)."""
        self.paused = not self.paused
        if self.paused and self.phase in (Phase.READY, Phase.COUNTDOWN):
            self.phase = Phase.PAUSED
        elif not self.paused and self.phase is Phase.PAUSED:
            self.phase = Phase.READY
        return self.paused

    def can_skip(self) -> bool:
        return self.phase in (Phase.READY, Phase.COUNTDOWN, Phase.PAUSED) and self.card.item is not None

    def can_dispose(self) -> bool:
        return self.phase is Phase.WRAP_UP and self.card.item is not None

    def can_schedule(self) -> bool:
        return self.phase in (Phase.READY, Phase.COUNTDOWN, Phase.PAUSED, Phase.WRAP_UP) and self.card.item is not None

    def end(self) -> None:
        self.phase = Phase.ENDED


# -- the list as the session keeps it -------------------------------------------------------------------------------

#: Items changed this long before the last read are read again too: a write stamped by a clock a little behind.
CHANGED_MARGIN = timedelta(seconds=2)


class ListSnapshot:
    """The items of one list as a session keeps them between cards. Reading a 10,000-item list takes ~60 ms, too
    long between two cards, so after the first read `current()` reads only the items changed since (this window's
    own writes: the call's outcome, the disposition, a skip; ~2 ms) and swaps them in. The whole list is read again
    when that cannot be trusted: another program committed to the store (its clock, its transactions), or the list
    gained, lost or reordered items. An item changed without its row being written (its contact edited or deleted)
    is seen by `replace`: the session reads the card's own item again before showing it. Same thread as the store."""

    def __init__(self, store: Store, lists: CallListStore, list_id: int) -> None:
        self._store = store
        self._lists = lists
        self.list_id = list_id
        self._items: list[ListItem] | None = None
        self._rows: dict[int, int] = {}  # item id -> its index in _items
        self._read_at = datetime.min.replace(tzinfo=UTC)
        self._version: int | None = None
        self.full_reads = 0  # how many times the whole list was read (tests look at it)

    def reload(self) -> list[ListItem]:
        """Read the whole list."""
        self._version = self._store.data_version()
        self._read_at = datetime.now(UTC)  # the same clock as the items' updated_at
        self._items = self._lists.items(self.list_id)
        self._rows = {item.id: index for index, item in enumerate(self._items)}
        self.full_reads += 1
        return self._items

    def current(self) -> list[ListItem]:
        """The list as the store has it now (in list order)."""
        if self._items is None or self._store.data_version() != self._version:
            return self.reload()
        reading = datetime.now(UTC)
        changed = self._lists.changed_items(self.list_id, self._read_at - CHANGED_MARGIN)
        if self._lists.item_count(self.list_id) != len(self._items):
            return self.reload()
        for item in changed:
            index = self._rows.get(item.id)
            if index is None or self._items[index].position != item.position:
                return self.reload()
            self._items[index] = item
        self._read_at = reading
        return self._items

    def replace(self, item: ListItem) -> bool:
        """Swap in an item read again; False when it is not in the list as kept (read the whole list then)."""
        index = self._rows.get(item.id)
        if self._items is None or index is None or self._items[index].position != item.position:
            return False
        self._items[index] = item
        return True


# -- choosing the card -----------------------------------------------------------------------------------------------


def waiting_for_disposition(items: Iterable[ListItem]) -> ListItem | None:
    """The item whose call connected and still has no disposition (the window was closed or killed before it was
    given), latest call first: the session shows it before anything else, or it would never be offered again."""
    waiting = [
        item
        for item in items
        if item.last_outcome == Outcome.CONNECTED.value
        and item.last_disposition is None
        and item.state not in (ItemState.DONE, ItemState.SKIPPED, ItemState.DO_NOT_CALL)
        and not item.contact_missing
    ]
    return max(waiting, key=lambda item: item.last_call_id or 0, default=None)


def next_card(order: CallableNow, items: Sequence[ListItem], *, then: CallableNow | None = None) -> Card:
    """The card to show: a connected call still waiting for its disposition, else the first callable item of `order`
    (which leaves out items whose last call may still ring), else of `then` (which offers those too, to be asked
    about before calling): an unknown call never holds up the rest of the list."""
    waiting = waiting_for_disposition(items)
    if waiting is not None:
        return Card(waiting, wrap_up=True)
    for each in (order, then):
        standing = each.first(items) if each is not None else None
        if standing is not None:
            return Card(standing.item, standing)
    return Card(None)


#: The list's progress as the card shows it ("23 of 120 worked · 4 callbacks due"): list_work's one definition.
Progress = ListProgress


def progress(items: Sequence[ListItem], now: datetime) -> ListProgress:
    """The list's progress (`list_work.list_progress`: done / worked / left / callbacks due)."""
    return list_progress(items, now)


# -- the dispositions on the keys ------------------------------------------------------------------------------------


def session_dispositions(listed: Iterable[str], rules: DispositionRules) -> list[str]:
    """The dispositions on the keys 1…9, in a stable order: the agent's list (dispositions.txt) as written, then the
    rules' names that are not in it, in the rules file's order ("Do not call", "No answer"). Each once, whatever its
    case, spacing or kind of dash."""
    names: list[str] = []
    seen: set[str] = set()
    for name in [*listed, *(rule.name for rule in rules.rules.values())]:
        cleaned = " ".join(name.split())
        if cleaned and disposition_key(cleaned) not in seen:
            seen.add(disposition_key(cleaned))
            names.append(cleaned)
    return names


def callback_disposition(names: Sequence[str], rules: DispositionRules) -> str:
    """The disposition that C records after a call: the first one whose rule is a callback."""
    for name in names:
        rule = rules.find(name)
        if rule is not None and rule.action is Action.CALLBACK:
            return name
    return CALLBACK_DISPOSITION


def describe(name: str, rules: DispositionRules) -> str:
    """What a disposition does to the item, for the card's key strip and the README ("retry in 1 day")."""
    rule = rules.find(name)
    return "done" if rule is None else rule.describe()


# -- item changes the session makes ----------------------------------------------------------------------------------


def skip_item(
    lists: CallListStore, item: ListItem, choice: SkipChoice, now: datetime, *, zone: tzinfo | None = None
) -> ListItem:
    """S: later today (retry in 2 h), tomorrow (the same time tomorrow on the agent's clock, `zone`, default
    `list_work.agent_zone()`: 23 or 25 h later across a clock change) or out of the list (skipped, kept with its
    history: `lists show` still lists it). Never dials; a pending callback of the item is cancelled on removal."""
    if choice is SkipChoice.REMOVE:
        with lists.transaction():
            lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
            return lists.update_item(item.id, state=ItemState.SKIPPED, due_at=None)
    due = now + LATER_TODAY if choice is SkipChoice.LATER_TODAY else tomorrow_at_this_time(now, zone)
    return lists.update_item(item.id, state=ItemState.DUE_LATER, due_at=due)


def schedule_item_callback(
    lists: CallListStore,
    guard: CallGuard,
    item: ListItem,
    at: datetime,
    now: datetime,
    *,
    region: str = "US",
    note: str = "",
) -> ListItem:
    """C on a card not called yet: a callback at `at` (UTC) and the item waits for it. Refused (CallbackRefused,
    nothing saved) in the past or outside the callee's hours at that moment."""
    number = number_to_call(item.e164, region)
    contact = Contact(item.contact_id, item.name, region_code=item.region_code)
    with lists.transaction():
        lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
        schedule_callback(lists, guard, number, at, now, contact=contact, item_id=item.id, note=note)
        return lists.update_item(item.id, state=ItemState.CALLBACK, due_at=at)


def prospect_calls(store: Store, e164: str, limit: int = 5) -> list[JournalEntry]:
    """The last calls to this number (newest first), with their dispositions and notes, for the card."""
    if not e164:
        return []
    with store.plain_errors():
        rows = store.connection.execute(
            "SELECT id FROM calls WHERE e164 = ? ORDER BY started_at DESC, id DESC LIMIT ?", (e164, limit)
        ).fetchall()
    entries = [store.get_call(row[0]) for row in rows]
    return [entry for entry in entries if entry is not None]
