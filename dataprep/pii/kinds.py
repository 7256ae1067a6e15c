"""PII kinds: what a match is, declared as data in ``rules/packs/pii.toml``.

A kind (email, phone, card, iban, ip, api-key, private-key, custom) says which rule
reports it, whether it is personal data or a secret, how a match is masked and described,
where the scanner may look for it, the validator its patterns use unless they name their
own, and how an obvious placeholder of the kind is recognised.  The scanner, the masks
and the rules read these declarations, so none of them branches on a rule code, and a
new kind of personal data is a pack edit plus, at most, a named function.

The order of the ``[[kind]]`` tables is the order in which a text span is claimed: a
phone-looking run inside a key or an IBAN is part of that key or IBAN.  Patterns name
their kind (``kind = "email"``); a user pattern that names only a rule gets that rule's
first kind, and one whose rule has no kind (a custom pattern, or a pattern of another
rule in a user pack) is ``custom``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataprep.config import load_toml
from dataprep.errors import ConfigError
from dataprep.packs import Pattern, tables
from dataprep.pii.display import DETAILS, MASKS
from dataprep.pii.placeholders import PLACEHOLDER_TESTS, PlaceholderTest
from dataprep.pii.validators import VALIDATORS
from dataprep.resources import rules_dir

SENSITIVITIES = ("personal", "secret", "none")
#: where every built-in match of a kind lies (see ``dataprep.pii.scanner``)
ANCHORS = ("at", "digits", "key-run")
#: the kind of patterns that name neither a kind nor a rule that has one
FALLBACK = "custom"


@dataclass(frozen=True, slots=True)
class Kind:
    """One ``[[kind]]`` of the pii pack (defaults as documented there)."""

    name: str
    rule: str
    #: claim order: a lower rank wins an overlapping span
    rank: int
    sensitivity: str = "none"
    mask: str = "excerpt"
    keep: int = 0
    anchor: str | None = None
    digits: int = 0
    dotted: bool = False
    window: tuple[int, int] = (64, 72)
    check: str | None = None
    placeholder: PlaceholderTest | None = None
    message: str = "{what} {shown}"
    detail: str | None = None
    advice: str = ""

    @property
    def personal(self) -> bool:
        return self.sensitivity == "personal"


_FIELDS = {f.name for f in dataclasses.fields(Kind)} - {"rank"}


def _kind(where: str, item: dict[str, Any], rank: int, tests: Mapping[str, Any]) -> Kind:
    """One ``[[kind]]`` table, its names checked against the registries they name, so a
    typo in the pack fails every run instead of silently skipping a validator."""
    for key in ("name", "rule"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    names = (("sensitivity", SENSITIVITIES), ("mask", MASKS), ("anchor", ANCHORS),
             ("check", VALIDATORS), ("detail", DETAILS), ("placeholder", PLACEHOLDER_TESTS))
    for key, known in names:
        if key in item and item[key] not in known:
            raise ConfigError(f"{where}: unknown {key} {item[key]!r} (known: {', '.join(known)})")
    fields = dict(item)
    try:
        str(fields.get("message", "")).format(what="", label="", shown="", detail="", chars=0)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{where}: message {fields['message']!r} has an unknown field "
                          f"{exc}") from None
    if "window" in fields:
        fields["window"] = tuple(fields["window"])
    if "placeholder" in fields:
        name = fields["placeholder"]
        fields["placeholder"] = PLACEHOLDER_TESTS[name](tests.get(name, {}))
    return Kind(rank=rank, **fields)


@dataclass(frozen=True)
class KindTable:
    """The kinds by name (in claim order) and the first kind of each rule."""

    by_name: dict[str, Kind]
    by_rule: dict[str, Kind]


@functools.lru_cache(maxsize=1)
def kinds() -> KindTable:
    """The kinds of the built-in pii pack, in claim order (loaded once)."""
    data = load_toml(rules_dir() / "packs" / "pii.toml", "pattern pack pii (built in)")
    tests = data.get("placeholder", {})
    table = [_kind(where, item, rank, tests) for rank, (where, item)
             in enumerate(tables(data, "kind", "pii (built in)", "name", _FIELDS))]
    by_rule: dict[str, Kind] = {}
    for k in table:
        by_rule.setdefault(k.rule, k)
    out = KindTable({k.name: k for k in table}, by_rule)
    if FALLBACK not in out.by_name:
        raise ConfigError(f"pattern pack pii (built in): no kind {FALLBACK!r}")
    return out


def kind_of(p: Pattern) -> Kind:
    """The kind of a pattern (its own, its rule's, or the fallback)."""
    table = kinds()
    if p.kind:
        return table.by_name[p.kind]
    return table.by_rule.get(p.rule) or table.by_name[FALLBACK]


def resolve(patterns: Iterable[Pattern]) -> list[Pattern]:
    """Patterns with kind, rule, validator and secrecy filled in from their kind.

    A typo is a configuration error here, not a silently unchecked pattern: an unknown
    kind or validator, or a kind another rule reports.
    """
    table = kinds()
    out = []
    for p in patterns:
        where = f"pattern pack {p.source}, pattern {p.id!r}"
        if p.kind and p.kind not in table.by_name:
            raise ConfigError(f"{where}: unknown kind {p.kind!r} "
                              f"(known: {', '.join(table.by_name)})")
        k = kind_of(p)
        if p.kind and p.rule and p.rule != k.rule:
            raise ConfigError(f"{where}: kind {k.name!r} is reported by {k.rule}, not {p.rule}")
        check = p.check or k.check
        if check is not None and check not in VALIDATORS:
            raise ConfigError(f"{where}: unknown check {check!r} "
                              f"(known: {', '.join(sorted(VALIDATORS))})")
        out.append(dataclasses.replace(p, kind=k.name, rule=p.rule or k.rule, check=check,
                                       secret=p.secret or k.sensitivity == "secret"))
    return out
