import pytest

from negaudit.adapters import AdaptError, FieldMapping, adapt


def seg_map(rec, mapping=None):
    fmt, segs = adapt(rec, mapping)
    return fmt, {s.pointer: s for s in segs}


def test_text_record_is_trained():
    fmt, s = seg_map({"text": "Hello there."})
    assert fmt == "text" and s["/text"].trained


def test_chat_roles_and_weight_zero():
    fmt, s = seg_map({"messages": [
        {"role": "system", "content": "Be nice."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!", "weight": 0},
        {"role": "assistant", "content": "How can I help?", "weight": 1},
    ]})
    assert fmt == "messages"
    assert [s[f"/messages/{i}/content"].trained for i in range(4)] == [False, False, False, True]


def test_sharegpt_prompt_completion_alpaca_preference():
    _, s = seg_map({"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]})
    assert not s["/conversations/0/value"].trained and s["/conversations/1/value"].trained
    _, s = seg_map({"prompt": "P", "completion": "C"})
    assert not s["/prompt"].trained and s["/completion"].trained
    _, s = seg_map({"instruction": "I", "input": "X", "output": "O"})
    assert not s["/instruction"].trained and not s["/input"].trained and s["/output"].trained
    fmt, s = seg_map({"prompt": "P", "chosen": "good", "rejected": "bad"})
    assert fmt == "preference" and s["/chosen"].trained and not s["/rejected"].trained


def test_metadata_fields_become_annotations():
    _, s = seg_map({"text": "Claim.", "label": "false", "meta": {"veracity": "fabricated"}, "id": 7})
    assert s["/label"].kind == "annotation" and not s["/label"].trained
    assert s["/meta/veracity"].key == "veracity"
    assert "/id" not in s


def test_class_label_index_resolves_names():
    _, s = seg_map({"text": "Claim.", "label": 0, "label_names": ["false", "true"]})
    assert s["/label"].text == "false"


def test_configured_fields():
    m = FieldMapping(text_fields=["/body"], untrained_fields=["question"])
    _, s = seg_map({"body": "Doc text.", "question": "Q?"}, m)
    assert s["/body"].trained and not s["/question"].trained


@pytest.mark.parametrize("rec", [{"foo": 1}, [1, 2], 3, {"text": 5}, {"messages": "x"}])
def test_records_without_text_raise(rec):
    with pytest.raises(AdaptError):
        adapt(rec)


def test_null_keys_count_as_absent():
    # a plain-text row from a table that mixes layouts: the other layouts' columns are null
    fmt, s = seg_map({"text": "Hello there.", "chosen": None, "rejected": None, "instruction": None, "output": None})
    assert fmt == "text" and s["/text"].trained
    fmt, s = seg_map({"prompt": "Hi", "completion": None, "chosen": "A.", "rejected": "B."})
    assert fmt == "preference" and s["/chosen"].trained and not s["/rejected"].trained


from hypothesis import given, settings
from hypothesis import strategies as st

_VALUES = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.booleans(),
                    st.lists(st.one_of(st.none(), st.text(max_size=5),
                                       st.dictionaries(st.sampled_from(["role", "content", "from", "value"]),
                                                       st.one_of(st.none(), st.text(max_size=5), st.integers()),
                                                       max_size=3)), max_size=3))
_KEYS = st.sampled_from(["text", "content", "messages", "conversations", "prompt", "completion", "instruction",
                         "input", "output", "chosen", "rejected", "question", "answer", "label", "id"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_surely_has_text_never_promises_what_adapt_refuses(rec):
    from negaudit.adapters import surely_has_text

    if surely_has_text(rec, FieldMapping()):
        fmt, segs = adapt(rec, FieldMapping(), annotations=False)  # must not raise
        assert any(s.kind == "content" for s in segs)
