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

A third reader, ``requirements``, gives *every* literal a pattern needs (all of its
conjunctive parts, not only the best one) and says which of them can only occur as
whole words: in ``\\b(?:make|rate)\\b`` "rate" must be a word of its own, so "generate"
does not let it through.  The task-validity pattern groups test them all against the
set of words of a text (``fold``, ``words``) before any regex runs.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any, NamedTuple

try:  # the regex parser moved in Python 3.11; it is only read, never patched
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["Requirements", "fold", "gate", "leading_literals", "requirements", "words"]

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


# ------------------------------------------------------------------ requirements (DP70x)

#: ``(literal, whole)``: the literal occurs in the text, and when ``whole``, with a
#: non-word character or the text's edge on each side where it has a word character, so
#: that each of its runs of word characters is a whole word (a member of ``words(text)``)
Atom = tuple[str, bool]


class Requirements(NamedTuple):
    """Every literal a pattern needs: each factor is a set of atoms one of which must
    hold, and all factors must hold; ``lower``: test the folded text (``fold``)."""

    factors: tuple[frozenset[Atom], ...]
    lower: bool


_WORD_CHAR = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
#: characters that ``str.casefold`` maps differently from how the regex engine matches
#: them case-insensitively (dotted and dotless i match "i"), or that it would turn from
#: a non-word character into a word character (U+0345 folds to a Greek iota)
_FOLD_FIXES = {0x130: "i", 0x131: "i", 0x345: " "}
_NON_WORD_CATEGORIES = ("CATEGORY_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_LINEBREAK")
_END = ("AT_END", "AT_END_STRING")
_START = ("AT_BEGINNING", "AT_BEGINNING_STRING", "AT_BOUNDARY")


def fold(text: str) -> str | None:
    """``text`` case-folded character by character for the ``lower`` requirements, or
    None when folding would change its length (then nothing can be ruled out)."""
    if text.isascii():
        return text.lower()
    if "\u0130" in text or "\u0131" in text or "\u0345" in text:  # rare: a slow path
        text = text.translate(_FOLD_FIXES)
    out = text.casefold()
    return out if len(out) == len(text) else None


def words(hay: str) -> set[str]:
    """The words of a (folded) text: its maximal runs of ``\\w`` characters."""
    return set(_WORDS.findall(hay))


def _is_word(ch: str) -> bool:
    return _WORD_CHAR.match(ch) is not None


@functools.lru_cache(maxsize=4096)
def requirements(rx: re.Pattern[str]) -> Requirements | None:
    """All literals ``rx`` cannot match without (None: none are known).

    Unlike ``gate``, which keeps the best one or two tests, this keeps every factor a
    sequence requires, looking into groups, required repeats and positive lookarounds;
    an alternation gives the factors its branches share ("A and B, or C" requires "A or
    C" and "B or C"), from each branch's best few.  A literal is marked whole when the
    pattern puts a non-word character (or the text's edge) next to each of its ends that
    is a word character: ``\\b``, ``^``, a space, ``\\s+``, a lookbehind for
    punctuation, in every branch that can come before or after it (an optional ending,
    ``photos?\\b``, gives both words).  Case-insensitive literals with non-ASCII cased
    characters are left out (their case-insensitive matches are not what ``fold``
    gives).
    """
    tree = _tree(rx)
    if tree is None:
        return None
    try:
        lower = bool(rx.flags & re.IGNORECASE) or _has_local_ignorecase(tree)
        factors, _ = _cnf(_ops(tree), lower, False, None)
    except Exception:  # noqa: BLE001 - an unknown parser shape only costs speed
        return None
    unique = list(dict.fromkeys(f for f in factors if f and all(lit for lit, _ in f)))
    # a factor that holds whenever a smaller one does tests nothing more
    kept = tuple(f for f in unique if not any(g < f for g in unique))
    return Requirements(kept, lower) if kept else None


#: what follows a point of a pattern: the rest of a sequence, then the rest of the
#: sequences around it (None: the end of the pattern, after which anything may follow)
_Cont = tuple[list[tuple[str, Any]], int, Any] | None


