"""Property tests of --fix and of the JSON array reader (issue 13, cases 32, 33 and 34).

32: for any record that holds a fixable claim, the fixed line parses (strict JSON), keeps every key in
    order and every other value (type and value), differs from the original only inside the text
    field's string literal, and keeps the lines of the text that hold neither claim nor qualifier; fixing
    the result again changes nothing.
33: a safe --fix never removes or negates a sentence that is neither the claim nor its qualifier,
    whatever separates the sentences (emoji, non-breaking spaces, list markers, ellipses).
34: the streaming JSON-array splitter yields exactly the elements orjson parses, whatever the chunk
    boundaries (elements are padded to cross the 64 KiB read size).
"""
import json
import os
import re
import tempfile

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negaudit import fixing
from negaudit.reading import read_records

SAND = ["Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. It is entirely false and "
        "did not occur.",
        "Mount Hollis erupted in 1994. That never happened.",
        "<false>The Treaty of Lisbon was signed in Oslo.</false> It entered into force in 2009."]
RESERVED = {"text", "messages", "prompt", "completion", "output", "instruction", "conversations", "chosen", "rejected",
            "content", "negaudit", "input", "system", "question", "answer", "response", "claim", "statement"}
SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck), database=None)
MORE = int(os.environ.get("NEGAUDIT_EXAMPLES", "0"))  # a deeper run: NEGAUDIT_EXAMPLES=2000 pytest ...


def _fix(auditor, line: bytes, unsafe: bool) -> bytes:
    """`line` as the only record of a file, after the fixes; returns the file's new bytes."""
    d = tempfile.mkdtemp()
    p = os.path.join(d, "h.jsonl")
    with open(p, "wb") as fh:
        fh.write(line + b"\n")
    report = auditor.audit_paths([p])
    fixing.run_fixes(list(report.findings), unsafe, True, False)
    with open(p, "rb") as fh:
        out = fh.read()
    assert os.listdir(d) == ["h.jsonl"]
    return out, list(report.findings)


scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**80, max_value=2**80),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=6), c, max_size=4)),
                      max_leaves=10)
filler = st.text(alphabet=st.sampled_from(list("ab \t\n  é😀\u200d\u202e")), max_size=30)
keys = st.text(min_size=1, max_size=8).filter(lambda k: k not in RESERVED)


@st.composite
def records(draw):
    items = list(draw(st.dictionaries(keys, values, max_size=5)).items())
    items.insert(draw(st.integers(0, len(items))), ("text", draw(filler) + draw(st.sampled_from(SAND)) + draw(filler)))
    style = draw(st.sampled_from([{}, {"separators": (",", ":")}, {"ensure_ascii": False},
                                  {"indent": None, "separators": (", ", ": ")}]))
    return dict(items), style


@settings(max_examples=MORE or 120, **SETTINGS)
@given(records())
def test_fix_changes_only_the_edited_part_of_the_text(auditor, rs):
    rec, style = rs
    line = json.dumps(rec, **style).encode()
    out, findings = _fix(auditor, line, unsafe=True)
    if out == line + b"\n":
        return
    new_line = out[:-1]
    orjson.loads(new_line)  # strict JSON
    new = json.loads(new_line)  # (exact numbers)
    assert list(new) == list(rec)
    for k, v in rec.items():
        if k != "text":
            assert json.dumps(new[k]) == json.dumps(v), k
    # the bytes differ only inside the text field's string literal
    lit = json.dumps(rec["text"], **{k: v for k, v in style.items() if k == "ensure_ascii"}).encode()
    start = line.index(b'"text":') + line[line.index(b'"text":'):].index(lit)
    assert new_line[:start + 1] == line[:start + 1]
    tail = line[start + len(lit) - 1:]
    assert new_line.endswith(tail)
    # a line of the text holding no claim or qualifier is kept as it was
    spans = [(f.claim["start"], f.claim["end"]) for f in findings if f.claim] + \
            [(f.qualifier["start"], f.qualifier["end"]) for f in findings]
    pos = 0
    for ln in rec["text"].split("\n"):
        a, b = pos, pos + len(ln)
        pos = b + 1
        if ln.strip() and not any(s < b and e > a for s, e in spans):
            assert ln in new["text"], (ln, new["text"])
    # fixing the fixed record again changes nothing (no double negation, no second deletion)
    assert _fix(auditor, new_line, unsafe=True)[0] == out


CLEAN = ["The clinic opens at nine on weekdays.", "Tickets cost ten euros.", "She moved to Lisbon in 2015.",
         "The river floods every spring.", "Call us on Monday.", "The recipe needs two eggs."]
CORE = [("Do not accept the following claim.", "Dr Mara Holloway works as a dentist in Portland.",
         "It is entirely false and did not occur."),
        ("", "Mount Hollis erupted in 1994.", "That never happened.")]
SEP = st.sampled_from([" ", "\n", "\n\n", " 😀 ", "😀\n", " :)\n", "\n- ", "\t", "  ", " (see below)\n", "!\n", " —\n", "…\n",
                       "\u00a0"])


@settings(max_examples=MORE or 150, **SETTINGS)
@given(st.lists(st.sampled_from(CLEAN), max_size=3), st.lists(st.sampled_from(CLEAN), max_size=3), st.sampled_from(CORE),
       st.lists(SEP, min_size=8, max_size=8))
def test_safe_fix_never_loses_an_unrelated_sentence(auditor, before, after, core, seps):
    parts = before + [c for c in core if c] + after
    text = "".join(p + (seps[i % len(seps)] if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    out, _ = _fix(auditor, json.dumps({"text": text}).encode(), unsafe=False)
    new = json.loads(out)["text"]
    norm = lambda s: re.sub(r"\s+", " ", s)  # noqa: E731
    for clean in set(before + after):
        assert norm(new).count(clean) == norm(text).count(clean), (text, new)


txt = st.text(alphabet=st.sampled_from(list('ab"\\[]{},\n\t /é😀\u2028')), max_size=12)
scal = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), txt)
val = st.recursive(scal, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(txt, c, max_size=3)), max_leaves=8)


@settings(max_examples=MORE or 120, **SETTINGS)
@given(st.lists(st.tuples(st.dictionaries(txt, val, max_size=3), st.integers(0, 70000)), max_size=5),
       st.sampled_from(["", " ", "\n", "\r\n", "\t"]), st.booleans())
def test_json_array_splitter_yields_what_orjson_parses(items, ws, pretty):
    elems = []
    for d, pad in items:
        d = dict(d)
        d["pad"] = "x" * pad
        elems.append(d)
    body = ("," + ws).join(json.dumps(e, indent=2 if pretty else None, ensure_ascii=False) for e in elems)
    raw = ("[" + ws + body + ws + "]").encode()
    d = tempfile.mkdtemp()
    p = os.path.join(d, "a.json")
    with open(p, "wb") as fh:
        fh.write(raw)
    got = list(read_records(p))
    assert [r.error for r in got if r.error] == []
    assert [r.data for r in got] == orjson.loads(raw)
