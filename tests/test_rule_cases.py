"""Every rule ships with test cases (semgrep style): `match` must produce the rule, `no_match` must not.

A `match` case may also say what the finding must name (`expect`): text the qualifier span holds,
the exact claim sentence, the exact suggestion, and the severity. These expectations are written by
hand in rules/*.yaml from what the research says the finding should be, not copied from output.
"""
import pytest

from negaudit.rules import load_rules

RULES = load_rules().rules
CASES = []
for r in RULES:
    for kind in ("match", "no_match"):
        for i, case in enumerate(r.tests.get(kind, []) or []):
            CASES.append(pytest.param(r.id, kind, case, id=f"{r.id}-{kind}-{i}"))


def test_every_builtin_lexicon_entry_is_a_valid_pattern():
    # the built-in packs skip this check at start-up (user packs get it): it is made here instead
    from negaudit.rules import Lexicon, builtin_rules_dir, load_pack

    lex = Lexicon()
    for name in ("lexicon.yaml", "core.yaml"):
        load_pack(builtin_rules_dir() / name, lex, {}, {}, user=True)  # raises ConfigError on a bad entry
    assert sum(len(v) for v in lex.lists.values()) > 500
    bad = Lexicon()
    with pytest.raises(Exception, match="invalid pattern"):
        load_pack_from_text("lexicons:\n  x: ['(unclosed']\n", bad)


def load_pack_from_text(text, lexicon):
    import tempfile
    from pathlib import Path

    from negaudit.rules import load_pack

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "pack.yaml"
        p.write_text(text)
        return load_pack(p, lexicon, {}, {}, user=True)


def test_every_rule_has_cases():
    for r in RULES:
        assert r.tests.get("match"), f"{r.id} has no match cases"
        assert r.tests.get("no_match"), f"{r.id} has no no_match cases"


def test_every_rule_says_what_one_finding_must_name():
    for r in RULES:
        assert any(isinstance(c, dict) and c.get("expect") for c in r.tests["match"]), f"{r.id}: no case with expect"


def _data(case):
    if isinstance(case, dict):
        return case["record"] if "record" in case else {"text": case["text"]}
    return {"text": case}


@pytest.mark.parametrize("code,kind,case", CASES)
def test_rule_case(audit, code, kind, case):
    data = _data(case)
    found = [f for f in audit(data) if f["rule"] == code]
    if kind == "no_match":
        assert not found, f"{code} not expected on {data!r}"
        return
    assert found, f"{code} expected on {data!r}, got {sorted({f['rule'] for f in audit(data)})}"
    expect = case.get("expect") if isinstance(case, dict) else None
    if not expect:
        return
    f = found[0]
    if "qualifier" in expect:
        assert expect["qualifier"] in f["qualifier"]["text"], (expect["qualifier"], f["qualifier"])
    if "claim" in expect:
        assert f["claim"] is not None and f["claim"]["text"] == expect["claim"], (expect["claim"], f["claim"])
    if "suggestion" in expect:
        assert f["suggestion"] is not None and f["suggestion"]["text"] == expect["suggestion"], f["suggestion"]
    if "severity" in expect:
        assert f["severity"] == expect["severity"], (expect["severity"], f["severity"], f["message"])
