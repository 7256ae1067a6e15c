"""Language identification for DP503: a cheap screen for every record, langdetect to confirm.

langdetect is accurate on a few hundred characters but costs 1-3 ms a call (about 450
records/s on 500 characters), far too slow for every record of a large dataset.  So each
record gets a *screen* of a few microseconds, built from two signals that need no model:

- **Unicode scripts** of the letters (Latin, Cyrillic, Greek, Arabic, Hebrew, Han, kana,
  Hangul, Devanagari, Thai, ...).  Most scripts name their language outright (Hangul is
  Korean, Han with kana is Japanese, Han alone Chinese, Greek is Greek); ASCII-only text
  is Latin without looking at a single character.
- **Stop-word hits** for the scripts that many languages share (Latin, Cyrillic, Arabic):
  the share of a text's words that are frequent function words of each language, from
  ``rules/languages/stopwords.toml``.  Running text has about a third of its words in
  its language's list and few in the others'.

The screen yields a *label*: a language code (``en``, ``fr``, ``ru``, ``zh``), or a
script (``Latn``, ``Cyrl``, ``Arab``, ``Deva``) when the words give too little evidence to
name a language.  langdetect (``Confirmer``, seeded so every call is reproducible) then
decides only where a decision depends on it: the records the screen marks as suspicious,
and a seeded sample that estimates the dataset's language shares.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from dataprep.resources import rules_dir

#: words (runs of letters of any script) of a lower-cased text
_WORD = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: code blocks, inline code, URLs, e-mail addresses and markup tags carry no language
_NOISE = re.compile(
    r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`|(?:https?://|www\.)\S+"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|<[^<>\n]{1,200}>",
    re.DOTALL,
)
_NOISE_MARKS = ("`", "://", "www.", "@", "<", "~~~")
#: names a program reads, not prose: snake_case, camelCase and dotted names (``os.path.join``,
#: ``iPhone``, ``TypeError``), and file paths.  ASCII classes only, so a run of Han
#: characters next to a name is left alone.  Numbers are no letters, so the screen leaves
#: them out of every count but the letter share (a text of numbers and symbols is data).
_IDENT = re.compile(
    r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+"
    r"|\b[A-Za-z0-9]*_[A-Za-z0-9_]*"
    r"|\b[a-z]+[A-Z][A-Za-z0-9]*|\b[A-Z][a-z]+[A-Z][A-Za-z0-9]*"
)
#: a dotted name's mark; texts without it (or an underscore) skip ``_IDENT``, so a lone
#: camelCase word is left to the names pattern below
_DOT_LETTER = re.compile(r"\.[A-Za-z_]")
_PATH = re.compile(r"[~.]*[/\\][\w.-]+[/\\][\w./\\-]*")
#: capitalised words inside a sentence (after a lower-case letter, a comma or an opening
#: bracket or quote), with the short joining words of titles: names of people, places,
#: products and titles ("Dua Lipa", "Plats du Chef", "（Hydrogen"), which carry no
#: language, and in a list would make one ("La Banquise, Le Chef" reads French)
_NAME = re.compile(r"([a-z,&(（，、\"“]) *[A-Z][A-Za-z'’-]+"
                   r"(?: +(?:(?:of|the|and|for|de|du|la|le|et|von|van|y) +)*[A-Z][A-Za-z'’-]+)*")
#: a short list item without a sentence in it: a name or a title ("3. Les 400 Coups",
#: "- Ron Weasley"), not prose
_LIST_ITEM = re.compile(r"^[ \t]*(?:\d{1,3}[.)、]|[-*•])[ \t]+[^\n.!?。！？]{0,60}$", re.MULTILINE)
#: a line of program text outside a code fence, with the indented (or comment) lines under
#: it.  Keywords are lower case and prose lines start with a capital, so ``return x``
#: is code and "Return the book" is not; assignments, bare calls and brace lines too.
_CODE_LINE = re.compile(
    r"^[ \t]*(?:"
    r"(?:def|class|import|return|raise|yield|elif|except|print|function|public|private"
    r"|protected|static|void|fn|func|package|#include|console\.log|System\.out"
    r"|pip|npm|git|cd|ls|sudo|mkdir|python3?|curl|docker|ssh-keygen|export)\b"
    r"|from\s+[\w.]+\s+import\b|(?:else|try|finally)\s*:"
    r"|(?:if|for|while|with|switch|catch)\b[^\n]*(?:[(=<>\[][^\n]*)[:{]\s*$"
    r"|(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\s[^\n]*[A-Z]{3}"
    r"|[\w.\[\]'\"]+[ \t]*(?:[-+*/%]|//)?=(?!=)[ \t]*\S"
    r"|(?:let|var|const)\s+\w+\s*[=:;]|[\w.]+\([^\n]*\)[ \t]*;?[ \t]*$"
    r"|[{}\[\]()]+[;,]?[ \t]*$"
    r")[^\n]*(?:\n(?:[ \t]+\S|[ \t]*(?:#|//|\}))[^\n]*)*",
    re.MULTILINE,
)
#: the start of a JSON object or array: an opening bracket before a quoted key or string,
#: another bracket or (arrays) a number
_JSON_START = re.compile(r"[{\[]\s*(?:\"[^\"\n]{0,200}\"\s*[:,\]}]|[{\[])|\[\s*-?\d")
_CLOSE = {"{": "}", "[": "]"}
#: Han, kana and Hangul: what a text of another script is given to langdetect without
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
                      r"\uff66-\uff9f\U00020000-\U0002ffff]+")
#: bytes.translate table: ASCII letters lower-cased, every other byte a space
_ASCII_LETTERS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))

#: a stop-word language is named when at least this many words hit its list ...
MIN_HITS = 3
#: ... and they are at least this share of the text's words
MIN_RATE = 0.12
#: a second language is kept as an alternative when its hits reach this share of the best's
ALT_SHARE = 0.8
#: texts whose letters are below this share of their non-blank characters are code or data
MIN_LETTER_SHARE = 0.55
#: a Han, kana or Hangul character counts as this many letters when scripts are compared
#: (a Chinese word is one or two characters, an English one about five letters), so
#: "新的苹果iPhone 12 Pro Max是首款支持5G的iPhone" is Chinese, as a reader sees it
CJK_WEIGHT = 3
#: a CJK text is Korean when Hangul is at least this share of its CJK letters ...
HANGUL_SHARE = 0.3
#: ... else Japanese when kana is at least this share (running Japanese has a third or
#: more of kana; Chinese that quotes a Japanese name, "サカナクション", stays Chinese)
KANA_SHARE = 0.2

# (first code point, last code point, script); letters outside these ranges are ignored
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x00C0, 0x024F, "Latn"), (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"), (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"), (0x0D00, 0x0D7F, "Mlym"),
    (0x0E00, 0x0E7F, "Thai"), (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"),
    (0x1200, 0x137F, "Ethi"), (0x1E00, 0x1EFF, "Latn"), (0x1F00, 0x1FFF, "Grek"),
    (0x3040, 0x30FF, "Kana"), (0x3130, 0x318F, "Hang"), (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"), (0xAC00, 0xD7AF, "Hang"),
    (0xF900, 0xFAFF, "Hani"), (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0xFF21, 0xFF5A, "Latn"), (0xFF66, 0xFF9F, "Kana"), (0x20000, 0x2FFFF, "Hani"),
)
_STARTS = [r[0] for r in _RANGES]

#: scripts that name one language
_SCRIPT_LANGUAGE = {
    "Grek": "el", "Hebr": "he", "Hang": "ko", "Thai": "th", "Beng": "bn", "Guru": "pa",
    "Gujr": "gu", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Geor": "ka",
    "Armn": "hy", "Ethi": "am",
}
#: languages (langdetect's codes) written in a script several languages share; a label
#: that is one of these scripts is compatible with each of its languages
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "Latn": frozenset({
        "af", "ca", "cs", "cy", "da", "de", "en", "es", "et", "fi", "fr", "hr", "hu", "id",
        "it", "lt", "lv", "nl", "no", "pl", "pt", "ro", "sk", "sl", "so", "sq", "sv", "sw",
        "tl", "tr", "vi",
    }),
    "Cyrl": frozenset({"ru", "uk", "bg", "mk"}),
    "Arab": frozenset({"ar", "fa", "ur"}),
    "Deva": frozenset({"hi", "mr", "ne"}),
}
#: scripts whose language is told by stop words
_WORD_SCRIPTS = frozenset({"Latn", "Cyrl", "Arab"})
#: Han, kana and Hangul: together they decide whether a text is Chinese, Japanese, Korean
_CJK_SCRIPTS = frozenset({"Hani", "Kana", "Hang"})

LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali",
    "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kn": "Kannada", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
    "mr": "Marathi", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "so": "Somali", "sq": "Albanian", "sv": "Swedish", "sw": "Swahili",
    "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
    "Latn": "Latin-script text", "Cyrl": "Cyrillic-script text",
    "Arab": "Arabic-script text", "Deva": "Devanagari-script text",
}


def language_name(code: str, detail: str = "") -> str:
    """``French (fr)`` for a code (``French (fr, detail)`` with a detail); scripts by name."""
    name = LANGUAGE_NAMES.get(code)
    if code in SCRIPT_LANGUAGES:
        return f"{name} ({detail})" if detail else str(name)
    inner = f"{code}, {detail}" if detail else code
    return f"{name} ({inner})" if name else f"{code} ({detail})" if detail else code


def normalize_code(code: str) -> str:
    """langdetect's codes folded to ISO 639-1 (``zh-cn``/``zh-tw`` → ``zh``)."""
    code = code.strip().lower().replace("_", "-")
    return "zh" if code.startswith("zh") else code.split("-")[0]


