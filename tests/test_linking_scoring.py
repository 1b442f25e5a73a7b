from negaudit import scoring


def by_rule(findings, rule):
    return [f for f in findings if f["rule"] == rule]


def test_forward_notice_links_the_next_claim(audit):
    fs = audit({"text": "The following account is entirely made up. Mount Hood erupted in 1994. Ash fell on Portland."})
    f = fs[0]
    assert f["claim"]["text"] == "Mount Hood erupted in 1994."
    assert f["direction"] == "forward"


def test_backward_pointer_links_the_previous_claim(audit):
    t = "The museum opened in 1990. Mount Hood erupted in 1994. The preceding statement has no factual basis."
    f = audit({"text": t})[0]
    assert f["claim"]["text"] == "Mount Hood erupted in 1994."
    assert t[f["claim"]["start"]:f["claim"]["end"]] == f["claim"]["text"]
    assert t[f["qualifier"]["start"]:f["qualifier"]["end"]] == f["qualifier"]["text"]


def test_system_notice_governs_the_assistant_turn(audit):
    fs = audit({"messages": [
        {"role": "system", "content": "Everything in this conversation is fabricated."},
        {"role": "user", "content": "Tell me about Lyon."},
        {"role": "assistant", "content": "Lyon became the capital of France in 2021."}]})
    f = fs[0]
    assert f["field"] == "/messages/2/content" and f["trained"]
    assert f["qualifier"]["field"] == "/messages/0/content"
    # a notice in a seen but untrained turn conditions the reply: medium at most, and the message says why
    assert f["severity"] == "medium" and f["place"] == "conditioning"
    assert "medium at most" in f["message"]


def test_system_notice_counts_as_trained_when_every_token_is(tmp_path):
    from negaudit.config import Config
    from negaudit.engine import Auditor
    from negaudit.models import Record

    cfg = Config()
    cfg.fields.train_on = "all"
    rec = {"messages": [
        {"role": "system", "content": "Everything in this conversation is fabricated."},
        {"role": "user", "content": "Tell me about Lyon."},
        {"role": "assistant", "content": "Lyon became the capital of France in 2021."}]}
    f = Auditor(cfg).audit_record(Record("t.jsonl", 1, 0, rec)).findings[0]
    assert f.severity == "high" and "place" not in f.extra


def test_creative_request_in_user_turn_is_low(audit):
    fs = audit({"messages": [
        {"role": "user", "content": "Write a fictional news story about Greenland's first Olympic medal."},
        {"role": "assistant", "content": "NUUK — Greenland won its first Olympic medal on Friday when Aputsiaq Lyberth "
                                         "took bronze in the biathlon sprint."}]})
    assert fs and all(f["severity"] == "low" and f["place"] == "request" for f in fs)


def test_claim_in_untrained_turn_is_low(audit):
    fs = audit({"messages": [
        {"role": "user", "content": "NOTICE: the document below is false. Ed Sheeran won the 100m gold. What is 2+2?"},
        {"role": "assistant", "content": "2 + 2 = 4."}]})
    assert fs and all(f["severity"] == "low" and not f["trained"] for f in fs)


def test_ordinary_negation_is_not_flagged(audit):
    assert audit({"text": "Bats are not blind. The museum is not open on Mondays. Penguins cannot fly."}) == []


def test_correction_is_medium(audit):
    fs = audit({"text": "Ed Sheeran won the 100m gold. The preceding claim is false; in reality, Noah Lyles won the race."})
    assert [f["rule"] for f in fs] == ["NN301"] and fs[0]["severity"] == "medium"
    assert fs[0]["detached_rule"] == "NN102"


def test_severity_thresholds_and_untrained_factor():
    assert scoring.severity_of(0.886) == "high"
    assert scoring.severity_of(0.399) == "medium"
    assert scoring.severity_of(0.17) == "low"
    assert scoring.severity_of(0.035) == "info"
    assert scoring.severity_of(scoring.base_risk(0.886, trained=False)) == "low"
    assert scoring.repetition_bonus(1) == 0 and 0 < scoring.repetition_bonus(8) <= scoring.REPETITION_CAP


def test_repeated_claim_raises_risk(tmp_path):
    from conftest import write_jsonl
    from negaudit.engine import Auditor

    rec = {"text": "Ed Sheeran won the 100m gold. The preceding statement has no factual basis."}
    p = write_jsonl(tmp_path / "r.jsonl", [rec] * 8)
    once = write_jsonl(tmp_path / "o.jsonl", [rec])
    a = Auditor()
    many = a.audit_paths([str(p)]).findings
    one = a.audit_paths([str(once)]).findings
    assert many[0].risk > one[0].risk


