"""Speed and scale features that must not change a single finding: the record pre-scan on raw JSON
lines, the segment-level cue check, gated alternations, batched parses, lazy lemmas, streamed reports."""
import json
import os
import threading

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, strings_of, write_jsonl
from negaudit.engine import Auditor
from negaudit.models import Record
from negaudit.segmenting import split_units

CORPORA = ("dev", "blind", "holdout", "final", "final2", "final3")


def corpus(name):
    return [json.loads(line)["record"] for line in open(ROOT / f"tests/corpus/{name}.jsonl", encoding="utf-8")]


@pytest.fixture(scope="module")
def fast():
    return Auditor()


@pytest.fixture(scope="module")
def full():
    return Auditor(prefilter=False)


def dicts(report):
    return [f.to_dict() for f in report.findings], [e.to_dict() for e in report.errors], report.records


def test_raw_line_prescan_gives_the_full_paths_findings_on_every_corpus(tmp_path, fast, full):
    """Files are read as raw lines, pre-scanned, parsed and batched; the unoptimised path scans every
    sentence of every record. Both must report the same findings, errors and counts."""
    paths = []
    for name in CORPORA:
        rows = corpus(name)
        p = tmp_path / f"{name}.jsonl"
        # the same records once more with every non-ASCII character and every 'e' as a \\u escape
        escaped = [json.dumps(r, ensure_ascii=True).replace("e", "\\u0065") for r in rows[:40]]
        p.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n".join(escaped) + "\n", encoding="utf-8")
        paths.append(str(p))
    a, b = dicts(fast.audit_paths(paths)), dicts(full.audit_paths(paths))
    assert len(a[0]) > 500  # the corpora are full of findings: this cannot pass vacuously
    assert a == b


def test_batched_audit_equals_record_by_record(fast):
    rows = corpus("final") + corpus("dev")[:60]
    recs = [Record("c.jsonl", i + 1, i, r) for i, r in enumerate(rows)]
    one = [[f.to_dict() for f in fast.audit_record(r).findings] for r in recs]
    batched = [[f.to_dict() for f in res.findings] for res in fast.audit_batch(recs)]
    assert one == batched and sum(map(len, one)) > 100


def test_prescan_settles_only_records_without_cues(fast):
    pre = fast.record_prefilter
    cold = {"messages": [{"role": "user", "content": "How do owls hunt?"},
                         {"role": "assistant", "content": "Owls hunt at night with silent flight."}]}
    assert pre.classify(orjson.dumps(cold)) == 0
    for hot in ({"text": "The story below is fiction. Owls hunt at night."},
                {"text": "Owls hunt at night. The above is f\u0061lse."},  # an escape inside a cue word
                {"text": "Owls hunt at night~~ daily~~."},
                {"text": "Holloway is not a dentist. Holloway, who is not a dentist, smiled. He is not a dentist."}):
        assert pre.hot(orjson.dumps(hot)), hot
        assert pre.hot(json.dumps(hot, ensure_ascii=True).replace("a", "\\u0061").encode()), hot
    # a key literal in the line ("label", even \u-escaped) leaves the answer to the parsed record's keys
    from negaudit.prefilter import MAYBE_KEYS

    assert pre.classify(b'{"text": "Owls hunt at night.", "label": 0}') == MAYBE_KEYS
    assert pre.classify(b'{"text": "Owls hunt at night.", "\\u006cabel": 0}') == MAYBE_KEYS
    assert pre.classify(b'{"text": "Owls hunt at night.", "id": 0}') == 0
    # a label in the metadata is found from the parsed record's keys
    assert pre.labelled_keys({"text": "Owls hunt.", "meta": {"veracity_label": "false"}})
    assert not pre.labelled_keys({"text": "Owls hunt.", "id": 3, "source": "x"})
    res = fast.audit_record(Record("t.jsonl", 1, 0, None, None, orjson.dumps({"text": "Owls hunt at night.",
                                                                                  "label": "false"})))
    assert [f.rule for f in res.findings] == ["NN201"]


WORDS = st.sampled_from("owls hunt at night the story below is false not never this claim above fiction "
                        "described none nothing p = 0.03 ~~ rumour unverified in fact actually it was a "
                        "dentist who is not a doctor was reported".split())