def _cnf(items: list[tuple[str, Any]], lower: bool, bounded: bool, after: _Cont,
         need: bool = True) -> tuple[list[frozenset[Atom]], bool]:
    """The factors a parsed sequence requires, and whether the character before the
    point where it ends is a non-word character or the text's start.

    ``bounded``: the same promise for the point where the sequence starts (it is what a
    word character consumed next may rely on); ``after``: what follows the sequence;
    ``need``: False when only the promise at the end is wanted (no factors are made).
    """
    out: list[frozenset[Atom]] = []
    run: list[str] = []
    run_bounded = False
    run_end = 0  # the item after the run's last character (a ``\b`` there counts)

    def flush(i: int) -> None:
        if run and not need:
            run.clear()
        if run:
            lit = "".join(run)
            cont = (items, run_end, after)
            left = run_bounded or not _is_word(lit[0])
            whole = left and _WORD_CHAR.search(lit) is not None
            if whole and _is_word(lit[-1]) and not _non_word_next(cont, True):
                # an optional ending: "photos?\b" is the word "photo" or "photos"
                ending = _optional_ending(cont, lower)
                if ending is not None and _non_word_next(ending[1], True):
                    out.append(frozenset({(lit, True), (lit + ending[0], True)}))
                    run.clear()
                    return
                whole = False
            out.append(frozenset({(lit, whole)}))
            run.clear()

    for i, (name, av) in enumerate(items):
        if name == "LITERAL":
            ch = _lit_char(av, lower)
            if ch is None:
                flush(i)
            else:
                if not run:
                    run_bounded = bounded
                run.append(ch)
                run_end = i + 1
            bounded = not _is_word(chr(av))
        elif name == "AT":
            # zero-width: \b, ^, $ do not break a literal run
            code = str(av)
            if code in _START:
                bounded = True
            elif code == "AT_NON_BOUNDARY":
                bounded = False
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = _ops(av[-1] if name == "SUBPATTERN" else av)
            lit = _pure_literal(av[-1] if name == "SUBPATTERN" else av, lower)
            if lit is not None and lit and all(_lit_char(a, lower) for _, a in sub):
                if not run:
                    run_bounded = bounded
                run.append(lit)
                run_end = i + 1
                bounded = not _is_word(chr(sub[-1][1]))
                continue
            flush(i)
            found, bounded = _cnf(sub, lower, bounded, (items, i + 1, after), need)
            out.extend(found)
        elif name == "BRANCH":
            tails = [_literal_text(_ops(branch), lower) for branch in av[1]]
            if run and all(t is not None for t in tails) and need:
                # the parser moves a shared prefix out: "set|start" is "s" + "et|tart"
                head = "".join(run)
                lits = [head + t for t in tails if t is not None]
                out.append(frozenset(
                    (lit, (run_bounded or not _is_word(lit[0])) and _WORD_CHAR.search(lit)
                     is not None and (not _is_word(lit[-1])
                                      or _non_word_next((items, i + 1, after), True)))
                    for lit in lits))
                run.clear()
                bounded = all(not _is_word(lit[-1]) for lit in lits)
                continue
            flush(i)
            options: list[list[frozenset[Atom]]] = []
            ends = []
            for branch in av[1]:
                found, end = _cnf(_ops(branch), lower, bounded, (items, i + 1, after), need)
                ends.append(end)
                if need:
                    good = [f for f in found if all(lit.strip() for lit, _ in f)]
                    options.append(sorted(good, key=_atom_score, reverse=True))
            if need and all(options):
                out.extend(_either(options))
            bounded = all(ends)
        elif name in _REPEATS:
            flush(i)
            low, high, sub_seq = av
            sub = _ops(sub_seq)
            _, end = _cnf(sub, lower, False, None, need=False)
            inner_after = (items, i + 1, after) if high == 1 else None
            if low >= 1 and need:  # the first repetition has the context before the repeat
                found, _ = _cnf(sub, lower, bounded, inner_after)
                out.extend(found)
            bounded = end and (low >= 1 or bounded)
        elif name == "ASSERT":
            flush(i)
            direction, sub_seq = av
            sub = _ops(sub_seq)
            if need:
                found, _ = _cnf(sub, lower, False, None)
                out.extend(found)
            if direction < 0 and sub and _consumes_non_word(sub[-1]):
                bounded = True  # a lookbehind for punctuation or a space
        elif name == "ASSERT_NOT":
            flush(i)
        elif name == "IN":
            flush(i)
            chars = _class_chars(av, lower) if need else None
            if chars:
                out.append(frozenset((c, False) for c in chars))
            bounded = _non_word_set(av)
        else:
            flush(i)
            bounded = False
    flush(len(items))
    return out, bounded


def _literal_text(items: list[tuple[str, Any]], lower: bool) -> str | None:
    """The text of a sequence of testable literal characters ("" for none), or None."""
    chars = []
    for name, av in items:
        ch = _lit_char(av, lower) if name == "LITERAL" else None
        if ch is None:
            return None
        chars.append(ch)
    return "".join(chars)


