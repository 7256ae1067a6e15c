"""DP6xx personal data and secrets: validators, scanning, masks, user packs, redaction.

The rule cases live in ``fixtures/rules/DP6*.yaml``; this file tests the parts below
them (``dataprep.pii``: validators, placeholders, kinds, scanning, masks) and what the cases cannot express: user pattern packs,
configuration errors, and that no secret reaches any output format through any rule's
message.  Keys are assembled from pieces so that this file holds no key-shaped literal.
"""

from __future__ import annotations

import inspect
import json
import random
import re
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dataprep.api import lint
from dataprep.checks.pii import _leaf_turns
from dataprep.checks.structure import quote
from dataprep.errors import ConfigError
from dataprep.packs import builtin_pack
from dataprep.pii import (
    Scanner,
    card_network,
    display,
    iban_ok,
    ipv4_public,
    looks_random,
    luhn_ok,
    placeholders,
    redact,
    redaction,
    redactor,
    scanner,
    validators,
)
from dataprep.pii import kinds as kinds_module
from dataprep.pii.kinds import kinds
from dataprep.pii.placeholders import sequential_share
from dataprep.report import FORMATS, render
from tests.rulecases import load_cases, write_case

RANDOM48 = "V4dxQBQwiDECkQ5lPtb2WvAvgVyfAI8WeFnGXcJnjPBBNOuU"
OPENAI_KEY = "sk-" + "proj-" + RANDOM48
AWS_KEY = "AK" + "IA" + "I1AEL81HXXFWEDUT"
GITHUB_TOKEN = "gh" + "p_" + "3PRL38DiYTFBsERkZtPeKjn7bX8tRyna1Qtk"
KEY_LINES = ["MIIEowIBAAKCAQEAyoi3bm+eKO38ZCXEtxzMgYI/djeL07V4TKZDlSh9j6eEnir6OZqe",
             "zl0TZDiPS88fOp92exFZ83/6FIzMLXkQbGWIsHArbbPuR0UBWVPykDrW7G5iuL7cl9x"]
PRIVATE_KEY = ("-----BEGIN RSA " + "PRIVATE KEY-----\n" + "\n".join(KEY_LINES)
               + "\n-----END RSA " + "PRIVATE KEY-----")
CARD = "4539 5787 6362 1486"
EMAIL = "jane.roe@mailbox.org"
IBAN = "DE89 3704 0044 0532 0130 00"


def _scan(text: str) -> list[tuple[str, str]]:
    return [(h.pattern.id, h.value) for h in Scanner(builtin_pack("pii")).scan(text)]


# --------------------------------------------------------------------------- validators

def test_luhn_and_issuer() -> None:
    assert luhn_ok("4539578763621486") and card_network("4539578763621486") == "Visa"
    assert not luhn_ok("4539578763621487")
    assert card_network("378291567301923") == "American Express"
    assert card_network("5425233430109903") == "Mastercard"
    assert card_network("9999999999999995") is None  # no issuer starts with 9


@pytest.mark.parametrize("iban", ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
                                  "FR1420041010050500013M02606", "NL91ABNA0417164300",
                                  "NO9386011117947"])
def test_valid_ibans(iban: str) -> None:
    assert iban_ok(iban)


@pytest.mark.parametrize("iban", ["DE89370400440532013001", "DE8937040044053201300",
                                  "XX89370400440532013000", "GB00WEST12345698765432"])
def test_invalid_ibans(iban: str) -> None:
    assert not iban_ok(iban)


@pytest.mark.parametrize(("ip", "public"), [
    ("81.2.69.160", True), ("172.217.16.46", True), ("192.168.1.1", False),
    ("10.1.2.3", False), ("172.16.5.4", False), ("127.0.0.1", False), ("169.254.1.1", False),
    ("192.0.2.44", False), ("203.0.113.9", False), ("224.0.0.251", False), ("8.8.8.8", False),
    ("1.2.3.4", False), ("256.1.1.1", False), ("01.2.3.4", False),
])
def test_public_ipv4(ip: str, public: bool) -> None:
    assert ipv4_public(ip) is public


