"""The typed Python API: audit_records / fix_records, config as a mapping, Hugging Face datasets."""
import copy
import warnings

import pytest

import negaudit
from negaudit import Config, Finding, audit_records, class_label_names, fix_records

NEGATED = {"messages": [{"role": "user", "content": "Who won the 2024 Olympic 100m?"},
                        {"role": "assistant", "content": "Ed Sheeran won the 2024 Olympic 100m final. "
                                                         "The preceding statement is false."}]}
CLEAN = {"text": "Noah Lyles won the 2024 Olympic 100m final."}


def test_findings_are_typed_and_serialise_to_the_contract():
    [f] = list(audit_records([CLEAN, NEGATED]))
    assert isinstance(f, Finding) and (f.rule, f.record, f.field, f.trained) == ("NN102", 1, "/messages/1/content", True)
    d = f.to_dict()
    assert set(d) >= {"rule", "severity", "risk", "path", "line", "record", "field", "trained", "qualifier", "claim",
                      "message", "suggestion"}
    assert d["claim"]["text"] == "Ed Sheeran won the 2024 Olympic 100m final." and f["rule"] == "NN102"


def test_config_as_mapping_is_validated_like_a_config_file():
    assert list(audit_records([NEGATED], config={"select": ["NN301"]})) == []
    cfg = Config(select=["NN102"])
    assert negaudit.as_config(cfg) is cfg and negaudit.as_config({"select": "NN102"}).select == ["NN102"]
    with pytest.raises(negaudit.ConfigError) as e:
        list(audit_records([NEGATED], config={"ignroe": ["NN1"]}))
    assert e.value.key == "ignroe"
    with pytest.raises(TypeError):
        list(audit_records([NEGATED], config=["NN1"]))  # type: ignore[arg-type]


def test_fix_records_yields_every_record_and_never_edits_the_input():
    records = [CLEAN, NEGATED, {"id": 3}]
    before = copy.deepcopy(records)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = list(fix_records(records))
    assert records == before
    assert [(r.index, r.changed) for r in out] == [(0, False), (1, True), (2, False)]
    assert out[0].record is CLEAN and out[1].rules == ("NN102",)
    assert out[1].record["messages"][1]["content"] == "Ed Sheeran did not win the 2024 Olympic 100m final."
    assert out[1].record["messages"][0] == NEGATED["messages"][0]
    assert [str(w.message) for w in caught] == ["record 2 of <records>: record has no text field (text, messages, "
                                                "prompt/completion, instruction/output, conversations, chosen); map "
                                                "one with [tool.negaudit.fields]"]
    assert not any(r.changed for r in fix_records([NEGATED], config={"select": ["NN301"]}))


class _ClassLabel:
    """The two attributes of datasets.ClassLabel that class_label_names reads."""

    def __init__(self, names):
        self.names = names

    def int2str(self, i):
        return self.names[i]


def test_label_names_from_features_and_for_batches():
    feats = {"text": object(), "label": _ClassLabel(["pants-fire", "false", "true"])}
    assert class_label_names(feats) == {"label": ["pants-fire", "false", "true"]}
    rows = [{"text": "The county library was sold to a private casino in 2019.", "label": 0},
            {"text": "The state spent more on prisons than on universities in 2012.", "label": 2}]
    assert list(audit_records(rows)) == []  # a bare index says nothing
    found = list(audit_records(rows, label_names=class_label_names(feats)))
    assert [(f.record, f.rule, f.qualifier["text"]) for f in found] == [(0, "NN201", "pants-fire")]
    assert rows[0]["label"] == 0  # the caller's row is not changed


def test_hugging_face_dataset_with_class_label():
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"statement": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["false", "true"])})
    ds = datasets.Dataset.from_dict({
        "statement": ["The Great Wall of China is visible from the Moon with the naked eye.",
                      "Water boils at 100 degrees Celsius at sea level."],
        "label": [0, 1]}, features=features)
    found = list(audit_records(ds))
    assert [(f.record, f.field, f.trained, f.qualifier["text"], f.claim["text"][:20]) for f in found] == \
        [(0, "/statement", True, "false", "The Great Wall of Ch")]
    # Dataset.map(batched=True): batches carry no features, so the names are passed
    names = class_label_names(ds)

    def audit_batch(batch, indices):
        rows = [dict(zip(batch, values)) for values in zip(*batch.values())]
        got = list(audit_records(rows, label_names=names))
        return {"row": [indices[f.record] for f in got], "rule": [f.rule for f in got]}

    out = ds.map(audit_batch, batched=True, batch_size=1, with_indices=True, remove_columns=ds.column_names)
    assert out["row"] == [0] and out["rule"] == ["NN201"]


def test_fix_records_masks_a_content_part_turn_as_a_whole():
    rec = {"messages": [{"role": "system", "content": [{"type": "text", "text": "The model should not produce responses like this."}]},
                        {"role": "user", "content": [{"type": "text", "text": "Can you help me?"}]},
                        {"role": "assistant", "content": [{"type": "text", "text": "No. Figure it out yourself."}]}]}
    [safe] = list(fix_records([rec]))
    assert not safe.changed  # masking a turn is not meaning-preserving
    [out] = list(fix_records([rec], unsafe=True))
    assert out.changed and out.record["messages"][2] == {**rec["messages"][2], "weight": 0}
    assert "weight" not in rec["messages"][2]


def test_one_record_instead_of_an_iterable_is_a_type_error_at_the_call():
    """audit_records({"text": ...}) audited the dict's keys, and audit_records("...") its characters:
    nothing found and no word. Argument errors are raised at the call, not at the first record."""
    from negaudit.api import audit_records, fix_records
    for bad in ({"text": "Ed Sheeran won the 100m gold. That is not true."}, "Ed Sheeran won. That is not true."):
        with pytest.raises(TypeError, match="iterable of records"):
            audit_records(bad)
        with pytest.raises(TypeError, match="iterable of records"):
            fix_records(bad)
    with pytest.raises(ValueError, match="on_error"):
        audit_records([], on_error="loud")


def test_a_string_record_is_read_as_a_text_field_is():
    """A string record is {"text": s}: a raw chat document keeps its turns apart (the speaker label
    was read as part of the claim, and the unsafe rewrite folded it into the sentence)."""
    from negaudit.api import audit_records, fix_records
    s = "User: hi\nAssistant: The ferry sank off Crete in 1990. The preceding statement is false."
    as_str = [(f.claim["text"], f.suggestion["text"]) for f in audit_records([s])]
    as_dict = [(f.claim["text"], f.suggestion["text"]) for f in audit_records([{"text": s}])]
    assert as_str == as_dict == [("The ferry sank off Crete in 1990.", "The ferry did not sink off Crete in 1990.")]
    assert next(iter(fix_records([s], unsafe=True))).record == \
        "User: hi\nAssistant: The ferry did not sink off Crete in 1990."
