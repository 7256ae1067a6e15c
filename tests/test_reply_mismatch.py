"""DP510's reading of replies: cut or shortened replies are one answer, shared prompt starts are dropped."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dataprep import labelmodel
from dataprep.api import lint
from dataprep.checks.reply_mismatch import merge_beginnings, without_shared_start

FULL = {
    "card": "Cards normally arrive within 3 to 5 working days after they are dispatched. "
            "You can follow the delivery under Cards > Track delivery.",
    "refund": "Refunds usually reach your account within 5 business days of the merchant issuing them. "
              "If it has been longer, ask the merchant for the refund reference.",
    "pin": "Your PIN gets blocked after three wrong attempts. You can unblock it at any ATM "
           "of our network with the correct PIN, or reset it under Cards > PIN.",
}
OPENERS = ["Hi,", "Hello,", "Quick question:", "Please help:", "Urgent:", "Sorry to bother you,",
           "Good morning,", "Hey there,", "Good evening,", "One more thing:", "Help!", "Excuse me,",
           "Thanks in advance,", "Dear support,", "Hi team,", "Morning,"]
ASKS = {
    "card": ["when will my new card arrive?", "is my card on its way in the post?", "how long does card delivery take?"],
    "refund": ["where is my refund from the shop?", "the merchant refund is still missing", "how long does a refund take?"],
    "pin": ["my PIN is blocked after wrong tries", "how do I unblock my PIN?", "the ATM says my PIN is locked"],
}
QUESTIONS = {intent: [f"{o} {a}" for a in asks for o in OPENERS] for intent, asks in ASKS.items()}


def test_a_reply_that_begins_another_joins_the_most_given_one() -> None:
    heads = {1: "cards arrive in 3 days", 2: "cards arrive in 3 days you can follow the delivery",
             3: "cards arrive", 4: "refunds take 5 days", 5: "cards arrive in 3 days you can call us"}
    counts = Counter({1: 5, 2: 40, 3: 6, 4: 30, 5: 10})
    got = merge_beginnings(heads, counts)
    assert got == {1: 2, 3: 2}  # 3 -> 1 or 2 or 5: the most given, 2; 1 -> 2 (40 > 10)
    assert 4 not in got and 2 not in got and 5 not in got


def test_replies_agreeing_over_the_kept_head_are_one_answer_without_loops() -> None:
    head = "x" * 300
    got = merge_beginnings({7: head, 8: head, 9: "y"}, Counter({7: 3, 8: 9, 9: 4}))
    assert got == {7: 8}  # sorted (head, digest): 7 before 8, links only go forward


def test_the_shared_start_is_cut_at_a_word_boundary() -> None:
    texts = ["You are a helpful bank assistant. When will my card arrive?",
             "You are a helpful bank assistant. Where is my refund?"]
    assert without_shared_start(texts) == ["When will my card arrive?", "Where is my refund?"]
    # a shared start that ends inside a word keeps that word
    assert without_shared_start(["refund late", "refunded twice"]) == ["refund late", "refunded twice"]
    assert without_shared_start(["same", "same"]) == ["", ""]
    assert without_shared_start(["only one"]) == ["only one"]


@pytest.mark.skipif(not labelmodel.available(), reason="needs the labels extra")
def test_cut_replies_train_as_their_whole_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half of each intent's replies cut the same way: three answers for the model, not six.

    As classes of their own, a cut reply and its whole answer are what the model confuses,
    and every cut reply read as "the answer to another kind of prompt" (2,300 findings on
    the score benchmark's cut-20 variant, 196 after).
    """
    lines = []
    for intent, questions in QUESTIONS.items():
        for i, q in enumerate(questions):
            reply = FULL[intent] if i % 2 else FULL[intent][: len(FULL[intent]) // 2]
            lines.append({"messages": [{"role": "system", "content": "You answer bank customers briefly."},
                                       {"role": "user", "content": q},
                                       {"role": "assistant", "content": reply}]})
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    seen: dict[str, object] = {}
    real = labelmodel.find_suspects

    def spy(texts: list[str], labels: list[int], n_classes: int, **kw: object) -> labelmodel.ModelReport:
        seen.update(texts=texts, labels=labels, n_classes=n_classes)
        return real(texts, labels, n_classes, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(labelmodel, "find_suspects", spy)
    res = lint([str(path)], select=["DP510"], cwd=tmp_path)
    assert seen["n_classes"] == 3
    labels = seen["labels"]
    assert isinstance(labels, list) and len(labels) == len(lines)
    # every intent's cut and whole replies share one class
    for k, intent in enumerate(QUESTIONS):
        block = labels[k * len(QUESTIONS[intent]):(k + 1) * len(QUESTIONS[intent])]
        assert len(set(block)) == 1
    texts = seen["texts"]
    assert isinstance(texts, list) and not any("briefly" in t for t in texts)  # the shared system prompt
    assert not [f for f in res.findings if f.code == "DP510"]
