"""Normalisation for exact duplicates: what counts as the same text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dataprep.normalize import content_hash, normalize


def test_case_whitespace_and_nfkc() -> None:
    assert normalize("  Hello\t\tWORLD \n again ") == "hello world again"
    assert normalize("ﬁne Ｔｅｘｔ\u00a0here") == "fine text here"  # ligature, full-width, NBSP
    assert normalize("Straße") == "strasse"  # case-fold, not just lower
    assert normalize("a\u2028b") == "a b"


def test_role_separators_are_kept() -> None:
    assert normalize("user\x1fhi\x1eassistant\x1fyo") == "user\x1fhi\x1eassistant\x1fyo"
    assert content_hash("user\x1fhi there") != content_hash("user hi there")


@given(st.lists(st.sampled_from(["a", "B", "c", " ", "  ", "\n", "\t", "é", "É"]), max_size=30))
def test_matches_split_join_on_plain_whitespace(parts: list[str]) -> None:
    text = "".join(parts)
    assert normalize(text) == " ".join(text.casefold().split())
    assert content_hash(text) == content_hash(text.upper())
