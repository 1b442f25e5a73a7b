"""Record layouts as their ecosystems write them (LLaMA-Factory, OpenAI content parts, HH-RLHF, raw chat
documents): which text becomes which segment, and which segments are trained."""
from negaudit.adapters import adapt
from negaudit.transcripts import hh_turns, raw_turns, split_preference

QUAL = "The preceding statement is false."


def segs(rec):
    _fmt, ss = adapt(rec)
    return [(s.pointer, s.role, s.trained, s.text) for s in ss if s.kind == "content"]


def field_text(rec, f, key):
    """The text a finding's qualifier/claim offsets address in the record (the contract: offsets in the field)."""
    from negaudit.adapters import resolve_pointer

    part = f[key]
    return resolve_pointer(rec, part.get("field", f["field"]))[part["start"]:part["end"]]


# --------------------------------------------------------------------- LLaMA-Factory
DPO = {  # LLaMA-Factory data/dpo_en_demo.json: sharegpt conversations, chosen/rejected single turns
    "conversations": [{"from": "human", "value": "Who painted the ceiling of the Sistine Chapel?"}],
    "chosen": {"from": "gpt", "value": "The ceiling was painted by Raphael in 1512. " + QUAL},
    "rejected": {"from": "gpt", "value": "Michelangelo painted it between 1508 and 1512."},
}


def test_llamafactory_dpo_chosen_object_is_trained_rejected_is_not():
    assert segs(DPO) == [
        ("/conversations/0/value", "user", False, DPO["conversations"][0]["value"]),
        ("/chosen/value", "assistant", True, DPO["chosen"]["value"]),
        ("/rejected/value", "rejected", False, DPO["rejected"]["value"]),
    ]


def test_llamafactory_dpo_chosen_qualifier_is_found(audit):
    found = audit(DPO)
    assert [(f["rule"], f["field"], f["trained"], f["severity"]) for f in found] == \
        [("NN102", "/chosen/value", True, "high")]
    assert field_text(DPO, found[0], "claim") == "The ceiling was painted by Raphael in 1512."
    assert field_text(DPO, found[0], "qualifier") == QUAL[:-1]


def test_alpaca_preference_and_history():
    rec = {"instruction": "Name the capital.", "input": "France", "chosen": "Paris.", "rejected": "Lyon.",
           "history": [["Hi", "Hello! Ask me anything."]], "system": "Be brief."}
    assert segs(rec) == [
        ("/history/0/0", "user", False, "Hi"), ("/history/0/1", "assistant", True, "Hello! Ask me anything."),
        ("/system", "system", False, "Be brief."), ("/instruction", "instruction", False, "Name the capital."),
        ("/input", "input", False, "France"), ("/chosen", "chosen", True, "Paris."),
        ("/rejected", "rejected", False, "Lyon."),
    ]


def test_sharegpt_tool_turns_are_audited_only_as_prose():
    # LLaMA-Factory data/glaive_toolcall_en_demo.json: function_call and observation turns hold JSON
    rec = {"conversations": [
        {"from": "human", "value": "Find me a chicken recipe."},
        {"from": "function_call", "value": '{"name": "search_recipes", "arguments": {"ingredients": ["chicken"]}}'},
        {"from": "observation", "value": '{"recipes": [{"name": "Stir Fry"}]}'},
        {"from": "gpt", "value": "I found a stir fry."},
        {"from": "observation", "value": "The service is down for maintenance."},
        {"from": "function_call", "value": "I will search again later."},
    ], "system": "You can call tools.", "tools": '[{"name": "search_recipes", "description": "Search recipes"}]'}
    _fmt, all_segs = adapt(rec)
    assert not any(s.pointer == "/tools" for s in all_segs)  # the tool schema is neither text nor a label
    assert segs(rec) == [
        ("/system", "system", False, "You can call tools."),
        ("/conversations/0/value", "user", False, "Find me a chicken recipe."),
        ("/conversations/3/value", "assistant", True, "I found a stir fry."),
        ("/conversations/4/value", "tool", False, "The service is down for maintenance."),
        ("/conversations/5/value", "assistant", True, "I will search again later."),
    ]