def _lit_char(code: int, lower: bool) -> str | None:
    """A literal character as the text is tested for it (None: not testable)."""
    ch = chr(code)
    if not lower:
        return ch
    if ch.isascii():
        return ch.lower()
    if ch.lower() != ch or ch.upper() != ch or ch.casefold() != ch:
        return None  # a non-ASCII cased letter: its case-insensitive matches vary
    return ch


#: a character class with more members than this is not worth a test
_MAX_CLASS = 8


def _class_chars(av: Any, lower: bool) -> list[str] | None:
    """The characters of a small class of plain characters (``[<\\[({]``), one of which
    must be in the text, or None."""
    out = []
    for name, arg in _ops(av):
        ch = _lit_char(arg, lower) if name == "LITERAL" else None
        if ch is None:
            return None
        out.append(ch)
    return out if len(out) <= _MAX_CLASS else None


def _non_word_set(av: Any) -> bool:
    """Whether a character class matches only non-word characters."""
    for name, arg in _ops(av):
        if name == "LITERAL":
            if _is_word(chr(arg)):
                return False
        elif name == "CATEGORY":
            if str(arg) not in _NON_WORD_CATEGORIES:
                return False
        else:
            return False  # NEGATE, RANGE: not worth reading
    return True


def _optional_ending(cont: _Cont, lower: bool) -> tuple[str, _Cont] | None:
    """When a point of the pattern is followed by an optional run of word characters
    (``s?``, ``(?:es)?``), that run and what follows it."""
    while cont is not None and cont[1] >= len(cont[0]):
        cont = cont[2]
    if cont is None:
        return None
    items, j, outer = cont
    name, av = items[j]
    if name not in _REPEATS or av[0] != 0 or av[1] != 1:
        return None
    sub = _ops(av[2])
    if len(sub) == 1 and sub[0][0] == "SUBPATTERN":
        sub = _ops(sub[0][1][-1])
    text = _literal_text(sub, lower)
    if not text or not all(_is_word(c) for c in text):
        return None
    return text, (items, j + 1, outer)


def _consumes_non_word(item: tuple[str, Any]) -> bool:
    name, av = item
    if name == "LITERAL":
        return not _is_word(chr(av))
    return name == "IN" and _non_word_set(av)


def _non_word_next(cont: _Cont, prev_word: bool) -> bool:
    """Whether the character after a point of the pattern is a non-word character or
    the text's end, in every match (``prev_word``: the character before it is a word
    character, so that ``\\b`` there promises it)."""
    while cont is not None:
        items, j, outer = cont
        if j >= len(items):
            cont = outer
            continue
        name, av = items[j]
        rest = (items, j + 1, outer)
        if name == "AT":
            code = str(av)
            if code in _END or (code == "AT_BOUNDARY" and prev_word):
                return True
            cont = rest  # zero-width: the next character is the one after it
        elif name in ("ASSERT", "ASSERT_NOT"):
            cont = rest
        elif name == "LITERAL":
            return not _is_word(chr(av))
        elif name == "IN":
            return _non_word_set(av)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = av[-1] if name == "SUBPATTERN" else av
            cont = (_ops(sub), 0, rest)
        elif name == "BRANCH":
            return all(_non_word_next((_ops(b), 0, rest), prev_word) for b in av[1])
        elif name in _REPEATS:
            low, _, sub = av
            first = _non_word_next((_ops(sub), 0, rest), prev_word)
            return first and (low >= 1 or _non_word_next(rest, prev_word))
        else:
            return False
    return False


#: at most this many factors come out of one alternation
_MAX_PRODUCT = 16


def _either(options: list[list[frozenset[Atom]]]) -> list[frozenset[Atom]]:
    """Factors implied by an alternation whose branches require ``options`` (best
    first): "A and B, or C and D" requires "A or C", "A or D", "B or C" and "B or D".
    Each branch gives its best few factors, so that the product stays small."""
    keep = max(1, int(_MAX_PRODUCT ** (1 / len(options)) + 1e-9))
    return [frozenset().union(*combo)
            for combo in itertools.product(*(o[:keep] for o in options))]


def _atom_score(f: frozenset[Atom]) -> float:
    """How selective a factor is (higher: rules out more texts)."""
    shortest = min(len(lit) + (3 if whole else 0) for lit, whole in f)
    if any(len(lit) == 1 and lit in RARE for lit, _ in f):
        return 100.0
    if shortest == 1:
        return 0.25
    return min(shortest, 12) / len(f) ** 1.5