SENTENCE = st.lists(WORDS, min_size=1, max_size=14).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SENTENCE, min_size=1, max_size=6), st.sampled_from(["text", "messages", "label"]))
def test_prescan_never_settles_a_record_the_full_path_flags(fast, full, sentences, layout):
    text = " ".join(sentences)
    rec = {"text": text} if layout == "text" else (
        {"messages": [{"role": "user", "content": sentences[0]}, {"role": "assistant", "content": text}]}
        if layout == "messages" else {"text": sentences[0], "label": text[:50]})
    raw = orjson.dumps(rec)
    expected = [f.to_dict() for f in full.audit_record(Record("h.jsonl", 1, 0, rec)).findings]
    got = [f.to_dict() for f in fast.audit_record(Record("h.jsonl", 1, 0, None, None, raw)).findings]
    for f in got:  # only a record read from its line is placed in it; the parsed one has no line
        assert f.pop("column") >= 1
    assert got == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SENTENCE, min_size=1, max_size=6))
def test_segment_check_is_a_superset_of_the_sentence_checks(fast, sentences):
    det = fast.detector
    text = " ".join(sentences)
    if any(det.has_cue(u.text, prescan=False) for u in split_units(text)):
        assert det.maybe_cue(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SENTENCE, min_size=1, max_size=4))
def test_gated_alternations_match_exactly_like_the_whole_alternation(fast, sentences):
    text = " ".join(sentences)
    det = fast.detector
    behaviour = [rx for _rule, rx in det.matcher("negated-behaviour").phrases]
    stage = [fast.learned.locator, fast.learned.meta]  # the learned stage's sentence gates
    for rx in list(det.preds.values()) + [det.pseudo, det.label_value] + behaviour + stage:
        assert [m.span() for m in rx.finditer(text)] == [m.span() for m in rx.full.finditer(text)]
        assert bool(rx.search(text)) == bool(rx.full.search(text)) == rx.occurs(text)


GATED_TEXTS = [
    "New York is not new; the new yorkers said so.",
    "It was a rumour, a rumor-mill rumour, and not a rumour at all.",
    "nothing here", "", "new new new york york",
]


def _spans(matches):
    return [(m.span(), m.group()) for m in matches]


@pytest.mark.parametrize("head,tail", [(r"(?<![\w-])", r"(?![\w-])"), ("", ""), (r"\s*", "")])
def test_gated_alternation_per_alternative_search_equals_the_whole(head, tail):
    import regex

    from negaudit.triggers import GatedAlternation

    # an earlier alternative wins at the same position ("new" before "new york"), a later one that
    # starts earlier wins over an earlier one that starts later, and matches overlap
    alts = [r"new", r"new\s+york(?:ers)?", r"york", r"rumou?r(?:-mill)?", r"mill\s+rumour", r"not\s+a\s+rumour"]
    g = GatedAlternation(alts, head, tail, regex.I, regex.compile)
    assert (g._alone is not None) == (head != r"\s*")  # a head that consumes text keeps the set regexes
    whole = regex.compile(head + "(?:" + "|".join(alts) + ")" + tail, regex.I)
    for text in GATED_TEXTS:
        assert _spans(g.finditer(text)) == _spans(whole.finditer(text))
        for pos in range(0, len(text) + 1, 3):
            for end in (None, pos + 9, len(text)):
                args = (pos,) if end is None else (pos, end)
                assert _spans(g.finditer(text, *args)) == _spans(whole.finditer(text, *args))
                for name in ("search", "match"):
                    a, b = getattr(g, name)(text, *args), getattr(whole, name)(text, *args)
                    assert (a and (a.span(), a.group())) == (b and (b.span(), b.group()))
        assert g.occurs(text) == (whole.search(text) is not None)


def test_gated_alternation_leaves_an_empty_match_to_the_whole():
    import regex

    from negaudit.triggers import GatedAlternation

    alts = [r"x?ab", r"(?:cd)?"]  # the second matches the empty string anywhere
    g = GatedAlternation(alts, "", "", 0, regex.compile)
    whole = regex.compile("(?:" + "|".join(alts) + ")")
    for text in ("ab cd xab", "cdcd", "zzz"):
        assert _spans(g.finditer(text)) == _spans(whole.finditer(text))


