"""(being written: issue 5, content hygiene)"""

from __future__ import annotations

from dataprep.checks.base import Check


class SystemPromptCheck(Check):
    rules = ()
