"""(being written: issue 4, label noise)"""

from __future__ import annotations

from dataprep.checks.base import Check


class MislabelCheck(Check):
    rules = ()