class Stopwords(NamedTuple):
    #: word → the languages whose list holds it (tuples are shared between words)
    lookup: dict[str, tuple[str, ...]]
    #: languages in file order (ties between languages resolve to the earlier one)
    order: dict[str, int]
    #: the ASCII words of ``lookup`` as bytes, for the byte-level path of ``screen``
    ascii_lookup: dict[bytes, tuple[str, ...]]


@functools.lru_cache(maxsize=1)
def stopwords() -> Stopwords:
    """The stop-word lists of ``rules/languages/stopwords.toml``, as one word → languages map."""
    data = tomllib.loads((rules_dir() / "languages" / "stopwords.toml").read_text("utf-8"))
    by_word: dict[str, list[str]] = {}
    order: dict[str, int] = {}
    for lang, spec in data.items():
        order[lang] = len(order)
        for w in str(spec.get("words", "")).split():
            langs = by_word.setdefault(w.lower(), [])
            if lang not in langs:
                langs.append(lang)
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    lookup = {w: interned.setdefault(tuple(ls), tuple(ls)) for w, ls in by_word.items()}
    ascii_lookup = {w.encode("ascii"): v for w, v in lookup.items() if w.isascii()}
    return Stopwords(lookup, order, ascii_lookup)


@functools.lru_cache(maxsize=1)
def _requests() -> re.Pattern[str]:
    """One pattern of the phrases of ``rules/languages/requests.toml``."""
    data = tomllib.loads((rules_dir() / "languages" / "requests.toml").read_text("utf-8"))
    phrases = {p.lower() for spec in data.values() for p in str(spec.get("phrases", "")).split("\n")
               if p.strip()}
    return re.compile("|".join(re.escape(p.strip()) for p in sorted(phrases, key=len, reverse=True)))


