"""DP6xx personal data and secrets: validators, scanning, masks, user packs, redaction.

The rule cases live in ``fixtures/rules/DP6*.yaml``; this file tests the parts below
them (``dataprep.redact``) and what the cases cannot express: user pattern packs,
configuration errors, and that no secret reaches any output format through any rule's
message.  Keys are assembled from pieces so that this file holds no key-shaped literal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dataprep.api import lint
from dataprep.checks.pii import _leaf_turns
from dataprep.checks.structure import quote
from dataprep.errors import ConfigError
from dataprep.packs import builtin_pack
from dataprep.redact import (
    Scanner,
    card_network,
    iban_ok,
    ipv4_public,
    looks_random,
    luhn_ok,
    redact,
    redactor,
)
from dataprep.report import FORMATS, render

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


def test_randomness_check_rejects_placeholders() -> None:
    assert looks_random(RANDOM48)
    for placeholder in ("X" * 40, "YOUR_API_KEY_HERE_123", "AKIAIOSFODNN7EXAMPLE",
                        "abcdefghijklmnopqrstuvwxyz", "0123456789abcdef0000000"):
        assert not looks_random(placeholder), placeholder


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
                "2 records share this prompt (identical or near-identical) but give different "
                "responses", "placeholder {{customer_name}} in the assistant reply: \"Dear "
                "{{customer_name}}, thanks\"", "file data/train_2023_v2/SomeFile.jsonl",
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