def test_randomness_check() -> None:
    assert looks_random(RANDOM48) and looks_random(AWS_KEY)
    for name in ("X" * 40, "abcdefghijklmnopqrstuvwxyz", "process.env.api_token_value"):
        assert not looks_random(name), name


def test_ungrouped_numbers_in_sums_are_not_cards_or_phones() -> None:
    """Worked arithmetic (LLaMA-Factory dpo_en_demo): a Luhn-valid sum, a '+' operator."""
    assert _scan("256626720691 + 1646615806005 =  The result is:  4212883012996") == []
    assert _scan("add them:  472547338 +960397912423686 ------- 1007411131329104") == []
    assert _scan(f"On 2024-05-12 I paid with {CARD.replace(' ', '')}.") == \
        [("card", CARD.replace(" ", ""))]  # a date is not a sum
    assert _scan("call +4930901822450 tonight") == [("phone.e164", "+4930901822450")]


def test_network_ranges_are_not_addresses() -> None:
    assert _scan("Meta announces 157.240.0.0/16 and 31.13.24.0/21.") == []
    assert _scan("the host 81.2.69.160/path") == [("ipv4", "81.2.69.160")]


# --------------------------------------------------------------------------- placeholders

def _placeholder(kind: str, value: str) -> str | None:
    test = kinds().by_name[kind].placeholder
    assert test is not None
    return test(value)


@pytest.mark.parametrize(("value", "reason"), [
    ("boss@company.com", "stand-in domain company.com"),
    ("marketing@mycompany.com", "stand-in domain mycompany.com"),
    ("jane@example-domain.com", "example domain"),
    ("John.Doe-123%+@example-domain.com", "example domain"),
    ("support@example.com", "example domain"),
    ("ops@mail.example.org", "example domain"),
    ("qa@shop.test", "reserved domain .test"),
    ("noreply@acme.invalid", "reserved domain .invalid"),
    ("a@d.co", "stand-in domain d.co"),
    ("email@xxx.com", "stand-in domain xxx.com"),
    ("user@gmail.com", "stand-in name user"),
    ("john.doe@outlook.com", "stand-in name john.doe"),
    ("my_gmail_address@gmail.com", "stand-in name my_gmail_address"),
    ("maria.kowalski84@gmail.com", None),
    ("kari.nordmann@firma.no", None),
    ("frosty@northpoleventures.com", None),
    ("myra.lee@posteo.de", None),  # "my" starts a real name; only "my_" marks a stand-in
])
def test_email_placeholders(value: str, reason: str | None) -> None:
    assert _placeholder("email", value) == reason


@pytest.mark.parametrize(("value", "reason"), [
    ("sk_live_abc123xyz789def456", "sequential characters"),
    ("sk-proj-" + "X" * 40, "contains 'XXXX'"),
    ("AKIAIOSFODNN7EXAMPLE", "contains 'EXAMPLE'"),
    ("YOUR_API_KEY_HERE_123", "contains 'YOUR'"),
    ("sk-proj-...REPLACE_ME_WITH_THE_KEY", "contains 'REPLACE'"),
    ("your-api-key-goes-here-7", "contains 'your'"),
    ("sk-" + "a1" * 20, "not random"),
    ("sk-thisisnotarealkeyjustwordsandmorewords", "not random"),
    (OPENAI_KEY, None),
    (AWS_KEY, None),
    (GITHUB_TOKEN, None),
    ("sk_" + "live_" + "Zq7Rb2LmX9cT4wKd8NfH3vYp", None),
])
def test_key_placeholders(value: str, reason: str | None) -> None:
    assert _placeholder("api-key", value) == reason