def asks_for_language(prompt: str) -> bool:
    """Whether a prompt asks for a translation or an answer in a named language."""
    return _requests().search(prompt.lower()) is not None


_SCRIPT_CACHE: dict[str, str | None] = {}


def _script_of(ch: str) -> str | None:
    got = _SCRIPT_CACHE.get(ch, "")
    if got != "":
        return got
    sc: str | None = None
    if ch.isalpha():
        i = bisect_right(_STARTS, ord(ch)) - 1
        if i >= 0 and ord(ch) <= _RANGES[i][1]:
            sc = _RANGES[i][2]
    if len(_SCRIPT_CACHE) < 100_000:
        _SCRIPT_CACHE[ch] = sc
    return sc


def script_counts(text: str, letters: int) -> Counter[str]:
    """Letters per script; ``letters`` is the text's letter count (ASCII letters are Latin)."""
    counts: Counter[str] = Counter()
    other = 0
    for ch, n in Counter(_NON_ASCII.findall(text)).items():
        sc = _script_of(ch)
        if sc is not None:
            counts[sc] += n
            other += n
    ascii_letters = letters - other
    if ascii_letters > 0:
        counts["Latn"] += ascii_letters
    return counts


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]]')


def _json_end(text: str, start: int) -> int:
    """Where the JSON value opened at ``start`` ends: after its closing bracket, at a bracket
    that does not match, or at the text's end (a payload cut by the prefix window)."""
    stack: list[str] = []
    for m in _JSON_TOKEN.finditer(text, start):
        tok = m.group()
        if tok[0] == '"':
            continue
        if tok in "{[":
            stack.append(_CLOSE[tok])
        elif not stack or tok != stack.pop():
            return m.start()
        elif not stack:
            return m.end()
    return len(text)


