"""`weak_slot`: connect a child's signal to its owner's method without the connection keeping the owner alive.

Why: a lambda or partial connected to a child's signal holds the owner's Python wrapper. When that child is deleted
on its own (`deleteLater`) while its connection holds the last reference to an owner that Python owns (no Qt
parent), PySide frees the owner inside the child's destructor, the owner deletes its children, and the child is
deleted twice: a segfault in the next processEvents (seen in the team link's per-job timers: 1 test run in 11 here,
and in CI).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


def weak_slot(method: Callable[..., object], *bound: object) -> Callable[..., None]:
    """A callable for `signal.connect` that calls the bound `method(*bound)` (the signal's own arguments are not
    passed) while its object lives, and does nothing once it is gone. The object is held weakly, `bound` strongly."""
    reference = weakref.WeakMethod(method)

    def call(*_signal_args: Any) -> None:
        target = reference()
        if target is not None:
            target(*bound)

    return call