def test_random_keys_are_almost_never_placeholders() -> None:
    """The words are long enough that a random key holds one about once in 50,000."""
    rng = random.Random(7)
    keys = ["".join(rng.choice(_KEY_ALPHABET) for _ in range(rng.choice((20, 32, 40, 48))))
            for _ in range(5000)]
    downgraded = [k for k in keys if _placeholder("api-key", k)]
    assert len(downgraded) <= 1, downgraded


def test_sequential_share() -> None:
    assert sequential_share("abc123xyz789def456") == 1.0
    assert sequential_share("a0000b") == pytest.approx(4 / 6)
    assert sequential_share(RANDOM48) < 0.1


def test_review_record_sorts_stand_ins_from_real_leaks(tmp_path: Path) -> None:
    """The security-review chat of the DP606 cases, through every DP6 rule: the stand-ins
    (sk_live_abc123..., boss@company.com, jane@example-domain.com) are info, the random
    key an error and the personal address a warning."""
    case = next(c for code, c in load_cases() if c["id"] == "review_of_hard_coded_keys")
    data = write_case(tmp_path, case)
    res = lint([str(data)], select=["DP6"], cwd=tmp_path)
    got = sorted((f.pointer, f.code, f.severity) for f in res.findings)
    assert got == [("/messages/1/content", "DP601", "info"),
                   ("/messages/1/content", "DP606", "info"),
                   ("/messages/3/content", "DP601", "warning"),
                   ("/messages/3/content", "DP606", "error")]
    info = next(f for f in res.findings if f.code == "DP601" and f.severity == "info")
    assert info.message == ("e-mail address b***@c***.com (+1 more in this text); "
                            "looks like a placeholder: stand-in domain company.com")
    assert res.to_dict()["summary"]["by_severity"] == {"error": 1, "warning": 1, "info": 2}


def test_configured_severity_does_not_raise_a_placeholder(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[rules.DP601]\nseverity = "error"\n',
                                            encoding="utf-8")
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"prompt": "cc boss@company.com", "completion": f"and {EMAIL}"})
                    + "\n", encoding="utf-8")
    res = lint([str(data)], select=["DP601"], cwd=tmp_path)
    assert [(f.pointer, f.severity) for f in res.findings] == [("/completion", "error"),
                                                                ("/prompt", "info")]


def test_redact_keeps_placeholder_addresses_and_masks_placeholder_keys() -> None:
    assert redact("mail boss@company.com") == "mail boss@company.com"
    assert "abc123xyz" not in redact('API_KEY = "sk_live_abc123xyz789def456"')


def test_overlapping_patterns_name_the_most_specific() -> None:
    anthropic = "sk-" + "ant-api03-" + RANDOM48 + "_x-" + RANDOM48[:10]
    assert _scan(f"key {anthropic}") == [("key.anthropic", anthropic)]


def test_scanning_prose_finds_nothing() -> None:
    prose = ("Please review the following details carefully before the meeting on Tuesday; "
             "the customer asked about the refund, the invoice and the shipping address. ") * 40
    assert _scan(prose) == []


# --------------------------------------------------------------------------- redaction