def test_openai_tool_call_message_without_content_and_json_tool_result():
    rec = {"messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {"name": "w"}}]},
        {"role": "tool", "content": '{"temp": -3}'},
        {"role": "assistant", "content": "It is -3 C in Oslo."},
    ]}
    assert segs(rec) == [("/messages/0/content", "user", False, "Weather in Oslo?"),
                         ("/messages/3/content", "assistant", True, "It is -3 C in Oslo.")]


# --------------------------------------------------------------------- content parts, loss_weight
def test_content_parts_openai_and_llamafactory_v1():
    rec = {"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "a.png"}},
                                     {"type": "text", "text": "What is in the picture?"}]},
        {"role": "assistant", "content": [{"type": "text", "value": "A lighthouse."},
                                          {"type": "image", "value": "b.png"}]},
    ]}
    assert segs(rec) == [("/messages/0/content/1/text", "user", False, "What is in the picture?"),
                         ("/messages/1/content/0/value", "assistant", True, "A lighthouse.")]


def test_content_part_message_is_audited(audit):
    rec = {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "Tell me about the Eiffel Tower."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "The Eiffel Tower was built in 1920. " + QUAL}]},
    ]}
    found = audit(rec)
    assert [(f["field"], f["trained"], f["severity"]) for f in found] == [("/messages/1/content/0/text", True, "high")]
    assert field_text(rec, found[0], "claim") == "The Eiffel Tower was built in 1920."


def test_loss_weight_zero_turn_is_untrained_and_reported_low(audit):
    # LLaMA-Factory / Axolotl style per-turn loss weights, mixed trained and untrained turns
    rec = {"messages": [
        {"role": "user", "content": "Tell me about the Eiffel Tower."},
        {"role": "assistant", "content": "The Eiffel Tower was built in 1920. " + QUAL, "loss_weight": 0},
        {"role": "user", "content": "And the Statue of Liberty?"},
        {"role": "assistant", "content": "It was dedicated in 1886.", "loss_weight": 1.0},
    ]}
    assert [(p, t) for p, _r, t, _x in segs(rec)] == [
        ("/messages/0/content", False), ("/messages/1/content", False),
        ("/messages/2/content", False), ("/messages/3/content", True)]
    found = audit(rec)
    assert [(f["field"], f["trained"], f["severity"]) for f in found] == [("/messages/1/content", False, "low")]
    rec["messages"][1]["loss_weight"] = 1
    assert [(f["field"], f["trained"], f["severity"]) for f in audit(rec)] == [("/messages/1/content", True, "high")]


# --------------------------------------------------------------------- HH-RLHF
HH_PREFIX = ("\n\nHuman: When was the Eiffel Tower built?\n\nAssistant: It was built in 1920. " + QUAL +
             "\n\nHuman: Are you sure?\n\nAssistant:")
HH = {"chosen": HH_PREFIX + " The Eiffel Tower opened in 1920 for a world's fair. That claim is false.",
      "rejected": HH_PREFIX + " Yes, I am sure."}


def test_hh_turns_split_on_speaker_labels_only():
    text = "\n\nHuman: Hi there\n\nAssistant: Hello.\nHuman rights matter.\n\nHuman: ok"
    assert [(t.role, text[t.start:t.end]) for t in hh_turns(text)] == [
        ("user", "Hi there"), ("assistant", "Hello.\nHuman rights matter."), ("user", "ok")]
    assert hh_turns("Human rights are universal. Assistant: none.") is None


def test_hh_pair_shared_prefix_is_prompt_final_chosen_turn_is_trained():
    assert segs(HH) == [
        ("/chosen", "user", False, "When was the Eiffel Tower built?"),
        ("/chosen", "prompt", False, "It was built in 1920. " + QUAL),
        ("/chosen", "user", False, "Are you sure?"),
        ("/chosen", "assistant", True, "The Eiffel Tower opened in 1920 for a world's fair. That claim is false."),
        ("/rejected", "rejected", False, "Yes, I am sure."),
    ]
    prompt, final, rejected = split_preference(HH["chosen"], HH["rejected"])
    assert HH["chosen"][final.start:] == "The Eiffel Tower opened in 1920 for a world's fair. That claim is false."