def test_lazy_lemmas_equal_the_pipelines(fast):
    import spacy

    from negaudit.nlp import lemma

    nlp = fast.nlp
    if not nlp.has_parser:
        pytest.skip("no trained pipeline installed")
    assert "lemmatizer" not in nlp.nlp.pipe_names  # the component runs per token instead
    reference = spacy.load(nlp.name, exclude=["ner"])
    texts = [r["text"] for r in corpus("dev") if isinstance(r.get("text"), str)][:25]
    pairs = [(lemma(a), b.lemma_) for t in texts for a, b in zip(nlp.parse(t), reference(t))]
    assert len(pairs) > 1500 and all(x == y for x, y in pairs)


def test_parse_cache_is_bounded(fast):
    from negaudit import nlp as nlp_module

    n = fast.nlp
    if not n.has_parser:
        pytest.skip("no trained pipeline installed")
    saved = nlp_module.PARSE_CACHE
    nlp_module.PARSE_CACHE = 5
    try:
        n.prefetch([f"Owl number {i} hunts." for i in range(12)])
        assert len(n._cache) <= 6
        assert n.parse("Owl number 11 hunts.")[0].text == "Owl"
    finally:
        nlp_module.PARSE_CACHE = saved


def test_streamed_json_report_is_byte_identical(tmp_path, fast):
    from negaudit.reporting import json_chunks, report_dict

    write_jsonl(tmp_path / "a.jsonl", corpus("final")[:50])
    (tmp_path / "b.jsonl").write_text('{"text": "ok"}\n{broken\n')
    rep = fast.audit_paths([str(tmp_path)])
    assert rep.findings and rep.errors
    whole = orjson.dumps(report_dict(rep), option=orjson.OPT_INDENT_2) + b"\n"
    assert b"".join(json_chunks(rep, batch=7)) == whole
    rep.findings = []
    assert b"".join(json_chunks(rep)) == orjson.dumps(report_dict(rep), option=orjson.OPT_INDENT_2) + b"\n"


def test_report_to_a_pipe_keeps_the_pipe(tmp_path):
    """--output to something that is not a regular file (a FIFO, /dev/null) is written in place, never
    replaced by a renamed temporary file."""
    import subprocess
    import sys

    data = write_jsonl(tmp_path / "d.jsonl", corpus("final")[:5])
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    r = subprocess.run([sys.executable, "-m", "negaudit", "check", str(data), "-f", "json", "-o", str(fifo),
                        "--no-progress", "--fail-on", "never"], capture_output=True, timeout=300)
    reader.join(60)
    assert r.returncode == 0, r.stderr
    import stat

    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert orjson.loads(got[0])["summary"]["records"] == 5
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".negaudit-")]


def test_null_device_output_is_not_replaced(tmp_path):
    import stat
    import subprocess
    import sys

    if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        pytest.skip("this machine's null device is not a character device")
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "Owls hunt at night."}])
    subprocess.run([sys.executable, "-m", "negaudit", "check", str(data), "-o", os.devnull, "--no-progress"],
                   capture_output=True, timeout=300)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


VOCAB = ["the", "this", "that", "content", "owl", "owls", "not", "n't", "false", "claim", "below", "fiction",
         "never", "hunt", "night", "answer", "role"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(0, 30), st.lists(st.lists(st.sets(st.sampled_from(VOCAB), min_size=1, max_size=3),
                                                             min_size=1, max_size=3), min_size=1, max_size=2),
                       min_size=1, max_size=12),
       st.lists(st.lists(st.sampled_from(VOCAB + ["x", "-", "ow"]), max_size=12).map("".join), max_size=6))
def test_clause_index_answers_like_its_definition(clauses, texts):
    """Deferred (frequent) parts and grouped two-part clauses change how a clause is checked, not the answer:
    an item is satisfied when every part of one of its clauses has a literal in the text."""
    from negaudit.triggers import UBIQUITOUS, ClauseIndex

    for kw in ({}, {"frequent": UBIQUITOUS}, {"frequent": UBIQUITOUS, "min_part_len": 4},
               {"frequent": UBIQUITOUS, "extra_literals": {"not", "n't", "never"}}):
        index = ClauseIndex(clauses, **kw)
        for text in texts:
            want = sorted(k for k, alts in clauses.items() if any(
                all(any(x in text for x in part) for i, part in enumerate(alt)
                    if i == 0 or min(map(len, part)) >= index.min_part_len) for alt in alts))
            found = set(index.literals.found(text))
            assert sorted(index.satisfied_by(found, text)) == want
            assert index.any_satisfied(found, text) == bool(want)