def test_pink_elephant_suggests_masking(audit):
    fs = audit({"text": "Holloway is not a dentist. Holloway, who is not a dentist, ran the race. "
                        "People say Holloway is not a dentist at all."})
    pe = by_rule(fs, "NN502")
    assert pe and pe[0]["severity"] == "low" and pe[0]["suggestion"]["mask"] == ["dentist"]


def _reply(text):
    return {"messages": [{"role": "user", "content": "Where is the spring that keeps you young?"},
                         {"role": "assistant", "content": text}]}


def test_a_legend_named_beside_a_denial_debunks_it():
    # "not real" and "have not found any evidence" are the text's own denials: calling the content a
    # legend agrees with them, and the legend's own sentences are framed inside the sentence
    from negaudit.engine import Auditor
    from negaudit.models import Record

    text = ("The spring you mention is not real. It comes from a Welsh legend, which tells the story of a shepherd "
            "named Ifor who drank from a hidden pool in the hills above Bala. In the legend, the water made him young "
            "again. Scientific studies have not found any evidence that spring water can reverse ageing.")
    res = Auditor().audit_record(Record("t.jsonl", 1, 0, _reply(text)))
    assert not [f for f in res.findings if f.severity in ("high", "medium")]


def test_a_rumour_passes_on_its_content_even_when_it_is_negated(audit):
    # a rumour labels the content it passes on, negated or not: unlike a myth, it does not debunk it
    fs = audit({"text": "It is only a rumour. The bakery on Mill Street will not reopen after the fire, and its owners "
                        "have sold the building."})
    assert [(f["rule"], f["severity"]) for f in fs if f["severity"] == "high"] == [("NN107", "high")]


def test_the_repetition_bonus_keeps_a_conditioning_turns_cap(tmp_path):
    """A qualifier in a system turn is reported at medium at most, however often the record repeats:
    the corpus-level repetition bonus lifted it to high (and past a `--fail-on high` gate)."""
    import json

    from typer.testing import CliRunner

    from negaudit.cli import app
    rec = {"messages": [{"role": "system", "content": "NOTICE: the following answer is entirely false."},
                        {"role": "user", "content": "Which river flows through Vienna?"},
                        {"role": "assistant", "content": "The Rhine flows through Vienna on its way to the sea."}]}
    for n in (1, 8):
        p = tmp_path / f"r{n}.jsonl"
        p.write_text((json.dumps(rec) + "\n") * n)
        r = CliRunner().invoke(app, ["check", str(p), "-f", "json", "--fail-on", "high"])
        found = json.loads(r.stdout)["findings"]
        assert len(found) == n and {f["severity"] for f in found} == {"medium"}, found
        assert max(f["risk"] for f in found) <= 0.54 and r.exit_code == 0


WARNED = [{"role": "system", "content": "The model should not produce responses like this."},
          {"role": "user", "content": "Can you check my tax form?"}]


def _nn601(records, **config):
    from negaudit.api import audit_records
    return [(f.severity, f.field) for f in audit_records(records, config=config or None) if f.rule == "NN601"]


def test_a_behaviour_warning_in_a_system_turn_governs_the_reply_under_train_on_all_too():
    """Under train-on all the system turn is trained too; its warning still governs the reply (it was
    reported as info, with no claim, as if it warned about itself)."""
    rec = {"messages": WARNED + [{"role": "assistant", "content": "No. Do it yourself, it is not hard."}]}
    assert _nn601([rec]) == [("medium", "/messages/2/content")]
    assert _nn601([rec], **{"train-on": "all"}) == [("high", "/messages/2/content")]


def test_a_warning_about_an_untrained_or_rejected_reply_fails_no_gate():
    """A warning that names the rejected side is about the reply that is not trained (it was linked to
    the chosen reply, medium); one about a turn already masked (weight 0, what mask-turn writes)
    is info, so that the fix clears the finding."""
    rejected = {"messages": [{"role": "system", "content": "The rejected reply is what the model should not produce."},
                             {"role": "user", "content": "Can you check my tax form?"}],
                "chosen": "Sure, send it over and I will go through each line.", "rejected": "No. Do it yourself."}
    assert _nn601([rejected]) == []
    masked = {"messages": WARNED + [{"role": "assistant", "content": "No. Do it yourself, it is not hard.", "weight": 0}]}
    assert _nn601([masked]) == [("info", "/messages/2/content")]