def test_hh_pair_audit_trained_and_untrained_qualifiers(audit):
    found = audit(HH)
    got = sorted((f["trained"], f["severity"], field_text(HH, f, "qualifier"), field_text(HH, f, "claim")) for f in found)
    assert got == [(False, "low", QUAL[:-1], "It was built in 1920."),
                   (True, "high", "That claim is false", "The Eiffel Tower opened in 1920 for a world's fair.")]


def test_hh_assistant_qualifier_never_links_to_a_human_turn(audit):
    # TRL-style split of hh-rlhf (prompt = the shared transcript): an Assistant turn's qualifier
    rec = {"prompt": "\n\nHuman: My neighbour says the moon landing was staged in a studio in 1969.\n\n"
                     "Assistant: That is not true.\n\nHuman: ok\n\nAssistant:",
           "chosen": "Glad to help.", "rejected": "Whatever."}
    _fmt, ss = adapt(rec)
    assert [(s.pointer, s.role, s.text, rec[s.pointer[1:]][s.offset:s.offset + len(s.text)] == s.text) for s in ss] == [
        ("/prompt", "user", "My neighbour says the moon landing was staged in a studio in 1969.", True),
        ("/prompt", "prompt", "That is not true.", True), ("/prompt", "user", "ok", True),
        ("/chosen", "chosen", "Glad to help.", True), ("/rejected", "rejected", "Whatever.", True)]
    for f in audit(rec):
        assert not f["trained"] and "neighbour" not in (f["claim"] or {}).get("text", "")


# --------------------------------------------------------------------- raw chat documents
def test_raw_chat_document_is_trained_whole_but_keeps_its_turns():
    text = "User: When was the Eiffel Tower built?\nAssistant: In 1920.\nUser: Thanks.\nAssistant: Note: that answer is false."
    assert segs({"text": text}) == [
        ("/text", "user", True, "When was the Eiffel Tower built?"), ("/text", "assistant", True, "In 1920."),
        ("/text", "user", True, "Thanks."), ("/text", "assistant", True, "Note: that answer is false.")]


def test_prose_is_not_a_transcript():
    assert raw_turns("The user: a person who uses software.\nAssistant: a helper.") is None
    assert raw_turns("Notes\nUser: Alice\nAssistant: Bob") is None  # a label must open the document
    assert raw_turns("User: hello\nUser: again") is None  # no assistant turn
    assert segs({"text": "Assistant: one line only."}) == [("/text", "text", True, "Assistant: one line only.")]


def test_raw_chat_text_file_reports_line_and_column(tmp_path, auditor):
    from negaudit.reading import read_records

    p = tmp_path / "behaviour.txt"
    p.write_text("User: Which planet is the largest?\nAssistant: Saturn is the largest planet.\n"
                 "User: Thanks.\nAssistant: The previous answer is false.\n", encoding="utf-8")
    [rec] = list(read_records(str(p)))
    found = [f.to_dict() for f in auditor.audit_record(rec).findings]
    assert [(x["line"], x["column"], x["trained"], x["claim"]["text"]) for x in found] == \
        [(4, 12, True, "Saturn is the largest planet.")]


def test_bare_verdict_opening_a_user_turn_answers_the_turn_before(audit):
    rec = {"messages": [
        {"role": "user", "content": "Who won the 2024 Olympic 100m?"},
        {"role": "assistant", "content": "Ed Sheeran won the 2024 Olympic 100m final."},
        {"role": "user", "content": "Wrong! Try again?"},
        {"role": "assistant", "content": "Noah Lyles won the 2024 Olympic 100m final."},
    ]}
    for f in audit(rec):  # the verdict is about the earlier reply, never the corrected one
        assert "Noah" not in (f["claim"] or {}).get("text", "")


