"""The rule registry: an explicit list of checks, no discovery magic.

Adding a rule means declaring it in a family module and listing its check here; the
engine receives these lists and never imports a concrete rule itself.
"""

from __future__ import annotations

from dataprep.checks import (
    chat,
    diversity,
    duplicates,
    hygiene,
    internal,
    labels,
    language,
    media,
    mislabel,
    pii,
    records,
    reply_mismatch,
    structure,
    system_prompt,
    task_answers,
    task_requests,
    textread,
    tokens,
    volume,
)
from dataprep.checks import input as input_rules
from dataprep.checks.base import Check, Rule

CHECKS: tuple[type[Check], ...] = (
    input_rules.InputCheck,
    structure.StructureCheck,
    chat.ChatCheck,
    records.RecordFormatsCheck,
    media.MediaCheck,
    textread.TextReadCheck,
    volume.VolumeCheck,
    duplicates.DuplicatesCheck,
    tokens.TokenCheck,
    hygiene.HygieneCheck,
    diversity.ReplyDiversityCheck,
    language.LanguageCheck,
    system_prompt.SystemPromptCheck,
    pii.PiiCheck,
    labels.LabelsCheck,
    mislabel.MislabelCheck,
    reply_mismatch.ReplyMismatchCheck,
    task_answers.TaskAnswersCheck,
    task_requests.TaskRequestsCheck,
)

#: rules raised by the engine itself rather than by a check
ENGINE_RULES: tuple[type[Rule], ...] = (internal.CheckCrashed,)


def _registry() -> dict[str, type[Rule]]:
    out: dict[str, type[Rule]] = {}
    for rule in (*(r for c in CHECKS for r in c.rules), *ENGINE_RULES):
        if rule.code in out and out[rule.code] is not rule:
            raise TypeError(f"rule code {rule.code} declared twice")
        out[rule.code] = rule
    names = [r.name for r in out.values()]
    if len(set(names)) != len(names):
        raise TypeError("rule names must be unique")
    return dict(sorted(out.items()))


RULES: dict[str, type[Rule]] = _registry()