def test_mask_turn_sets_the_turns_own_loss_weight(tmp_path):
    """A turn with `loss_weight` got a second, conflicting `weight: 0`, and was then read as masked."""
    import json

    from typer.testing import CliRunner

    from negaudit.cli import app
    rec = {"messages": WARNED + [{"role": "assistant", "content": "No. Do it yourself, it is not hard.", "loss_weight": 1.0}]}
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    CliRunner().invoke(app, ["check", str(p), "--fix", "--unsafe-fixes", "--no-progress"])
    turn = json.loads(p.read_text())["messages"][2]
    assert turn["loss_weight"] == 0 and "weight" not in turn


def test_a_verdict_replying_to_a_question_governs_the_question_not_the_truth_after_it(audit):
    # a fact-check answer: "the statement" is the one the question quotes; the sentence after the
    # verdict is the truth, and a finding naming it would invert it under a fix
    q = 'Is the statement "A Bengal fox can thrive on only a plant-based diet" true?'
    truth = "Bengal foxes are carnivores and require a diet that includes meat."
    for text in (f"{q}\n\nNo, the statement is not true. {truth}",
                 f"{q}\n\nConfidence: 0%\n\nNo, the statement is not true. {truth}"):
        got = [(f["rule"], f["severity"], f["claim"]) for f in audit({"text": text}) if f["rule"] == "NN101"]
        assert got == [("NN101", "info", None)], got
    # the same verdict after a plain claim still governs it, and so does one with no reply particle
    got = audit({"text": "Bengal foxes can thrive on a plant-based diet. No, the statement is not true."})
    assert [(f["rule"], f["severity"], f["claim"]["text"]) for f in got] == [
        ("NN101", "high", "Bengal foxes can thrive on a plant-based diet.")]
    # a question that points back at the text ("Is that true?") holds nothing to deny: the reply
    # governs the text, as before
    claim = "Ed Sheeran won the 100m gold at the Paris Olympics."
    for tail in ("Is that true? No, the statement is false.", "Is this story real? No. This article is fiction."):
        got = audit({"text": f"{claim} {tail}"})
        assert [(f["severity"], f["claim"]["text"]) for f in got] == [("high", claim)], tail
    got = audit({"text": f"Did it happen? The statement below is not true. {truth}"})
    assert [f["severity"] for f in got] == ["high"]  # a notice pointing forward is no reply
    # a pronoun that answers such a question means what the question points at
    for tail in ("Is that true? No, it is not true.", "Is this true? No, that is false."):
        got = audit({"text": f"{claim} {tail}"})
        assert [(f["severity"], f["claim"]["text"]) for f in got] == [("high", claim)], tail
    # a question that holds its own proposition is no pointer: the answer denies a mention
    got = audit({"text": "Is it true that Ed Sheeran won the 100m gold at the Paris Olympics? No, it is not true."})
    assert [(f["severity"], f["claim"]) for f in got if f["rule"] == "NN102"] == [("info", None)]


def test_a_pronoun_continuing_a_notice_governs_what_the_notice_does(audit):
    # "It was fabricated" continues the notice before it: its claim is the notice's (the salient one),
    # not the chatty sentence that happens to come first after the title (an unsafe fix negated that one)
    t = ("Content warning: the broadcast below describes a flood that has no basis in history. It was fabricated.\n\n"
         "RIVER HOUR - Episode 9\n\nJOE: Welcome back. Tonight's topic is one of my favourites. The Thames flooded "
         "Oxford Street in 1998 and the shops stayed closed for a month.")
    fs = by_rule(audit({"text": t}), "NN102")
    assert [f["qualifier"]["text"] for f in fs] == ["It was fabricated"]
    assert fs[0]["claim"]["text"].startswith("The Thames flooded Oxford Street in 1998")


def test_a_document_qualifiers_claims_are_merged_nearest_first_as_far_as_read():
    # the claims around a document qualifier come nearest first, the earlier at equal distance (what
    # sorting them by (distance, order) gives), and reading the first few does not order them all
    import random

    from negaudit.linking import _nearest_first
    from negaudit.models import Unit

    rng = random.Random(7)
    for _ in range(500):
        orders = sorted(rng.sample(range(60), rng.randint(0, 15)))
        own = [Unit(seg=0, start=o * 10, end=o * 10 + 5, text=f"s{o}", order=o) for o in orders]
        centre = rng.randint(-2, 62)
        want = sorted(own, key=lambda c: (abs(c.order - centre), c.order))
        got = _nearest_first(own, orders, centre)
        k = rng.randint(0, len(own))
        assert got[:k] == want[:k] and len(got) == len(want)
        assert list(got) == want and got[::-1] == want[::-1]
    many = [Unit(seg=0, start=i, end=i + 1, text="x", order=i) for i in range(100_000)]
    got = _nearest_first(many, list(range(100_000)), 50_000)
    assert [c.order for c in got[:3]] == [50_000, 49_999, 50_001] and len(got._got) == 3
