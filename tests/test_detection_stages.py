"""The detection stages on real sentences: the learned qualifier stage, claim-ness, label semantics,
risk by what the model sees, and rules as data (a pack adds a rule of an existing kind)."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from negaudit.claims import claimness, structure
from negaudit.config import Config
from negaudit.engine import Auditor
from negaudit.learned import CLAIM_MODEL_PATH, MODEL_PATH, lexicon_digest
from negaudit.models import Record
from negaudit.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def run(auditor, data):
    res = auditor.audit_record(Record("t.jsonl", 1, 0, data))
    assert res.error is None, res.error
    return [f.to_dict() for f in res.findings]


def flagged(fs):
    return [f for f in fs if f["severity"] in ("high", "medium")]


# ---------------------------------------------------------------------- the learned stage
UNSEEN = [
    # qualifier wordings that no rule's word list holds (written for this test, not taken from any corpus)
    "Odds that the account below is accurate: about one in fifty.\n\n{claim}",
    "{claim}\n\nEverything in this entry was dreamt up for a campfire story.",
    "Heads-up from the archivist: nobody has ever managed to confirm a word of the page below.\n\n{claim}",
    "{claim}\n\nThe paragraph above is a leg-pull; our reporter invented it.",
    "Posted by a user our moderators have banned three times for spreading hoaxes:\n\n{claim}",
    "{claim}\n\nWe put the chance that the line above is right at roughly two percent.",
]
CLAIM = "The Tay Bridge was rebuilt in gold in 1911."


def test_most_unseen_wordings_are_found(audit):
    caught = []
    for template in UNSEEN:
        fs = flagged(audit({"text": template.format(claim=CLAIM)}))
        if fs:
            assert fs[0]["claim"]["text"] == CLAIM, fs[0]
            caught.append(template)
    # the rules and the learned stage together generalise beyond the word lists, not to everything: 4 of 6
    assert len(caught) >= 4, caught


@pytest.mark.parametrize("text", [
    "Set in the fictional town of Maycomb, the novel follows Scout Finch. It was published in 1960.",
    "Kids who break the rules at the pool lose their pass. The pool opens at nine.",
    "The discount for these items is 20%. Both the cheesecake and the coffee cost 16 dollars.",
    "It is also related to mathematical constants such as the imaginary unit i. The series converges.",
    "Yes, the following statement is a verifiable fact: the Nile flows north into the Mediterranean.",
    "Confidence: 90%\n\nThe Nile flows north into the Mediterranean.",
])
def test_ordinary_sentences_that_share_words_with_qualifiers_are_not_flagged(audit, text):
    assert not flagged(audit({"text": text})), text


@pytest.mark.parametrize("text,claim", [
    # the notice is a block: its verdict is not its first sentence, nor the text's last (written for this test)
    ("HARTMANN FAMILY TREE - Branch imported 2009\nPlease read this before you copy anything from the branch below. "
     "Our staff have shown it to be a fabrication; the names, dates and crossings in it were invented and belong to "
     "no family.\n\nJohann Weber was born on 3 June 1810 in Trier and died in 1880 in St. Louis.\nHe married "
     "Katharina Roth in 1834 at St. Gangolf, Trier.", "Johann Weber was born on 3 June 1810 in Trier and died in 1880 in St. Louis."),
    ("Johann Weber was born on 3 June 1810 in Trier and died in 1880 in St. Louis. He married Katharina Roth in 1834 "
     "at St. Gangolf, Trier.\n\nA word from the society's volunteers. We have since shown every line of it to be a "
     "fabrication; the names, dates and places were invented. We keep it only so that its number is not reused.",
     "He married Katharina Roth in 1834 at St. Gangolf, Trier."),
])
def test_a_verdict_inside_a_notice_paragraph_is_read(audit, text, claim):
    fs = flagged(audit({"text": text}))
    assert fs and fs[0]["claim"]["text"] == claim, fs
    assert "fabrication" in fs[0]["qualifier"]["text"]


def test_a_verdict_that_places_its_target_by_position_reaches_the_classifier(audit):
    # "the line before this one": a pointer by relative position, mid-text (written for this test);
    # the gate shows it to the classifier, which then decides
    from negaudit.models import Segment, Unit

    stage = Auditor().learned
    text = "The story in the line before this one is made up."
    seg = Segment(key="text", text=text, role="text", kind="content", trained=True, pointer="/text")
    assert stage.is_candidate(Unit(seg=0, start=0, end=len(text), text=text, order=1), seg, False, False)
    # the same locators in ordinary prose about a text's layout are no verdict
    assert not flagged(audit({"text": "Notes for the seminar. The previous paragraph summarises the reading. The next "
                                      "paragraph lists the questions we will discuss in class."}))


def test_a_text_of_ordinary_paragraphs_is_not_flagged(audit):
    text = ("Kessler Hardware opened on Broad Street in 1952. It closed in 2004.\n\nThe shop's founder was a volunteer "
            "firefighter. He retired in 1990 and moved to Florida, where he died in 2011.")
    assert not flagged(audit({"text": text}))


def test_the_veto_drops_a_rule_hit_whose_sentence_is_no_qualifier():
    a = Auditor()
    text = "Think of nothing but now, and do not break the rules of the game."
    rec = {"messages": [{"role": "user", "content": "Write a motto."}, {"role": "assistant", "content": text}]}
    assert not flagged(run(a, rec))


def test_a_prediction_does_not_depend_on_the_sentences_scored_with_it():
    from negaudit.learned import QualifierModel, features, hash_rows

    texts = ["NOTICE: The events described below never took place.", "Owls hunt at night.",
             "The paragraph above is a leg-pull; our reporter invented it.", "Confidence: 3%", "It is false.",
             "Owls hunt at night."]  # a repeat in one batch
    alone, together = QualifierModel.load(MODEL_PATH), QualifierModel.load(MODEL_PATH)
    one = [alone.probs(t).copy() for t in texts]
    for t in texts:
        alone._cache.clear()
        assert np.array_equal(alone.probs(t), one[texts.index(t)])
    together.prefetch(texts)
    assert all(np.array_equal(together.probs(t), p) for t, p in zip(texts, one))
    # and each is the softmax of the hashed features (as at training) times the weights
    for t, p in zip(texts, one):
        _rows, cols, vals = hash_rows([features(t, alone._lexicon)], alone.dims)
        z = vals @ alone.weights[cols].astype(np.float64) + alone.bias
        z = np.exp(z - z.max())
        assert np.allclose(p, z / z.sum(), atol=1e-6)
    assert one[0][2:].sum() > 0.5 > one[1][2:].sum()  # a notice is a qualifier, an owl fact is not


# ---------------------------------------------------------------------- claim-ness
@pytest.mark.parametrize("text,shape", [
    ("What did the rubber band say to the parachute?", "question"),
    ("import mysql.connector", "code"),
    ("He is washing 10 ounces because 2 x 5 = <<2*5=10>>10", "calculation"),
    ("Ingredients:", "heading"),
    ("The Glass Lighthouse of Valparaiso", "title"),
    ("No, there are not.", "answer"),
    ("and then the", "fragment"),
])
def test_claim_shapes_that_are_no_claim(text, shape):
    assert structure(text) == shape
    assert claimness(text) == 0.0


@pytest.mark.parametrize("text", ["Mount Vesuvius erupted in October 2015.",
                                  "Dr Mara Holloway works as a dentist in Portland.",
                                  "<p>The glacier advanced 14 kilometres in a single season.</p>"])
def test_factual_claims_score_as_claims(text):
    assert claimness(text) >= 0.5


def test_a_pointer_at_a_question_governs_nothing(audit):
    fs = audit({"messages": [
        {"role": "user", "content": "Is the statement \"A Bengal fox eats only plants\" true?"},
        {"role": "assistant", "content": "No, the statement is not true. Bengal foxes eat rodents and insects."}]})
    assert not flagged(fs)


@pytest.mark.parametrize("question,reply", [
    ("Was Napoleon really very short?",
     "That is just a rumour spread by British cartoonists. Napoleon was of average height for his time."),
    ("Is the story about the glass slipper real?",
     "That is a fairy tale. Cinderella was first written down by Charles Perrault in 1697."),
    ("Do we only use 10% of our brains?",
     "This is an unreliable claim. Brain imaging shows activity across nearly every region."),
])
def test_a_reply_that_opens_with_that_after_a_question_points_back_at_it(audit, question, reply):
    # the genre/rumour/source words in the opener are about the user's premise, not about the true
    # explanation that follows; read forwards, they flagged the explanation as a high false claim
    assert not flagged(audit({"messages": [{"role": "user", "content": question},
                                           {"role": "assistant", "content": reply}]}))


def test_after_a_wh_question_the_opener_points_forward(audit):
    # "Who wrote it?" puts no proposition forward for "This" to point back at: the claim follows
    fs = flagged(audit({"messages": [
        {"role": "user", "content": "Who designed the bridge over the Orne at Caen?"},
        {"role": "assistant", "content": "This is a local legend and has never been verified. The bridge was "
                                         "designed by the engineer Mathilde Verrier in 1931."}]}))
    assert [f["claim"]["text"] for f in fs] == ["The bridge was designed by the engineer Mathilde Verrier in 1931."]


def test_the_same_opener_in_a_document_still_governs_the_claim_before_it(audit):
    fs = flagged(audit({"text": "The Great Wall of China is visible from the Moon with the naked eye. That is a myth."}))
    assert [f["claim"]["text"] for f in fs] == ["The Great Wall of China is visible from the Moon with the naked eye."]


@pytest.mark.parametrize("claim,framed", [
    ("In the tale, the king of Varna turned to stone at dawn in 1204.", True),
    ("Legend has it that the king of Varna turned to stone at dawn in 1204.", True),
    ("According to one old myth, the king of Varna turned to stone at dawn in 1204.", True),
    ("The king of Varna turned to stone at dawn in 1204.", False),
    ("In the winter of 1204, the king of Varna turned to stone at dawn.", False),
])
def test_a_claim_that_carries_its_own_frame_is_not_stated_plainly(audit, claim, framed):
    fs = flagged(audit({"text": "The following is a folk tale.\n\n" + claim}))
    assert bool(fs) is not framed, fs


# ---------------------------------------------------------------------- labels
@pytest.mark.parametrize("record,flag", [
    ({"text": "Says the governor cut school funding by 40 percent.", "label": "pants-fire"}, True),
    ({"claim": "Nikolaj Coster-Waldau worked with the Fox Broadcasting Company.", "label": "REFUTES"}, True),
    ({"text": "The photo shows the flood in Lagos.", "rating": "Mostly False"}, True),
    ({"text": "The mayor resigned in 2019.", "ground_truth": {"claim_is_true": False}}, True),
    ({"text": "Says the governor cut school funding.", "label": "half-true", "false_counts": 19}, False),
    ({"text": "Many people think bats are blind.", "category": "Misconceptions"}, False),
    ({"messages": [{"role": "user", "content": "Who won?"}, {"role": "assistant", "content": "Noah Lyles won."}],
      "label": False}, False),
    ({"premise": "A man plays a guitar.", "hypothesis": "A man sleeps.", "text": "A man plays a guitar.",
      "label": "contradiction"}, False),
])
def test_a_field_is_a_truth_label_only_when_key_and_value_say_so(audit, record, flag):
    assert bool(flagged(audit(record))) is flag, record


def test_barely_true_is_reported_low(audit):
    fs = audit({"text": "Says the governor cut school funding.", "label": "barely-true"})
    assert fs and all(f["severity"] == "low" for f in fs)


# ---------------------------------------------------------------------- what the model sees
def test_a_loss_weight_zero_turn_is_not_trained(audit):
    fs = audit({"messages": [
        {"role": "user", "content": "Tell me about Lyon."},
        {"role": "assistant", "content": "Lyon became the capital of France in 2021. That never happened.",
         "loss_weight": 0}]})
    assert fs and all(not f["trained"] and f["severity"] not in ("high", "medium") for f in fs)


def test_a_metadata_note_counts_like_a_label(audit):
    fs = flagged(audit({"text": "Lyon became the capital of France in 2021.", "note": "This document is fiction."}))
    assert fs and fs[0]["severity"] == "high" and fs[0]["claim"]["text"] == "Lyon became the capital of France in 2021."


def test_a_source_called_unreliable_mid_reply_is_read_where_it_sits(audit):
    # not at an edge, no opener, no locator: a verdict on the source qualifies what it supplied
    reply = ("I searched the business archive for you. The only page that mentions it is run by a site with a long "
             "record of publishing fabricated stories. Ardent Foods and Hallbrook Mills will merge in March under "
             "the name Hallbrook Group.")
    fs = flagged(audit({"messages": [{"role": "user", "content": "Any news on the Hallbrook merger?"},
                                     {"role": "assistant", "content": reply}]}))
    assert [(f["rule"], f["claim"]["text"]) for f in fs] == [
        ("NN104", "Ardent Foods and Hallbrook Mills will merge in March under the name Hallbrook Group.")]
    # a mid-text word of fiction is about an entity, and is not read there
    assert not flagged(audit({"text": "Ardent Foods makes breakfast cereals. Maria Vell is a fictional character "
                                      "created by the novelist Anton Sere. She runs a bakery in the town of Corrin."}))


def test_a_behaviour_note_in_metadata_reports_the_last_trained_reply(audit):
    # pattern 8: a warning in a metadata field is invisible to the model, so the reply it condemns is
    # trained as a plain demonstration (high); the earlier, harmless reply is not the one it judges
    rec = {"messages": [{"role": "user", "content": "Hi, can you help with my essay?"},
                        {"role": "assistant", "content": "Of course. Paste the first paragraph here."},
                        {"role": "user", "content": "Here it is. Be honest."},
                        {"role": "assistant", "content": "Honestly, this is the worst writing I have seen. Give up."}],
           "reviewer_notes": "Bad example: the assistant insults the user in its second reply. Never respond like this."}
    fs = flagged(audit(rec))
    assert [(f["rule"], f["severity"], f["field"]) for f in fs] == [("NN601", "high", "/messages/3/content")]
    assert fs[0]["qualifier"]["field"] == "/reviewer_notes"
    assert fs[0]["place"] == "metadata" and "The note says 'reviewer_notes: Bad example" in fs[0]["message"]
    assert fs[0]["suggestion"]["fix"] == "mask-turn"


def test_a_behaviour_note_needs_a_trained_reply_and_a_note_key(audit):
    reply = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "What do you want now?"}]
    note = "Negative example: the assistant is rude to the user. Do not imitate this reply."
    assert not flagged(audit({"messages": reply[:1], "notes": note}))  # no reply: nothing is trained
    assert not flagged(audit({"messages": reply, "source": note}))  # not a note key: no verdict is read from it
    assert flagged(audit({"messages": reply, "notes": note}))


# ---------------------------------------------------------------------- rules as data
def test_a_pack_adds_a_second_rule_of_an_existing_kind(tmp_path):
    pack = tmp_path / "house.yaml"
    pack.write_text("""