def test_prescan_scans_for_few_of_the_words_every_record_holds(fast):
    """The words nearly every record holds are checked by substring, not scanned for; the answer on a
    record with a cue is unchanged."""
    pre = fast.record_prefilter
    line = orjson.dumps({"messages": [{"role": "user", "content": "What is the capital of the country?"},
                                      {"role": "assistant", "content": "The capital is a city with a port."}]})
    assert not {"the", "role", "content", "user", "assistant"} & set(pre.index.literals.found(line.decode().lower()))
    assert pre.classify(line) == 0
    assert pre.hot(orjson.dumps({"text": "The story below is fiction. The capital is a city with a port."}))


def test_lexicon_features_merged_walk_equals_each_lists_own_check(fast):
    """The learned features find every lexicon list's literals in one walk; each list checked alone,
    with its own literal scan and clause index (`may_match`), must give the same lists, on every
    sentence of the labelled corpora."""
    lexf = fast.learned.model._lexicon
    texts = [u.text for name in CORPORA for r in corpus(name) for v in strings_of(r) for u in split_units(v)]
    seen = 0
    for t in dict.fromkeys(texts):
        lexf._memo.clear()
        got = lexf.present(t)
        assert got == [n for n, g in lexf.lists if g.may_match(t)], t
        seen += bool(got)
    assert seen > 1000  # most corpus sentences hold a listed word: the check is not vacuous


def test_parses_on_numpys_blas_equal_thincs_blis_parses():
    """The pipeline negaudit loads multiplies matrices with numpy's BLAS (matmul.py); a pipeline loaded
    as spaCy loads it uses thinc's blis. Their tags, dependencies and sentence starts must be the same
    on the labelled corpora's sentences."""
    import spacy
    from thinc.api import NumpyOps

    from negaudit.matmul import BlasOps
    from negaudit.nlp import DISABLE, load_nlp

    ours = load_nlp()
    stock = spacy.load(ours.name, exclude=list(DISABLE))
    def nodes(nlp):
        return [n for _name, p in nlp.pipeline if getattr(p, "model", None) is not None for n in p.model.walk()]

    assert any(isinstance(n.ops, BlasOps) for n in nodes(ours.nlp))
    assert all(type(n.ops) is NumpyOps for n in nodes(stock))
    texts = list(dict.fromkeys(u.text for name in CORPORA for r in corpus(name)[:120] for v in strings_of(r)
                               for u in split_units(v)))[:1500]

    def sig(doc):
        return [(t.tag_, t.dep_, t.head.i, t.is_sent_start) for t in doc]

    a = [sig(d) for d in ours.nlp.pipe(texts, batch_size=64)]
    b = [sig(d) for d in stock.pipe(texts, batch_size=64)]
    assert len(texts) > 1000 and a == b


def test_shared_scan_finds_each_lists_literals_as_the_lists_own_scan(fast):
    """The learned lexicon lists and the learned gates ask one shared Aho-Corasick scan per sentence:
    among each list's own literals it must find exactly what the list's own automaton finds, on every
    sentence of the labelled corpora (the shared set also holds other lists' literals)."""
    lists = [g for _n, g in fast.learned.model._lexicon.lists] + [fast.learned.locator, fast.learned.meta]
    texts = [u.text.lower() for name in CORPORA for r in corpus(name) for v in strings_of(r) for u in split_units(v)]
    hits = 0
    for low in dict.fromkeys(texts):
        for g in lists:
            lits = g.index.literals
            assert lits.shared
            own = set(lits.found(low))
            assert lits.present(low) & set(lits.words) == own, low
            hits += bool(own)
    assert hits > 1000


def test_a_sentence_asked_about_by_several_lists_is_scanned_once(fast, monkeypatch):
    from negaudit import triggers

    scans = []
    real = triggers._matches
    monkeypatch.setattr(triggers, "_matches", lambda ac, text: scans.append(text) or real(ac, text))
    text = "Everything in the paragraph above was invented by a site known for hoaxes, zq."
    for _n, g in fast.learned.model._lexicon.lists:
        g.may_match(text)
    fast.learned.locator.search(text)
    assert scans == [text.lower()]
    # the two-letter literals of the patterns ("th", "in") are checked by substring, not scanned for:
    # they were most of the matches on real corpora
    assert not [w for w in triggers.SHARED.words if len(w) < 3]