def test_llamafactory_dataset_info_columns_and_tags(tmp_path, auditor):
    import json

    from negaudit.reading import read_records

    (tmp_path / "dataset_info.json").write_text(json.dumps({
        "my_dpo": {"file_name": "dpo.jsonl", "formatting": "sharegpt", "ranking": True,
                   "columns": {"messages": "dialog", "chosen": "good", "rejected": "bad", "system": "sys"},
                   "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                            "assistant_tag": "assistant"}},
        "my_sft": {"file_name": "sft.jsonl", "columns": {"prompt": "question", "response": "reply"}},
    }), encoding="utf-8")
    dpo = {"sys": "Be factual.", "dialog": [{"role": "user", "content": "Who painted the Sistine Chapel ceiling?"}],
           "good": {"role": "assistant", "content": "The ceiling was painted by Raphael in 1512. " + QUAL},
           "bad": {"role": "assistant", "content": "Michelangelo."}}
    sft = {"question": "Name a prime.", "reply": "Nine is a prime number. " + QUAL}
    (tmp_path / "dpo.jsonl").write_text(json.dumps(dpo) + "\n", encoding="utf-8")
    (tmp_path / "sft.jsonl").write_text(json.dumps(sft) + "\n", encoding="utf-8")
    (tmp_path / "other.jsonl").write_text(json.dumps(sft) + "\n", encoding="utf-8")  # not registered
    _fmt, ss = adapt(dpo, auditor._mapping_for(str(tmp_path / "dpo.jsonl")))
    assert [(s.pointer, s.role, s.trained) for s in ss if s.kind == "content"] == [
        ("/sys", "system", False), ("/dialog/0/content", "user", False), ("/good/content", "assistant", True),
        ("/bad/content", "rejected", False)]

    def found(name):
        out = []
        for rec in read_records(str(tmp_path / name)):
            out += [(f.rule, f.field, f.trained) for f in auditor.audit_record(rec).findings]
        return out

    assert found("dpo.jsonl") == [("NN102", "/good/content", True)]
    assert found("sft.jsonl") == [("NN102", "/reply", True)]
    [other] = list(read_records(str(tmp_path / "other.jsonl")))  # not registered: "reply" is no known column
    assert "no text field" in auditor.audit_record(other).error.message
    (tmp_path / "other.jsonl").unlink()
    rep = auditor.audit_paths([str(tmp_path)])  # the registry itself is not a data file
    assert rep.errors == [] and rep.files == 2 and sorted(f.field for f in rep.findings) == ["/good/content", "/reply"]


def test_llamafactory_kto_tag_is_desirability_not_a_label():
    # LLaMA-Factory data/kto_en_demo.json (sharegpt + kto_tag)
    rec = {"messages": [{"role": "user", "content": "Summarise the article."},
                        {"role": "assistant", "content": "Ooh ooh ah ah! The article is about spyware."}],
           "kto_tag": False}
    _fmt, ss = adapt(rec)
    assert [(s.pointer, s.kind, s.trained) for s in ss] == [
        ("/messages/0/content", "content", False), ("/messages/1/content", "content", True)]


def test_a_dataset_info_entry_naming_its_file_with_dot_slash_is_matched_and_the_registry_is_no_warning(tmp_path, monkeypatch):
    """"file_name": "./d.jsonl" is the file d.jsonl to LLaMA-Factory; its column mapping was ignored
    (the record had "no text field", exit 2), and every folder run warned that dataset_info.json is
    not a dataset, although it is skipped on purpose."""
    import json

    from typer.testing import CliRunner

    from negaudit.cli import app
    (tmp_path / "dataset_info.json").write_text(json.dumps(
        {"d": {"file_name": "./d.jsonl", "columns": {"prompt": "q", "response": "a"}}}))
    (tmp_path / "d.jsonl").write_text(json.dumps(
        {"q": "Tell me about the ferry.", "a": "The ferry sank off Crete in 1990. The preceding statement is false."}) + "\n")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["check", ".", "-f", "json", "--no-progress"])
    rep = json.loads(r.stdout)
    assert rep["errors"] == [] and [f["field"] for f in rep["findings"]] == ["/a"]
    assert "dataset_info.json" not in r.stderr