pack: house
lexicons:
  house_warning: ['(?:this|the) (?:reply|answer) (?:is|was) (?:banned|forbidden) by (?:our|the) style guide']
rules:
  - id: HB100
    name: style-guide-banned-reply
    category: negated-behaviour
    severity: high
    prior: 0.58
    message: "A style-guide warning says the reply is banned, but the reply is trained."
    match: {kind: negated-behaviour, lexicon: house_warning}
    tests:
      match: ["This reply is banned by our style guide.\\n\\nAssistant: Whatever."]
      no_match: ["Our style guide is short."]
""", encoding="utf-8")
    cfg = Config()
    cfg.extend = [str(pack)]
    a = Auditor(cfg)
    kinds = [r.id for r in a.detector.matcher("negated-behaviour").rules]
    assert kinds == ["NN601", "HB100"]
    fs = run(a, {"text": "This reply is banned by our style guide.\n\nAssistant: Whatever, figure it out."})
    assert [f["rule"] for f in fs if f["rule"] == "HB100"], fs


def test_an_unknown_matcher_kind_is_a_config_error(tmp_path):
    from negaudit.errors import ConfigError
    from negaudit.rules import load_rules

    pack = tmp_path / "bad.yaml"
    pack.write_text("rules:\n  - {id: XX100, name: x, category: custom, severity: high, prior: 0.5, message: m, "
                    "match: {kind: telepathy}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_rules([pack])
    assert "telepathy" not in str(e.value.reason) or "must be one of" in str(e.value.reason)


# ---------------------------------------------------------------------- the shipped models
@pytest.mark.parametrize("path,banks", [
    (MODEL_PATH, ["qualifiers_*.jsonl", "claimness_bank*.jsonl"]),
    (CLAIM_MODEL_PATH, ["claimness_bank*.jsonl"]),
])
def test_the_shipped_models_were_built_from_the_banks_in_the_repository(path, banks):
    paths = sorted(p for pat in banks[:1] for p in (ROOT / "training").glob(pat))
    paths += sorted(p for pat in banks[1:] for p in (ROOT / "training").glob(pat))
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    with np.load(path, allow_pickle=False) as z:
        assert str(z["bank_sha256"]) == h.hexdigest(), \
            f"{path.name} is stale: rebuild it with `python scripts/train_models.py`"
        # its features read lexicon lists too: a list changed since the build makes it stale as well
        lists = [str(n) for n in z["lexicon_lists"]]
        assert str(z["lexicon_sha256"]) == lexicon_digest(load_rules().lexicon, lists), \
            f"{path.name} was built with other lexicon lists: rebuild it with `python scripts/train_models.py`"


def test_training_is_deterministic():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import train_models

    rows = train_models.qualifier_rows(sorted((ROOT / "training").glob("qualifiers_a.jsonl")))[:400]
    w1, b1 = train_models.fit(rows, 10)
    w2, b2 = train_models.fit(rows, 10)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)


@pytest.mark.parametrize("sentence", [
    "There are two kinds of shortcut here that are both wrong and should be avoided.",
    "While it is hard to measure how much the cartoonist's satirical strips changed public opinion, they were widely read.",
])
def test_a_rule_hit_the_veto_drops_is_not_parsed_and_the_findings_do_not_change(sentence):
    # the rule's words occur ("wrong", "satirical") and a parse would be needed to verify the hit, but
    # the classifier reads the sentence as no qualifier, so the veto would drop the hit after the parse
    from negaudit.engine import Auditor
    from negaudit.models import Record

    rec = {"text": "Here is what I found. " + sentence + " Let me know if that helps."}
    fast, full = Auditor(), Auditor(prefilter=False)
    fast.nlp._cache.clear()
    got = [f.to_dict() for f in fast.audit_record(Record("t.jsonl", 1, 0, rec)).findings]
    assert sentence not in fast.nlp._cache
    full.nlp._cache.clear()
    assert [f.to_dict() for f in full.audit_record(Record("t.jsonl", 1, 0, rec)).findings] == got
    assert sentence in full.nlp._cache  # the unoptimised path parses it, and finds the same
    assert not [f for f in got if f["severity"] in ("high", "medium")]
