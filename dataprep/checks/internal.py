"""DP9xx: the linter's own failures, reported as findings so a run always finishes."""

from __future__ import annotations

from dataprep.checks.base import Rule


class CheckCrashed(Rule):
    """A check raised an exception on this input; the rest of the run went on.

    A crash in one rule must not hide every other finding, nor pass silently: the
    records it crashed on were not fully checked, so the gate cannot call them clean.
    Please report it with the record that triggered it.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: (raised by the engine when a check fails; see tests/test_engine.py)
    """

    code = "DP901"
    name = "internal.check-crashed"
    severity = "error"
    scope = "record"
