"""Text views: every format reduced to role-tagged turns, memoised per record safely."""

from __future__ import annotations

from dataprep.records import outputs, system_prompt, turns


def test_roles_per_format() -> None:
    chat = {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                         {"role": "assistant", "content": [{"type": "text", "text": "A"}]}]}
    assert [(t.role, t.text, t.pointer) for t in turns("chat", chat)] == [
        ("system", "S", "/messages/0/content"), ("user", "U", "/messages/1/content"),
        ("assistant", "A", "/messages/2/content")]
    share = {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
    assert [t.role for t in turns("sharegpt", share)] == ["user", "assistant"]
    assert [t.text for t in outputs("alpaca", {"instruction": "i", "input": "", "output": "o"})] == ["o"]
    assert [t.pointer for t in outputs("preference", {"prompt": "p", "chosen": "c", "rejected": "r"})] == [
        "/chosen", "/rejected"]
    assert system_prompt("chat", chat).text == "S"  # type: ignore[union-attr]
    assert turns("unknown", {"x": 1}) == []


def test_memo_never_returns_another_records_turns() -> None:
    # equal content, different objects, one after the other: each gets its own turns
    seen = []
    for i in range(50):
        rec = {"text": f"record {i}"}
        seen.append(turns("text", rec)[0].text)
    assert seen == [f"record {i}" for i in range(50)]
    rec = {"text": "same"}
    assert turns("text", rec) is turns("text", rec)
    assert turns("classification", {"text": "t", "label": "l"})[0].role == "user"