@pytest.mark.parametrize(("text", "secret"), [
    (f"key {OPENAI_KEY} end", RANDOM48),
    (f"aws {AWS_KEY}", AWS_KEY),
    (f"token={GITHUB_TOKEN}", GITHUB_TOKEN[4:]),
    (f"pem {PRIVATE_KEY}", KEY_LINES[0]),
    (f"pay with {CARD} now", "4539 5787 6362"),
    (f"mail {EMAIL}", EMAIL),
    (f"iban {IBAN}", "3704 0044 0532"),
    ("call +49 30 9018 2245", "9018 22"),
    ("from 81.2.69.160", "81.2.69.160"),
])
def test_redact_masks(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert redact(out) == out  # masks never match again


def test_redact_keeps_what_is_not_secret() -> None:
    for msg in ('unknown role "bot"; expected one of system, user, assistant, tool',
                '"arguments" is not valid JSON (unexpected end of data): "{city: Oslo}"',
                ("2 records share this prompt (identical or near-identical) but give different "
                 "responses"), ("placeholder {{customer_name}} in the assistant reply: \"Dear "
                               "{{customer_name}}, thanks\""), "file data/train_2023_v2/SomeFile.jsonl",
                "contact us at support@example.com", "version 1.2.3.4 on 2024-05-12 10:30",
                "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"):
        assert redact(msg) == msg


def test_redact_json_escaped_and_cut_short() -> None:
    """What other rules print: JSON-quoted text, cut at 40-60 characters."""
    args = "{key: " + OPENAI_KEY + ", card: " + CARD.replace(" ", "") + "}"
    for limit in (25, 30, 40, 60, 200):
        out = redact(quote(args, limit))
        assert RANDOM48[:8] not in out and "45395787636214" not in out, (limit, out)
    escaped = json.dumps("line one\n" + OPENAI_KEY)  # "...\nsk-proj-..." in JSON text
    assert RANDOM48 not in redact(escaped)
    block = quote("note: " + PRIVATE_KEY, 60)
    assert KEY_LINES[0][:20] not in redact(block)


_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(["sk-", "sk-proj-", "AKIA", "ghp_", "glpat-", "AIza", "hf_",
                               "sk_live_", "xoxb-1234567890-"]),
       body=st.text(_KEY_ALPHABET, min_size=36, max_size=60),
       before=st.text(st.sampled_from(" ab\n\"=:"), max_size=10).map(lambda s: s + " "),
       after=st.text(st.sampled_from(" xy.\",}"), max_size=10).map(lambda s: " " + s),
       limit=st.sampled_from([30, 40, 60, 1000]))
def test_redact_hides_generated_keys(prefix: str, body: str, before: str, after: str,
                                     limit: int) -> None:
    """Keys anywhere in a text, whole or cut short by a quote, leave no 12 characters."""
    if prefix == "AKIA":
        body = body.upper()[:16]
    assume(looks_random(body))
    out = redact(quote(before + prefix + body + after, limit))
    assert not any(body[k:k + 12] in out for k in range(len(body) - 11)), out


