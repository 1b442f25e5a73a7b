"""Every rule ships with test cases (semgrep style): `match` must produce the rule, `no_match` must not."""
import pytest

from negaudit.rules import load_rules

RULES = load_rules().rules
CASES = []
for r in RULES:
    for kind in ("match", "no_match"):
        for i, case in enumerate(r.tests.get(kind, []) or []):
            CASES.append(pytest.param(r.id, kind, case, id=f"{r.id}-{kind}-{i}"))


def test_every_rule_has_cases():
    for r in RULES:
        assert r.tests.get("match"), f"{r.id} has no match cases"
        assert r.tests.get("no_match"), f"{r.id} has no no_match cases"


@pytest.mark.parametrize("code,kind,case", CASES)
def test_rule_case(audit, code, kind, case):
    data = case["record"] if isinstance(case, dict) else {"text": case}
    rules = {f["rule"] for f in audit(data)}
    if kind == "match":
        assert code in rules, f"{code} expected on {data!r}, got {sorted(rules)}"
    else:
        assert code not in rules, f"{code} not expected on {data!r}"
