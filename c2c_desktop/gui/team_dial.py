"""Dials in team mode: the number is claimed on the team server before its journal row is written.

Every dial path in team mode comes through here (MainWindow._place), except a calling session on a team list, whose
card was claimed with its list item already (claim_next). `TeamDialGuard.dial` asks the server (on the TeamLink's
worker) for the number; then, on the GUI thread:
- claimed: the call goes out, its journal row marked team-guarded;
- in the team's cool-off ("alice called 12 min ago"): for an ad-hoc dial the agent confirms, and a confirmed claim is
  asked for (one more round trip) before the call goes out; no confirmation, no request. A list dial (a calling
  session on a local list: `ListDial`) never overrides it: the session passes over the item, nothing asked or sent;
- on the team's do-not-call list, or someone calling it right now: refused with a plain message;
- the server down or silent for 5 s: the call goes ahead under the local rules (the do-not-call mirror applies),
  its row marked not team-guarded; the sync pushes it later.
One intent, one claim: while a claim is out (or its question is open) a second trigger is refused. The call itself
goes through CallController.call, so the calling rules run before the journal row as on every dial path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from c2c_desktop.core.dialer import PreparedCall
    from c2c_desktop.core.models import JournalEntry
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.client import TeamClient
    from c2c_desktop.core.team.server import NumberClaim, TeamError
    from c2c_desktop.gui.calls import BeforeSend
    from c2c_desktop.gui.team import TeamLink

log = logging.getLogger(__name__)

TEAM_DNC_MESSAGE = "Not sent: this number is on the team's do-not-call list"
ASKING_NOTICE = "Asking the team server about this number…"
#: Short: it shares the status bar with the permanent mode and team labels.
OFFLINE_NOTICE = "Team server not reached: called under your own rules; it syncs later."
SIGNED_OUT_NOTICE = "Team: not signed in — Settings → Team. Called under your own rules."

#: Places the call with the given pre-send hook (CallController.call through the window); True if it went out.
Place = Callable[["BeforeSend"], bool]


@dataclass(frozen=True)
class ListDial:
    """A calling session's dial of a local list's item in team mode, and how it hears that nothing went out (GUI
    thread). `passed_over(reason, claim)`: the team has the number in its cool-off, someone is calling it, or it is on
    the team's do-not-call list: the item is passed over, never asked about. `not_placed(reason)`: the server refused
    the claim, or the call did not go out after it ("" when the window said why already)."""

    passed_over: Callable[[str, NumberClaim], None]
    not_placed: Callable[[str], None]


class TeamDialGuard(QObject):
    """GUI thread: the team's claim in front of each ad-hoc dial."""

    busy_changed = Signal(bool)  # a claim is out (or its question open): the call triggers are disabled meanwhile
    notice = Signal(str)  # a passing notice for the status bar

    def __init__(
        self,
        link: TeamLink,
        store: Store,
        confirm: Callable[[str], bool],
        not_sent: Callable[[str], None],
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`confirm(question)`: ask the agent (True: call anyway). `not_sent(message)`: show a refusal."""
        super().__init__(parent)
        self._link = link
        self._store = store
        self._confirm = confirm
        self._not_sent = not_sent
        self._clock = clock or (lambda: datetime.now(UTC))
        self._intent: object | None = None
        self._claimed_calls: dict[int, str] = {}  # journal id -> number, for calls placed under our ad-hoc claim
        self.requests = 0  # claims asked of the server (tests count them)

    @property
    def busy(self) -> bool:
        """True while a claim is out or its confirmation is being asked."""
        return self._intent is not None

    def dial(self, e164: str, place: Place, list_dial: ListDial | None = None) -> bool:
        """GUI thread: claim `e164`, then `place` the call as the answer says (`list_dial`: a calling session's dial,
        which never overrides the cool-off). False (nothing done) while another claim is out: one intent, one
        request."""
        if self._intent is not None:
            return False
        intent = self._intent = object()
        self.busy_changed.emit(True)
        self.notice.emit(ASKING_NOTICE)
        self._claim(intent, e164, place, list_dial, confirmed=False)
        return True

    def _claim(self, intent: object, e164: str, place: Place, list_dial: ListDial | None, *, confirmed: bool) -> None:
        self.requests += 1

        def job(client: TeamClient) -> NumberClaim:
            return client.session.claim_number(e164, confirmed=confirmed)

        self._link.submit(job, lambda answer: self._on_answer(intent, e164, place, list_dial, answer, confirmed))

    def _on_answer(
        self,
        intent: object,
        e164: str,
        place: Place,
        list_dial: ListDial | None,
        answer: NumberClaim | TeamError,
        confirmed: bool,
    ) -> None:
        """GUI thread: the server's answer (or TeamError) to the claim of `intent`."""
        from c2c_desktop.core.team.server import TeamError
        from c2c_desktop.gui.team import sign_in_failed, went_offline

        if intent is not self._intent:
            return  # the window closed meanwhile
        not_sent = self._not_sent if list_dial is None else list_dial.not_placed
        if went_offline(answer):  # not reached, or it would not let us in: as offline (it syncs once signed in)
            self._finish()
            if self._place(place, list_dial, guarded=False, e164=e164):
                self.notice.emit(SIGNED_OUT_NOTICE if sign_in_failed(answer) else OFFLINE_NOTICE)
            return
        if isinstance(answer, TeamError):
            self._finish()
            not_sent(f"Not sent: the team server refused it: {answer}")
            return
        if answer.claimed:
            self._finish()
            self._place(place, list_dial, guarded=True, e164=e164)
            return
        said = answer.describe(self._clock(), me=self._link.agent)
        if list_dial is not None:
            self._finish()
            list_dial.passed_over(said, answer)
            return
        if answer.on_dnc:
            self._finish()
            self._not_sent(TEAM_DNC_MESSAGE)
            return
        if answer.in_progress or confirmed:
            self._finish()
            self._not_sent(f"Not sent: {said}")
            return
        if not self._confirm(f"{said}. Call anyway?"):
            self._finish()
            self.notice.emit("Not called.")
            return
        if intent is self._intent:  # still this intent (not closed while the question was open)
            self._claim(intent, e164, place, None, confirmed=True)

    def _finish(self) -> None:
        self._intent = None
        self.busy_changed.emit(False)

    def call_ended(self, entry: JournalEntry, *_result: object) -> None:
        """GUI thread (the controller's call_finished): a call placed under our claim has ended, so the number's
        lease ends on the server (its cool-off still counts from the claim); another agent is no longer told that
        this agent "is calling this number now"."""
        number = self._claimed_calls.pop(entry.id, None)
        if number is not None:
            self._link.submit(lambda client: client.session.finish_number(number), lambda _answer: None)

    def cancel(self) -> None:
        """GUI thread: the window is closing: an answer still to come is dropped (nothing is dialled)."""
        if self._intent is not None:
            self._finish()

    def _place(self, place: Place, list_dial: ListDial | None, *, guarded: bool, e164: str) -> bool:
        store, account = self._store, self._link.account or None

        def mark(_prepared: PreparedCall, entry: JournalEntry) -> bool:
            from c2c_desktop.core.team.sync import set_team_guarded

            set_team_guarded(store, entry.id, guarded, account)
            if guarded:
                self._claimed_calls[entry.id] = e164
            return True

        went = place(mark)
        if not went and guarded:
            # The local rules (or the journal) stopped it after the server gave it to us: give the claim back.
            self._link.submit(lambda client: client.session.release_claim(number=e164), lambda _answer: None)
        if not went and list_dial is not None:
            list_dial.not_placed("")  # the window said why (the rules' refusal, not sent)
        self._link.refresh_pending()
        return went