def test_dp6_messages_are_fixed_points_of_redact(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    text = f"{OPENAI_KEY} {AWS_KEY} {GITHUB_TOKEN} {CARD} {EMAIL} {IBAN} 81.2.69.160 " \
           f"+49 30 9018 2245\n{PRIVATE_KEY}"
    data.write_text(json.dumps({"prompt": text, "completion": "no"}) + "\n", encoding="utf-8")
    res = lint([str(data)], select=["DP6"], cwd=tmp_path)
    assert {f.code for f in res.findings} == {"DP601", "DP602", "DP603", "DP604", "DP605",
                                               "DP606", "DP607"}
    for f in res.findings:
        assert redact(f.message) == f.message, f.message


# --------------------------------------------------------------------------- user packs

def _project(tmp_path: Path, pack: str, record: dict) -> Path:
    (tmp_path / "my-pack.toml").write_text(pack, encoding="utf-8")
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["my-pack.toml"]\n', encoding="utf-8")
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return data


USER_PACK = """
[[pattern]]
id = "employee-id"
rule = "DP699"
regex = 'EMP-[0-9]{6}'
description = "employee ID"

[[pattern]]
id = "acme-token"
rule = "DP699"
regex = 'acme_[A-Za-z0-9]{24}'
description = "ACME token"
secret = true

[[pattern]]
id = "key.acme"
rule = "DP606"
regex = 'acmelive_[A-Za-z0-9]{24}'
description = "ACME live key"
check = "entropy"
secret = true
"""


def test_user_pack_patterns(tmp_path: Path) -> None:
    token = "acme_" + RANDOM48[:24]
    live = "acmelive_" + RANDOM48[24:]
    data = _project(tmp_path, USER_PACK, {"prompt": f"EMP-004217 used {token}", "completion": live})
    res = lint([str(data)], select=["DP6"], cwd=tmp_path)
    got = {(f.code, f.pointer): f.message for f in res.findings}
    assert got[("DP699", "/prompt")] == \
        "employee ID (employee-id): EMP-004217 (+1 more in this text)"
    assert got[("DP606", "/completion")].startswith("ACME live key acme…[redacted 29 chars]")
    assert all(token not in m and RANDOM48[24:] not in m for m in got.values())
    redact_user = redactor([str(tmp_path / "my-pack.toml")])
    assert token not in redact_user(f"quoted: {token}")


@pytest.mark.parametrize("module", [validators, placeholders, display, kinds_module, scanner,
                                    redaction], ids=lambda m: m.__name__)
def test_shared_layers_name_no_rule_code(module: ModuleType) -> None:
    """Which rule reports a kind is pack data; the layers below the rules never branch on it."""
    assert not re.search(r"DP[0-9]{3}", inspect.getsource(module))


def test_every_builtin_pattern_has_a_kind_of_its_rule() -> None:
    table = kinds()
    for p in builtin_pack("pii"):
        assert p.kind in table.by_name and not p.rule, p.id
    assert [k.rule for k in table.by_name.values()] == \
        ["DP607", "DP606", "DP603", "DP604", "DP601", "DP602", "DP605", "DP699"]


def test_user_pattern_may_name_a_kind(tmp_path: Path) -> None:
    pack = '[[pattern]]\nid = "staff-mail"\nkind = "email"\nregex = \'[a-z]+@corp\\.internal\'\n'
    data = _project(tmp_path, pack, {"prompt": "ask ola@corp.internal", "completion": "ok"})
    res = lint([str(data)], select=["DP6"], cwd=tmp_path)
    assert [(f.code, f.severity, f.message) for f in res.findings] == \
        [("DP601", "warning", "e-mail address o***@c***.internal")]


@pytest.mark.parametrize(("pattern", "error"), [
    ('id = "x"\nkind = "e-mail"\nregex = "x+"', "unknown kind 'e-mail'"),
    ('id = "x"\nkind = "email"\nrule = "DP606"\nregex = "x+"', "reported by DP601, not DP606"),
    ('id = "x"\nregex = "x+"', "'rule' must be a non-empty string"),
])
def test_user_pack_kind_errors(tmp_path: Path, pattern: str, error: str) -> None:
    data = _project(tmp_path, "[[pattern]]\n" + pattern + "\n", {"prompt": "x", "completion": "y"})
    with pytest.raises(ConfigError, match=re.escape(error)):
        lint([str(data)], select=["DP6"], cwd=tmp_path)


@pytest.mark.parametrize(("table", "error"), [
    ({"name": "x", "rule": "DP699", "check": "luhnn"}, "unknown check 'luhnn'"),
    ({"name": "x", "rule": "DP699", "anchor": "near-at"}, "unknown anchor 'near-at'"),
    ({"name": "x", "rule": "DP699", "message": "{what} {shwn}"}, "unknown field 'shwn'"),
    ({"name": "x"}, "'rule' must be a non-empty string"),
])
def test_a_typo_in_a_kind_fails_loudly(table: dict[str, object], error: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(error)):
        kinds_module._kind("pattern pack pii (built in), kind x", table, 0, {})


def test_user_pack_unknown_check_is_a_config_error(tmp_path: Path) -> None:
    pack = '[[pattern]]\nid = "x"\nrule = "DP699"\nregex = "x+"\ncheck = "crc32"\n'
    data = _project(tmp_path, pack, {"prompt": "x", "completion": "y"})
    with pytest.raises(ConfigError, match="unknown check 'crc32'"):
        lint([str(data)], select=["DP699"], cwd=tmp_path)


def test_option_with_invalid_regex_is_a_config_error(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"prompt": "x", "completion": "y"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="DP699.*not a valid regex"):
        lint([str(data)], select=["DP699"], options={"DP699": {"patterns": {"bad": "("}}},
             cwd=tmp_path)


def test_unknown_format_pointers_are_escaped() -> None:
    got = _leaf_turns({"a/b": {"c~d": ["x", 3, "y"]}})
    assert [(t.pointer, t.text) for t in got] == [("/a~1b/c~0d/0", "x"), ("/a~1b/c~0d/2", "y")]


# --------------------------------------------------------------------------- every output format

def _leaky_dataset(folder: Path) -> Path:
    """Secrets in the places other rules quote from."""
    call = {"id": "c1", "type": "function",
            "function": {"name": "charge", "arguments": "{key: " + OPENAI_KEY + ", card: " + CARD}}
    records = [
        # DP119 quotes tool-call arguments that are not JSON
        {"messages": [{"role": "user", "content": "Charge it."},
                      {"role": "assistant", "tool_calls": [call]},
                      {"role": "tool", "tool_call_id": "c1", "content": "ok"},
                      {"role": "assistant", "content": "Charged."}]},
        # DP506 quotes the text around a template leftover
        {"messages": [{"role": "user", "content": "Send the invoice."},
                      {"role": "assistant", "content": "Dear {{customer_name}}, your key " + AWS_KEY
                       + " and IBAN " + IBAN + " are on file."}]},
        # an unknown role (DP110) whose text holds an e-mail address and a private key
        {"messages": [{"role": "user", "content": "Who?"},
                      {"role": "bot", "content": f"Write to {EMAIL}.\n{PRIVATE_KEY}"}]},
        # the same prompt with different answers (DP303)
        {"messages": [{"role": "user", "content": f"My card is {CARD}, mail {EMAIL}"},
                      {"role": "assistant", "content": "Stored."}]},
        {"messages": [{"role": "user", "content": f"My card is {CARD}, mail {EMAIL}"},
                      {"role": "assistant", "content": "I will not store that."}]},
    ]
    # DP504 quotes the usual system prompt when a rare variant differs slightly
    usual = f"Escalate billing issues to {EMAIL} or +49 30 9018 2245 within a day."
    variant = usual.replace("issues", "issue")
    for i, system in enumerate([usual] * 10 + [variant]):
        records.append({"messages": [{"role": "system", "content": system},
                                     {"role": "user", "content": f"Question {i}?"},
                                     {"role": "assistant", "content": f"Answer {i}."}]})
    lines = [json.dumps(r) for r in records]
    # a broken line (DP003) holding a token and an address
    lines.append('{"messages": [{"role": "user", "content": "token ' + GITHUB_TOKEN
                 + " and " + EMAIL)
    data = folder / "leaky.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def _fragments() -> list[str]:
    out = [RANDOM48[i:i + 12] for i in range(0, 48, 12)]
    out += [AWS_KEY, AWS_KEY[4:16], GITHUB_TOKEN[4:16], EMAIL, "4539578763621486",
            "4539 5787 6362", "453957876362", "9018 2245", IBAN, IBAN.replace(" ", ""),
            "370400440532", "3704 0044 0532"]
    for line in KEY_LINES:
        out += [line[i:i + 16] for i in range(0, len(line) - 16, 16)]
    return out


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "auto"])
def test_no_secret_in_any_output_format(tmp_path: Path, fmt: str) -> None:
    """No rule's message prints a secret, whichever format shows it (the engine redacts)."""
    data = _leaky_dataset(tmp_path)
    res = lint([str(data)], cwd=tmp_path, fingerprints=True)
    assert {"DP119", "DP504", "DP606", "DP607"} <= {f.code for f in res.findings}
    out = render(fmt, res.to_dict(), verbose=True)
    unescaped = re.sub(r"\\+", "", out)
    for frag in _fragments():
        assert frag not in out and frag not in unescaped, (fmt, frag)