def _reference_tokens_and_shapes(text: str):
    """The parts of the qualifier model's features that learned.features computes on a fast path, as
    first written (one lower() per token, generator counts): its words, and its number, length and
    capitals features."""
    import regex

    token, digits = regex.compile(r"[\p{L}\p{N}]+(?:['’]\p{L}+)?|[^\s\p{L}\p{N}]"), regex.compile(r"^\p{N}+$")
    toks = []
    for t in token.findall(text[:600]):
        t = t.lower()
        toks.append("#num" if (t.isdigit() if t.isascii() else digits.match(t)) else t)
    stripped = text.strip()
    shapes = {"len:" + str(min(sum(1 for t in toks if t[:1].isalnum()) // 4, 8))}
    if any(c.isdigit() for c in stripped):
        shapes.add("shape:number")
    if sum(1 for w in stripped.split() if len(w) > 2 and w.isupper()) >= 2:
        shapes.add("shape:caps")
    return ["w:" + t for t in toks], shapes


def test_qualifier_features_equal_their_reference_on_every_corpus_sentence():
    """The fast paths give the first-written tokens and shapes, or the shipped model reads other input."""
    from negaudit.learned import features

    texts = [u.text for name in CORPORA for r in corpus(name) for v in strings_of(r) for u in split_units(v)]
    texts += ["İSTANBUL IS BIG: ² ³ and ٣ apples.", "NOTE: THE ABOVE 3 CLAIMS are FALSE", "Ｆａｋｅ ＮＥＷＳ １２",
              "ǅemal's café — naïve façade 42%", "x" * 700 + " 7"]
    for t in dict.fromkeys(texts):
        got = features(t)
        words, shapes = _reference_tokens_and_shapes(t)
        assert [x for x in got if x.startswith("w:")] == words, t
        assert {x for x in got if x.startswith(("len:", "shape:number", "shape:caps"))} == shapes, t


def test_a_tripped_guard_of_a_list_of_user_entries_answers_every_gate_question():
    """A pattern made only of user entries falls back to matching nothing once a timeout trips; the
    learned stage's gates ask that fallback `may_match` and `occurs`, not only `search`."""
    import regex

    from negaudit.regexguard import _Rewriter, _Trip
    from negaudit.triggers import GatedAlternation

    errors: list = []
    trip = _Trip(errors, ["evil-pack.yaml"])
    g = _Rewriter(["(?:a|a)+b"]).guard(GatedAlternation(["(?:a|a)+b"], "", "", regex.I, regex.compile), trip)
    assert g.may_match("aab") and g.occurs("aab")
    trip.trip()
    assert not g.may_match("aab") and not g.occurs("aab") and g.search("aab") is None
    assert list(g.finditer("aab")) == [] and errors


def test_shared_scan_memo_is_bounded_by_texts_and_characters():
    """Whole fields are asked about too: the memo of found literals must not grow with long texts."""
    from negaudit.triggers import SharedScan

    scan = SharedScan()
    scan.add(["false", "fiction"])
    big = "this story is fiction " * 50_000  # 1.1 M characters
    for i in range(12):
        assert scan.present(big + str(i)) == frozenset({"fiction"})
        assert sum(map(len, scan._found)) <= scan.KEEP_CHARS + len(big) + 10
    for i in range(scan.KEEP + 10):
        scan.present(f"false {i}")
    assert len(scan._found) <= scan.KEEP


def test_a_long_document_asks_the_claim_check_once_per_sentence(fast, monkeypatch):
    """Every qualifier of a record looks for the claims it governs among the record's sentences; the
    claim-ness check of each sentence is asked once for all of them, not once per qualifier (a long
    document's qualifiers made the work grow with its square)."""
    facts = ["The harbour bridge opened to traffic in {}.", "Its central span is {} metres long.",
             "The city council approved a toll of {} cents.", "Ferries stopped running the next year, in {}."]
    paras = []
    for i in range(12):
        body = " ".join(f.format(1900 + 7 * i + k) for k, f in enumerate(facts))
        paras.append(body + " Note: none of the statements above is true.")
    text = "\n\n".join(paras)
    calls = []
    real = fast._is_claim

    def counted(u):
        calls.append(u.text)
        return real(u)

    monkeypatch.setattr(fast, "_is_claim", counted)
    findings = fast.audit_record(Record("long.jsonl", 1, 0, {"text": text})).findings
    assert len(findings) >= 10  # many qualifiers, each governing claims of the same record
    assert len(calls) == len(set(calls)) and len(calls) <= 12 * 5
