"""Calling rules checked before every dial: the callee's local hours, do-not-call lists, attempt caps, local caller
ID, and the audit log of refusals and overrides.

Imports run one way: `calling` (dialer.prepare_call) asks `rules`; `rules` never imports the dialer, the lists or the
team code. `model` holds the plain data and the interfaces the parts share.
"""
