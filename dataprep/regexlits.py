"""The literal strings a regular expression cannot match without, read from its parse tree.

Two hot paths skip a regex on texts that cannot hold a match: the DP506 pattern-pack
prefilter (``gate``: a few ``in`` tests, cheapest first) and the PII/secret scanner
(``leading_literals``: the literals a match contains, and whether they start it, so the
scan can jump to them).  Both questions are answered here from one parse of the
pattern by Python's own regex parser, read and never patched, and cached per compiled
pattern (packs are loaded once per run, so the cache stays small).

An unexpected parser shape never gives a wrong answer, only a weaker one (no gate, no
literals): the only cost of missing a literal is speed, while a wrong literal would
silently hide matches.
"""

from __future__ import annotations

import functools
import re
from typing import Any

try:  # the regex parser moved in Python 3.11; it is only read, never patched
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["gate", "leading_literals"]

#: characters rare enough in prose that a ``memchr`` for one rules most texts out
RARE = frozenset("{}<>[]|\\@#$%^~_*=`")

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")

#: a parsed regex: a sequence of (opcode name, argument) pairs, as the parser gives it
Tree = Any


@functools.lru_cache(maxsize=4096)
def _tree(rx: re.Pattern[str]) -> Tree | None:
    """The parse tree of ``rx``, or None when the parser cannot be read."""
    try:
        return _sre_parse.parse(rx.pattern, rx.flags)
    except Exception:  # noqa: BLE001 - an unknown parser shape only costs speed
        return None


def _ops(seq: Tree) -> list[tuple[str, Any]]:
    """The items of a parsed sequence with opcode names as plain strings (stable across
    Python versions, where the opcode constants moved)."""
    return [(str(op), av) for op, av in seq]


# ------------------------------------------------------------------ gate (DP506 packs)


@functools.lru_cache(maxsize=4096)
def gate(rx: re.Pattern[str]) -> tuple[list[tuple[str, ...]], bool]:
    """Cheapest-first literal tests implied by ``rx`` (none: always run the regex), and
    whether they apply to the case-folded text.

    Each test is a tuple of literals one of which must occur.  The best set of required
    literals (long and few) comes first, preceded by a single rare character from it
    when there is one, so that most texts are ruled out by one ``memchr``; the next best
    set, when it is worth a test, follows.  A
    case-insensitive pattern, or one with a case-insensitive group anywhere, is gated on
    case-folded literals in the case-folded text.  Callers must not mutate the result
    (it is cached).
    """
    tree = _tree(rx)
    if tree is None:
        return [], False
    try:
        lower = bool(rx.flags & re.IGNORECASE) or _has_local_ignorecase(tree)
        factors = _factors(tree, lower)
        best = _best(factors)
    except Exception:  # noqa: BLE001 - an unknown parser shape only costs speed
        return [], False
    if best is None:
        return [], False
    steps: list[tuple[str, ...]] = []
    if len(best) == 1:
        (lit,) = best
        rare = next((c for c in lit if c in RARE), None)
        if rare is not None and len(lit) > 1:
            steps.append((rare,))
    steps.append(tuple(sorted(best)))
    # a second required factor, tested only where the first is present: "como " is
    # common in Spanish, "como modelo de lenguaje" is not
    second = _best([f for f in factors if f != best and not f <= best and _score(f) > 0.25])
    if second is not None:
        steps.append(tuple(sorted(second)))
    return steps, lower


def _factors(seq: Tree, lower: bool) -> list[frozenset[str]]:
    """Sets of literals a parsed regex needs: for each set, one member must occur."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(frozenset({"".join(run)}))
            run.clear()

    for name, av in _ops(seq):
        if name == "LITERAL":
            ch = chr(av)
            run.append(ch.casefold() if lower else ch)
        elif name == "AT":
            continue  # zero-width: \b, ^, $ do not break a literal run
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = av[-1] if name == "SUBPATTERN" else av
            lit = _pure_literal(sub, lower)
            if lit is not None:
                run.append(lit)
            else:
                flush()
                out.extend(_factors(sub, lower))
        elif name == "BRANCH":
            flush()
            alts: set[str] = set()
            for branch in av[1]:
                best = _best(_factors(branch, lower))
                if best is None:
                    alts = set()
                    break
                alts |= best
            if alts:
                out.append(frozenset(alts))
        elif name in _REPEATS:
            flush()
            if av[0] >= 1:
                out.extend(_factors(av[2], lower))
        else:
            flush()
    flush()
    return out


def _pure_literal(seq: Tree, lower: bool) -> str | None:
    chars = []
    for name, av in _ops(seq):
        if name != "LITERAL":
            return None
        chars.append(chr(av))
    s = "".join(chars)
    return s.casefold() if lower else s


def _score(f: frozenset[str]) -> float:
    shortest = min(len(s) for s in f)
    if any(c in RARE for s in f for c in s if len(s) == 1):
        return 100.0  # single rare characters are found with memchr
    if shortest == 1:
        return 0.25  # one common character ("我", "a") rules out almost nothing
    return min(shortest, 10) / len(f) ** 1.5


def _best(factors: list[frozenset[str]]) -> frozenset[str] | None:
    good = [f for f in factors if all(s.strip() for s in f)]
    return max(good, key=_score) if good else None


def _has_local_ignorecase(seq: Tree) -> bool:
    for name, av in _ops(seq):
        if name == "SUBPATTERN" and av[1] & re.IGNORECASE:
            return True
        subs: list[Any] = []
        if name in ("SUBPATTERN", "ATOMIC_GROUP"):
            subs = [av[-1] if name == "SUBPATTERN" else av]
        elif name == "BRANCH":
            subs = list(av[1])
        elif name in _REPEATS:
            subs = [av[2]]
        elif name in ("ASSERT", "ASSERT_NOT"):
            subs = [av[1]]
        if any(_has_local_ignorecase(s) for s in subs):
            return True
    return False


# ------------------------------------------------------------------ leading literals (PII)


@functools.lru_cache(maxsize=4096)
def leading_literals(rx: re.Pattern[str]) -> tuple[tuple[str, ...] | None, bool]:
    """Literals (two characters or more) one of which every match of ``rx`` contains,
    and whether they start every match; ``(None, False)`` when there are none.

    Only the front of the pattern is read: the first run of literal characters, or an
    alternation whose every branch starts with one, looking through plain groups.  A
    zero-width assertion before the literal (``\\b``, ``^``, a lookaround) keeps the
    literal but no longer promises it starts the match.  Case-insensitive patterns
    (and case-insensitive groups at the front) have no literals.
    """
    if rx.flags & re.IGNORECASE:
        return None, False
    tree = _tree(rx)
    if tree is None:
        return None, False
    try:
        return _leading(tree)
    except Exception:  # noqa: BLE001 - an unusual pattern just loses its prefilter
        return None, False


def _leading(seq: Tree) -> tuple[tuple[str, ...] | None, bool]:
    lit: list[str] = []
    leading = True
    for name, av in _ops(seq):
        if name == "LITERAL":
            lit.append(chr(av))
            continue
        if lit:
            break
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            leading = False
            continue
        if name == "BRANCH":
            alts = [_leading(b)[0] for b in av[1]]
            if all(alts):
                return tuple(s for a in alts if a for s in a), leading
        elif name == "SUBPATTERN":
            _, add_flags, _, sub = av
            if not add_flags & re.IGNORECASE:
                found, lead = _leading(sub)
                return found, leading and lead
        break
    return (("".join(lit),), leading) if len(lit) >= 2 else (None, False)