def _drop_json(text: str) -> str:
    """Drop JSON payloads: the whole text when it is one object or array, else each
    embedded object or array (tool arguments, API responses, structured answers)."""
    out: list[str] = []
    pos = 0
    m = _JSON_START.search(text)
    while m is not None:
        end = _json_end(text, m.start())
        out.append(text[pos:m.start()])
        pos = max(end, m.start() + 1)
        m = _JSON_START.search(text, pos)
    if not out:
        return text
    out.append(text[pos:])
    return " ".join(out)


def clean(text: str) -> str:
    """Drop what carries no language, so that only prose is screened and identified: code
    (fenced, inline, and program lines outside fences), JSON payloads, URLs, e-mails,
    markup tags, file paths and identifiers (snake_case, camelCase, dotted names).
    """
    for mark in _NOISE_MARKS:
        if mark in text:
            text = _NOISE.sub(" ", text)
            break
    if "{" in text or "[" in text:
        text = _drop_json(text)
    text = _CODE_LINE.sub(" ", text)
    if "/" in text or "\\" in text:
        text = _PATH.sub(" ", text)
    if "_" in text or _DOT_LETTER.search(text) is not None:
        text = _IDENT.sub(" ", text)
    return text


def without_names(text: str) -> str:
    """The text without capitalised words inside sentences and short list items (what the
    screen reads: names make no language, but a list of them would look like one).  langdetect reads the
    text with them: German capitalises its nouns, and they help it."""
    if "\n" in text:
        text = _LIST_ITEM.sub(" ", text)
    return _NAME.sub(r"\1 ", text)


def without_cjk(text: str) -> str:
    """The text without Han, kana and Hangul (what langdetect reads of a Latin-script
    text that quotes Chinese: the quoted characters would pull it towards zh)."""
    return _CJK_RUN.sub(" ", text)


#: a quoted span: what a prompt asks about ("写一个包含“do away with”短语的句子")
_QUOTED = re.compile(r"[“\"‘'「『]([^“”\"‘’'「」『』\n]{1,120})[”\"’'」』]")


def _weighted_counts(text: str) -> Counter[str]:
    """Letters per script, Han, kana and Hangul together as ``Hani`` at ``CJK_WEIGHT``."""
    counts = script_counts(text, sum(map(len, _WORD.findall(text))))
    cjk = counts.pop("Hani", 0) + counts.pop("Kana", 0) + counts.pop("Hang", 0)
    if cjk:
        counts["Hani"] = CJK_WEIGHT * cjk
    return counts


def main_script(text: str) -> str | None:
    """The script of most of a text's letters (CJK weighted), or None without letters."""
    counts = _weighted_counts(text)
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else None


def script_share(text: str, script: str) -> float:
    """The share of a text's letters (CJK weighted) that are in ``script``."""
    counts = _weighted_counts(text)
    total = sum(counts.values())
    return counts.get(script, 0) / total if total else 0.0


def quotes_script(prompt: str, script: str) -> bool:
    """Whether a prompt quotes words in ``script`` (it then asks about them, and a reply
    in that script may be what it wants: "生成一个正确使用“opulent”一词的例句")."""
    return any(main_script(m.group(1)) == script for m in _QUOTED.finditer(prompt))


def script_of_label(label: str) -> str | None:
    """The script a screened label is written in (``Hani`` for zh, ja and ko)."""
    if label in SCRIPT_LANGUAGES:
        return label
    if label in ("zh", "ja", "ko"):
        return "Hani"
    for script, lang in _SCRIPT_LANGUAGE.items():
        if lang == label:
            return script
    return script_of_language(label)


class Screen(NamedTuple):
    """The cheap verdict on one text."""

    #: a language code, or a script (``Latn``...) when the words do not name a language
    label: str
    #: a close second language (related languages: es/pt, da/no), or None
    alt: str | None
    #: stop-word hits per language (empty outside the word scripts)
    hits: Mapping[str, int]
    #: words in the text (of its main script, in the word scripts)
    words: int
    #: letters of the text (a Han, kana or Hangul character counts ``CJK_WEIGHT``)
    letters: int = 0
    #: the main script's share of those letters (1.0: a single-script text)
    share: float = 1.0


