"""DP401-DP403 beyond the YAML cases: related pointers, the labels score dimension,
label-set shapes (two classes, 200 classes, every label unique, non-string labels),
chat and completion inputs, and the spelling-variant helpers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from dataprep.api import lint
from dataprep.checks import labels as labels_mod
from dataprep.checks.labels import LabelInfo, find_variants, input_of, label_of, osa_within
from dataprep.model import Finding
from dataprep.score import Inputs, dimensions

#: the 77 intents of the public banking77 data set: similar names, none a variant
BANKING77 = (
    "Refund_not_showing_up activate_my_card age_limit apple_pay_or_google_pay atm_support "
    "automatic_top_up balance_not_updated_after_bank_transfer "
    "balance_not_updated_after_cheque_or_cash_deposit beneficiary_not_allowed cancel_transfer "
    "card_about_to_expire card_acceptance card_arrival card_delivery_estimate card_linking "
    "card_not_working card_payment_fee_charged card_payment_not_recognised "
    "card_payment_wrong_exchange_rate card_swallowed cash_withdrawal_charge "
    "cash_withdrawal_not_recognised change_pin compromised_card contactless_not_working "
    "country_support declined_card_payment declined_cash_withdrawal declined_transfer "
    "direct_debit_payment_not_recognised disposable_card_limits edit_personal_details "
    "exchange_charge exchange_rate exchange_via_app extra_charge_on_statement failed_transfer "
    "fiat_currency_support get_disposable_virtual_card get_physical_card getting_spare_card "
    "getting_virtual_card lost_or_stolen_card lost_or_stolen_phone order_physical_card "
    "passcode_forgotten pending_card_payment pending_cash_withdrawal pending_top_up "
    "pending_transfer pin_blocked receiving_money request_refund reverted_card_payment? "
    "supported_cards_and_currencies terminate_account top_up_by_bank_transfer_charge "
    "top_up_by_card_charge top_up_by_cash_or_cheque top_up_failed top_up_limits top_up_reverted "
    "topping_up_by_card transaction_charged_twice transfer_fee_charged transfer_into_account "
    "transfer_not_received_by_recipient transfer_timing unable_to_verify_identity "
    "verify_my_identity verify_source_of_funds verify_top_up virtual_card_not_working "
    "visa_or_mastercard why_verify_identity wrong_amount_of_cash_received "
    "wrong_exchange_rate_for_cash_withdrawal"
).split()


def _write(path: Path, records: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _lint(tmp_path: Path, records: list[Any], **kwargs: Any) -> Any:
    target = _write(tmp_path / "data" / "train.jsonl", records)
    return lint([str(target)], cwd=tmp_path, **kwargs)


def _codes(res: Any, *codes: str) -> list[Finding]:
    return [f for f in res.findings if f.code in codes]


def _infos(labels: list[tuple[str, int]]) -> list[LabelInfo]:
    out = []
    for i, (text, n) in enumerate(labels):
        x = LabelInfo(text, True, (0, i + 1, i), i)
        x.count = n
        out.append(x)
    return out


# ------------------------------------------------------------------ findings


def test_conflict_points_at_the_first_record(tmp_path: Path) -> None:
    res = _lint(tmp_path, [{"text": "I want my money back", "label": "refund"},
                           {"text": "stop it", "label": "cancel"},
                           {"text": "I want my money back", "label": "cancel"}],
                select=["DP401"], task="classification")
    (f,) = _codes(res, "DP401")
    assert (f.line, f.record) == (3, 2)
    assert [(Path(r.path).name, r.line, r.record) for r in f.related] == [("train.jsonl", 1, 0)]


def test_near_conflict_points_at_the_earliest_partner_of_another_label(tmp_path: Path) -> None:
    res = _lint(tmp_path, [{"text": "How do I reset my password?", "label": "account"},
                           {"text": "How do I reset my password??", "label": "account"},
                           {"text": "How do I reset my password???", "label": "billing"}],
                select=["DP402"], task="classification")
    (f,) = _codes(res, "DP402")
    assert f.line == 3 and [r.line for r in f.related] == [1]
    assert "labels among these near copies: account (2), billing (1)" in f.message


def test_near_conflict_uses_dp302_threshold(tmp_path: Path) -> None:
    records = [{"text": "How do I reset my password today?", "label": "account"},
               {"text": "How can I reset my password today?", "label": "billing"}]
    assert not _codes(_lint(tmp_path, records, select=["DP402"], task="classification"), "DP402")
    res = _lint(tmp_path, records, select=["DP402"], task="classification",
                options={"DP302": {"short_threshold": 0.5}})  # texts under 20 words: DP302's short bar
    assert len(_codes(res, "DP402")) == 1


def test_exact_conflict_is_not_also_a_near_conflict(tmp_path: Path) -> None:
    res = _lint(tmp_path, [{"text": "How do I reset my password?", "label": "account"},
                           {"text": "How do I reset my password?", "label": "billing"}])
    assert [f.code for f in _codes(res, "DP401", "DP402")] == ["DP401"]


def test_completion_short_prompts_with_the_prompt_view(tmp_path: Path) -> None:
    """With DP303/DP304 on (the default preset) the near stage compares prompts too."""
    records = [{"prompt": "How do I reset my password?", "completion": "account"},
               {"prompt": "How do I reset my password??", "completion": "billing"}]
    res = _lint(tmp_path, records, select=["DP402", "DP303"], task="classification")
    assert [f.line for f in _codes(res, "DP402")] == [2]


def test_chat_system_prompt_does_not_make_inputs_alike(tmp_path: Path) -> None:
    system = ("You are a support ticket router for an online bank. Read the customer's message "
              "carefully and answer with exactly one intent name from the list of intents you were "
              "given, in lower case, with no explanation and no punctuation. The bank offers cards, "
              "transfers, top ups, currency exchange and identity checks through its mobile app. "
              "Customers write in English, sometimes with typos, slang or several questions at once; "
              "pick the intent that matches the main request. Never invent a new intent, never reply "
              "to the customer directly and never include personal data in your answer.")
    questions = ["Where is my new card?", "Why was I charged twice?", "How do I top up?",
                 "My transfer failed", "Change my PIN", "Has my card been posted yet",
                 "A payment shows up two times", "Add money to my account",
                 "The money I sent did not go through", "I forgot my PIN", "Where is my new card??"]
    intents = ["card_arrival", "transaction_charged_twice", "top_up", "failed_transfer",
               "change_pin"] * 2 + ["card_delivery_estimate"]
    records = [{"messages": [{"role": "system", "content": system}, {"role": "user", "content": q},
                             {"role": "assistant", "content": a}]} for q, a in zip(questions, intents)]
    res = _lint(tmp_path, records, task="classification")  # default preset: prompt view on
    # the shared system prompt makes the whole conversations alike, but their questions
    # differ, so they are not near copies (DP302 compares the sides, system turns left out) ...
    assert _codes(res, "DP302") == []
    # ... but only one pair of inputs is, and only that pair conflicts
    found = _codes(res, "DP402")
    assert [f.line for f in found] == [11]
    assert "'card_delivery_estimate' here, 'card_arrival' there" in found[0].message


def test_not_classification_gives_nothing(tmp_path: Path) -> None:
    res = _lint(tmp_path, [{"text": "same", "label": "a"}, {"text": "same", "label": "b"}],
                task="generative")
    assert not _codes(res, "DP401", "DP402", "DP403")
    assert "labels" not in res.score.dimensions


def test_input_and_label_views() -> None:
    chat = {"messages": [{"role": "system", "content": "Classify."}, {"role": "user", "content": "hi"},
                         {"role": "assistant", "content": " greet "}]}
    assert input_of("chat", chat) == "user\x1fhi"
    assert label_of("chat", chat) == ("greet", True)
    assert label_of("classification", {"text": "t", "label": 1}) == ("1", False)
    assert label_of("classification", {"text": "t", "label": True}) == ("true", False)
    assert label_of("classification", {"text": "t", "label": ["a"]}) is None
    assert label_of("classification", {"text": "t", "label": "  "}) is None
    assert label_of("chat", {"messages": [{"role": "user", "content": "q"},
                                          {"role": "assistant", "content": "x" * 100}]}) is None
    assert input_of("alpaca", {"instruction": "Classify", "input": "great", "output": "pos"}) == "Classify\x1egreat"


# ------------------------------------------------------------------ label-set shapes


def test_every_label_unique_is_an_info_not_a_crash(tmp_path: Path) -> None:
    records = [{"text": f"question {i}", "label": f"free text answer number {i}"} for i in range(30)]
    res = _lint(tmp_path, records, select=["DP4"])
    assert res.task == "classification"  # {"text","label"} records are classification by format
    found = _codes(res, "DP401", "DP402", "DP403")
    assert [(f.code, f.severity, f.path) for f in found] == [("DP403", "info", "<dataset>")]
    assert "each of the 30 labelled records has a label of its own" in found[0].message


def test_mostly_unique_labels_on_a_larger_set(tmp_path: Path) -> None:
    records = [{"text": f"question {i}", "label": f"answer {i}"} for i in range(60)]
    records += [{"text": f"more {i}", "label": "common"} for i in range(20)]
    res = _lint(tmp_path, records, select=["DP403"])
    (f,) = _codes(res, "DP403")
    assert f.severity == "info" and "60 of 80 labelled records" in f.message


def test_too_many_labels_stops_tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labels_mod, "MAX_LABELS", 10)
    records = [{"text": f"q {i % 7}", "label": f"l{i}"} for i in range(40)]
    res = _lint(tmp_path, records, select=["DP4"])
    found = _codes(res, "DP401", "DP402", "DP403")
    assert [(f.code, f.severity) for f in found] == [("DP403", "info")]
    assert "more than 10 distinct labels" in found[0].message


def test_two_classes(tmp_path: Path) -> None:
    records = [{"text": f"good thing {i}", "label": "pos"} for i in range(30)]
    records += [{"text": f"bad thing {i}", "label": "neg"} for i in range(30)]
    records += [{"text": "good thing 3", "label": "neg"}, {"text": "bad thing 4", "label": "Neg"}]
    res = _lint(tmp_path, records, select=["DP4"])
    got = sorted((f.code, f.line) for f in _codes(res, "DP401", "DP402", "DP403"))
    # line 61 conflicts; line 62 is a variant ('Neg') of neg, and its text repeats a 'neg'
    # record with the same (canonical) label, so it is no conflict
    assert got == [("DP401", 61), ("DP403", 62)]


def test_two_hundred_classes(tmp_path: Path) -> None:
    records = [{"text": f"example {j} of topic {i}", "label": f"topic_{i:03d}"}
               for i in range(200) for j in range(5)]
    records.append({"text": "one more", "label": "Topic_007"})
    records.append({"text": "example 1 of topic 5", "label": "topic_006"})
    start = time.perf_counter()
    res = _lint(tmp_path, records, select=["DP401", "DP403"])
    assert time.perf_counter() - start < 30
    got = sorted((f.code, f.line) for f in _codes(res, "DP401", "DP403"))
    assert got == [("DP401", 1002), ("DP403", 1001)]


def test_non_string_labels(tmp_path: Path) -> None:
    records = [{"text": "great", "label": 1}, {"text": "fine", "label": 1},
               {"text": "awful", "label": 0}, {"text": "bad", "label": 0},
               {"text": "meh", "label": "1"}, {"text": "odd", "label": ["a", "b"]},
               {"text": "awful", "label": 1}]
    res = _lint(tmp_path, records, select=["DP401", "DP402", "DP403", "DP105"])
    got = sorted((f.code, f.line) for f in res.findings)
    assert got == [("DP105", 6), ("DP401", 7), ("DP403", 5)]


def test_banking77_intents_are_not_variants() -> None:
    infos = _infos([(name, 100 + i) for i, name in enumerate(BANKING77)])
    assert find_variants(infos, 0.5) == {}
    # even counting equal-sized classes as possible typos, no two intents are close enough
    equal = _infos([(name, 100) for name in BANKING77])
    assert find_variants(equal, 1.0) == {}


def test_variants_name_the_canonical_label_through_chains() -> None:
    infos = _infos([("positive", 50), ("Positive", 3), ("postive", 1), ("negative", 40)])
    got = find_variants(infos, 0.5)
    assert got[1] == (0, 0, "differs only in case or whitespace")
    assert got[2][1] == 0 and "1 edit" in got[2][2]
    assert 3 not in got


def test_osa_distance() -> None:
    assert osa_within("positive", "postive", 1)
    assert osa_within("positive", "psoitive", 1)  # a transposition is one edit
    assert not osa_within("positive", "negative", 2)
    assert osa_within("cardarrival", "cradarival", 2)
    assert not osa_within("cardarrival", "carddelivery", 2)


# ------------------------------------------------------------------ the labels dimension


def _finding(code: str, record: int | None, *, path: str = "t.jsonl", count: int = 1,
             severity: str = "warning") -> Finding:
    return Finding(code, code, severity, path, None if record is None else record + 1,  # type: ignore[arg-type]
                   record, "m", None, (), count)


def _inputs(**kw: Any) -> Inputs:
    base: dict[str, Any] = dict(records=100, valid=100, valid_train=100, effective=100, minimum=50,
                                recommended=100, has_train=True, labelled=100,
                                label_codes=frozenset({"DP401", "DP402", "DP403", "DP404"}))
    base.update(kw)
    return Inputs(**base)


def test_labels_dimension_counts_each_record_once() -> None:
    findings = [_finding("DP401", 3, severity="error"), _finding("DP402", 3), _finding("DP404", 3),
                _finding("DP402", 5), _finding("DP403", 7, count=4),
                _finding("DP403", None, path="<dataset>", severity="info"),
                _finding("DP402", 9, path="test.jsonl")]
    dims, missing = dimensions(_inputs(eval_paths=frozenset({"test.jsonl"})), findings)
    # records 3 and 5, plus four variant records at half weight; info and eval do not count
    assert dims["labels"] == pytest.approx(1 - (2 + 0.5 * 4) / 100)
    assert "labels" not in missing


def test_labels_dimension_absent_or_not_measured() -> None:
    dims, missing = dimensions(_inputs(labelled=0), [])
    assert "labels" not in dims and "labels" not in missing
    dims, missing = dimensions(_inputs(label_codes=frozenset()), [])
    assert "labels" not in dims and "labels" in missing


def test_labels_dimension_never_negative() -> None:
    findings = [_finding("DP401", i) for i in range(10)]
    dims, _ = dimensions(_inputs(labelled=5), findings)
    assert dims["labels"] == 0.0


def test_labels_dimension_in_the_result(tmp_path: Path) -> None:
    records = [{"text": f"good thing number {i}", "label": "pos"} for i in range(10)]
    records += [{"text": f"bad thing number {i}", "label": "neg"} for i in range(9)]
    records.append({"text": "good thing number 1", "label": "neg"})
    res = _lint(tmp_path, records)
    d = res.to_dict()["score"]
    assert d["dimensions"]["labels"] == pytest.approx(0.95)
    assert d["weights"]["labels"] == 0.4
    only = _lint(tmp_path, records, select=["DP1"]).to_dict()["score"]
    assert "labels" not in only["dimensions"] and "labels" in only["not_measured"]


def test_adding_a_conflict_never_raises_the_score(tmp_path: Path) -> None:
    records = [{"text": f"good thing number {i}", "label": "pos"} for i in range(30)]
    records += [{"text": f"bad thing number {i}", "label": "neg"} for i in range(30)]
    before = _lint(tmp_path / "a", records).score
    after = _lint(tmp_path / "b", [*records, {"text": "good thing number 4", "label": "neg"}]).score
    assert after.dimensions["labels"] < before.dimensions["labels"]
    assert after.overall <= before.overall