def screen(text: str, min_letters: int) -> Screen | None:
    """Screen a cleaned text; None when it has too little language to judge.

    The script is decided first, by share of letters: a text whose Han, kana and Hangul
    letters (weighted ``CJK_WEIGHT``) are at least half of its letters is Chinese,
    Japanese (kana present) or Korean (Hangul), whatever Latin words it quotes.  Other
    texts take their main script; the scripts of one language name it, and the shared
    ones (Latin, Cyrillic, Arabic) are told apart by the stop words of that script's words.

    Too little: fewer than ``min_letters`` letters, or letters below ``MIN_LETTER_SHARE``
    of the non-blank characters (tables, symbols).  ASCII text, the common case, takes a
    byte-level path (one ``bytes.translate`` lowers it and blanks everything but letters)
    that costs a third of the Unicode path.
    """
    sw = stopwords()
    nonblank = len(text) - text.count(" ") - text.count("\n")
    share = 1.0
    if text.isascii():
        b = text.encode("ascii").translate(_ASCII_LETTERS)
        letters = len(b) - b.count(32)
        if letters < min_letters or letters < MIN_LETTER_SHARE * nonblank:
            return None
        words: list[Any] = b.split()
        keys = Counter(map(sw.ascii_lookup.get, words))
        script = "Latn"
    else:
        words = _WORD.findall(text.lower())
        raw = sum(map(len, words))
        if raw < MIN_LETTER_SHARE * nonblank:
            return None
        counts = script_counts(text, raw)
        hani, kana, hang = counts.get("Hani", 0), counts.get("Kana", 0), counts.get("Hang", 0)
        cjk = hani + kana + hang
        letters = raw + (CJK_WEIGHT - 1) * cjk
        if letters < min_letters or not counts:
            return None
        if 2 * CJK_WEIGHT * cjk >= letters:
            label = ("ko" if hang >= HANGUL_SHARE * cjk else
                     "ja" if kana >= KANA_SHARE * cjk and kana >= 2 else "zh")
            return Screen(label, None, {}, len(words), letters, CJK_WEIGHT * cjk / letters)
        script, top = max(((sc, n) for sc, n in counts.items() if sc not in _CJK_SCRIPTS),
                          key=lambda kv: (kv[1], kv[0]))
        share = top / letters
        if script not in _WORD_SCRIPTS:
            return Screen(_SCRIPT_LANGUAGE.get(script, script), None, {}, len(words), letters,
                          share)
        if share < 1.0:
            words = [w for w in words if w.isascii() or _script_of(w[0]) == script]
        keys = Counter(map(sw.lookup.get, words))
    hits: dict[str, int] = {}
    for key, n in keys.items():
        if key is not None:
            for lang in key:
                hits[lang] = hits.get(lang, 0) + n
    n_words = len(words)
    if not hits:
        return Screen(script, None, hits, n_words, letters, share)
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], sw.order.get(kv[0], 99)))
    best, n_best = ranked[0]
    if n_best < MIN_HITS or n_best < MIN_RATE * n_words:
        return Screen(script, None, hits, n_words, letters, share)
    alt = ranked[1][0] if len(ranked) > 1 and ranked[1][1] >= ALT_SHARE * n_best else None
    return Screen(best, alt, hits, n_words, letters, share)


def compatible(label: str, alt: str | None, language: str) -> bool:
    """Whether a screened label may be ``language`` (a script label is each of its languages)."""
    return label == language or alt == language or language in SCRIPT_LANGUAGES.get(label, ())


def script_of_language(language: str) -> str | None:
    """The shared script a language is written in (``Latn`` for ``en``), if any."""
    for script, langs in SCRIPT_LANGUAGES.items():
        if language in langs:
            return script
    return None


@functools.lru_cache(maxsize=1)
def _factory() -> Any:
    """langdetect's profiles, loaded once per process (~0.2 s, ~60 MB)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory


class Confirmer:
    """langdetect with a fixed seed, loaded on first use.

    A private ``DetectorFactory`` with ``seed = 0`` makes every call reproducible without
    touching langdetect's module-level factory that other code may share; it is only
    read after loading, so one instance serves every run of the process.
    """

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, text: str) -> list[tuple[str, float]]:
        """(language, probability) best first, codes normalised; [] when undecidable."""
        from langdetect.lang_detect_exception import LangDetectException

        factory = _factory()
        self.calls += 1
        try:
            det = factory.create()
            det.append(text)
            probs = det.get_probabilities()
        except LangDetectException:
            return []
        out: dict[str, float] = {}
        for p in probs:
            code = normalize_code(p.lang)
            out[code] = out.get(code, 0.0) + p.prob
        return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share ``k/n`` (good also near 0 and 1)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, mid - half), min(1.0, mid + half)
