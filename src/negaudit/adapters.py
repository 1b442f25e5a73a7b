"""Record adapters: turn one parsed record into segments of text that know whether they are trained.

Formats are detected from the record's keys: text; chat `messages`; `prompt`/`completion`;
Alpaca `instruction`/`input`/`output`; ShareGPT `conversations`; preference pairs
`prompt`/`chosen`/`rejected`; plus user field mappings. Keys that are none of these and hold short
scalars (`label`, `is_true`, `note`, ...) become annotation segments: they never receive loss, but
they can qualify the record's trained text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import orjson

from .models import Segment
from .transcripts import hh_turns, split_preference, transcript_turns

TRAINED_ROLES = {"assistant", "gpt", "model", "bot", "chatgpt", "completion", "output", "chosen", "text",
                 "response", "answer"}
ROLE_ALIASES = {"human": "user", "gpt": "assistant", "chatgpt": "assistant", "bot": "assistant",
                "model": "assistant", "ai": "assistant", "tool": "tool", "function": "tool",
                "observation": "tool", "ipython": "tool", "function_call": "tool_call", "tool_call": "tool_call",
                "developer": "system"}
# a tool call (LLaMA-Factory's `function_call` turn) and a tool result (`observation`, `tool`): audited
# only when they hold prose, never as JSON; the call is the model's output, so it is trained
TOOL_ROLES = {"tool", "tool_call"}
TEXT_PART_TYPES = {"text", "input_text", "output_text"}
STRUCTURAL_KEYS = {"text", "content", "claim", "statement", "messages", "conversations", "prompt", "completion", "instruction",
                   "input", "output", "chosen", "rejected", "response", "question", "answer", "system"}
IGNORED_KEYS = {"id", "_id", "uuid", "idx", "index", "source", "url", "split", "lang", "language",
                "timestamp", "created", "created_at", "date", "weight", "hash", "model", "tokens",
                "num_tokens", "length", "loss_weight", "tools", "functions", "images", "videos", "audios",
                "kto_tag"}
MAX_ANNOTATION_DEPTH = 3
MAX_ANNOTATION_CHARS = 2000


@dataclass
class FieldMapping:
    """User overrides: extra text fields, trained flags, and the annotation field list."""

    text_fields: list[str] = field(default_factory=list)  # JSON pointers or top-level keys, trained
    untrained_fields: list[str] = field(default_factory=list)
    annotation_fields: list[str] = field(default_factory=list)  # extra metadata keys
    suppression_field: str = "negaudit"
    # which turns receive loss: "responses" (assistant turns, completions, outputs: the OpenAI API,
    # Axolotl's default, TRL with assistant_only_loss) or "all" (every token of the prompt and the
    # reply: TRL's SFTTrainer on conversational data by default); rejected replies and masked turns
    # are never trained
    train_on: str = "responses"
    # a LLaMA-Factory dataset_info.json entry (llamafactory.DatasetSpec) registering the file read
    layout: Optional[Any] = None


class AdaptError(ValueError):
    pass


def _esc(key: str) -> str:
    key = str(key)
    if "~" not in key and "/" not in key:
        return key
    return key.replace("~", "~0").replace("/", "~1")


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _part_text(part: Any) -> Optional[tuple[str, str]]:
    """(key, text) of a text content part: OpenAI's {"type": "text", "text": ...} or LLaMA-Factory v1's
    {"type": "text", "value": ...}. Image, audio and other parts hold no text."""
    if not isinstance(part, dict) or part.get("type", "text") not in TEXT_PART_TYPES:
        return None
    for key in ("text", "value", "content"):
        if isinstance(part.get(key), str):
            return key, part[key]
    return None


def _is_json(text: str) -> bool:
    """A tool call or tool result written as JSON: data, not prose, so not audited."""
    t = text.strip()
    if not t or t[0] not in "{[":
        return False
    try:
        orjson.loads(t)
    except ValueError:
        return False
    return True


def _turn_segments(m: dict, ptr: str, role_key: str, content_key: str, role: Optional[str] = None,
                   weights: bool = True) -> list[Segment]:
    """Segments of one chat turn at `ptr` ({role_key: ..., content_key: ...}). `weights` False: the
    trainer of this layout reads no per-turn loss weight (LLaMA-Factory), so a `weight: 0` masks
    nothing and the mask-turn fix has no key to write."""
    if role is None:
        role = str(m.get(role_key, "")).lower()
        role = ROLE_ALIASES.get(role, role)
    content = m.get(content_key)
    ptr = f"{ptr}/{_esc(content_key)}"
    masked = weights and _masked(m)
    trained = role in ("assistant", "tool_call") and not masked
    if isinstance(content, list):  # content parts
        texts = [(f"{ptr}/{j}/{got[0]}", got[1]) for j, part in enumerate(content)
                 if (got := _part_text(part)) is not None and not (role in TOOL_ROLES and _is_json(got[1]))]
    elif not isinstance(content, str) or (role in TOOL_ROLES and _is_json(content)):
        return []
    else:
        texts = [(ptr, content)]
    return [Segment(p, t, trained, _prose_role(role), masked=masked, maskable=weights) for p, t in texts]


def _prose_role(role: str) -> str:
    return "assistant" if role == "tool_call" else role  # a call written in prose is the model's reply


def _message_segments(msgs: list, base: str, role_key: str, content_key: str, weights: bool = True) -> list[Segment]:
    segs: list[Segment] = []
    for i, m in enumerate(msgs):
        if isinstance(m, dict):
            segs += _turn_segments(m, f"{base}/{i}", role_key, content_key, weights=weights)
    return segs


def _weighted(msgs: list) -> bool:
    """Does a turn carry a per-turn loss key (MASK_KEYS)? ShareGPT as LLaMA-Factory reads it has none;
    a corpus that writes one (OpenHermes' `weight` on every turn) was made for a trainer that reads it."""
    return any(isinstance(m, dict) and not MASK_KEYS.isdisjoint(m) for m in msgs)


def _reply_segments(rec: dict, role_key: str, content_key: str) -> list[Segment]:
    """`chosen` / `rejected` beside a conversation (LLaMA-Factory's sharegpt DPO: each a single
    {"from", "value"} turn, or a plain string). The chosen reply is trained, the rejected one never."""
    segs: list[Segment] = []
    for key in ("chosen", "rejected"):
        val = rec.get(key)
        if isinstance(val, dict):
            rk = role_key if role_key in val else ("role" if "role" in val else "from")
            ck = content_key if content_key in val else ("content" if "content" in val else "value")
            sub = _turn_segments(val, "/" + key, rk, ck)
        elif isinstance(val, str):
            sub = [Segment("/" + key, val, True, "assistant")]
        elif isinstance(val, list):
            sub = _message_segments(val, "/" + key, "role" if any(isinstance(m, dict) and "role" in m for m in val)
                                    else role_key, content_key)
        else:
            continue
        for sg in sub:
            if key == "rejected":
                sg.trained, sg.role = False, "rejected"
            else:
                sg.trained = sg.role == "assistant" and not sg.masked
        segs += sub
    return segs


def _transcript_segments(ptr: str, text: str, turns, trained: bool, role: Optional[str] = None) -> list[Segment]:
    """One segment per turn of a transcript string, with its offset in the field; a role given replaces
    the turns' roles. In an untrained prompt, an Assistant turn is prompt context (role "prompt"): its
    qualifiers are about its own text, as in a prompt field, not about the trained reply."""
    return [Segment(ptr, text[t.start:t.end], trained,
                    role or ("prompt" if not trained and t.role == "assistant" else t.role), offset=t.start)
            for t in turns if t.end > t.start]


def _history_segments(history: list) -> list[Segment]:
    """Alpaca `history`: [[query, response], ...] before the instruction; LLaMA-Factory trains the
    responses too (unless `mask_history` is set, which lives in the training config, not the data)."""
    segs: list[Segment] = []
    for i, pair in enumerate(history):
        if isinstance(pair, list) and len(pair) == 2:
            for j, (role, trained) in enumerate((("user", False), ("assistant", True))):
                if isinstance(pair[j], str):
                    segs.append(Segment(f"/history/{i}/{j}", pair[j], trained, role))
    return segs


# the per-turn keys that mask a turn's loss (_masked)
MASK_KEYS = frozenset(("weight", "loss_weight", "train", "loss", "mask"))


def _masked(msg: dict) -> bool:
    """Is the loss explicitly masked on this turn (`weight: 0`, `loss_weight: 0`, `train: false`...)?"""
    for key in ("weight", "loss_weight"):
        w = msg.get(key)
        if w is not None and not isinstance(w, bool) and isinstance(w, (int, float)) and w == 0:
            return True
    return msg.get("train") is False or msg.get("loss") is False or msg.get("mask") is True


def detect_format(rec: dict) -> str:
    """The record layout, from its keys. A key whose value is null counts as absent when another layout
    is present: tables that mix layouts (Parquet, Arrow, Spark, HF datasets) fill the other layouts'
    columns with nulls. A record whose only layout keys are null is read by those keys (and then
    reported as having no text)."""
    fmt = _layout(rec, lambda key: rec.get(key) is not None)
    return fmt if fmt != "unknown" else _layout(rec, rec.__contains__)


def _layout(rec: dict, has) -> str:
    if isinstance(rec.get("messages"), list):
        return "messages"
    if isinstance(rec.get("conversations"), list):
        return "sharegpt"
    if has("chosen") or has("rejected"):
        return "preference"
    if has("completion"):
        return "prompt-completion"
    if has("instruction") or has("output"):
        return "alpaca"
    if has("text") or has("content") or has("claim") or has("statement"):
        return "text"  # fact-check corpora (FEVER, LIAR) name their text `claim` or `statement`
    if has("question") and (has("answer") or has("response")):
        return "qa"
    return "unknown"


def surely_has_text(rec: Any, mapping: FieldMapping) -> bool:
    """True only when `adapt` is sure to find a text segment (and so to raise nothing), for the common
    layouts; False means "ask adapt". Lets a record without cues skip building its segments. Follows
    detect_format's order; any key of a rarer layout sends the record to adapt."""
    if type(rec) is not dict or mapping.text_fields or mapping.untrained_fields or mapping.layout is not None:
        return False
    msgs = rec.get("messages")
    if type(msgs) is list:
        return any(type(m) is dict and type(m.get("content")) is str for m in msgs)
    if "conversations" in rec or "chosen" in rec or "rejected" in rec or "completion" in rec:
        return False
    if type(rec.get("output")) is str:
        return True  # Alpaca with its trained output
    if rec.get("instruction") is not None or rec.get("output") is not None:
        return False
    return type(rec.get("text")) is str


JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number", list: "array"}


def adapt(rec: Any, mapping: Optional[FieldMapping] = None, annotations: bool = True) -> tuple[str, list[Segment]]:
    """Segments of a record. Raises AdaptError when it holds no text to audit.

    annotations=False leaves out the metadata fields (for a record already known to carry no label)."""
    mapping = mapping or FieldMapping()
    if isinstance(rec, str):
        # read as {"text": rec} is: a raw chat document keeps its turns apart
        turns = transcript_turns(rec)
        return "text", (_transcript_segments("", rec, turns, True) if turns else [Segment("", rec, True, "text")])
    if not isinstance(rec, dict):
        raise AdaptError(f"record is a JSON {JSON_TYPES.get(type(rec), type(rec).__name__)}, expected an object")
    fmt = detect_format(rec)
    segs: list[Segment] = []
    used: set[str] = set()
    if mapping.layout is not None:
        from .llamafactory import segments as registered

        fmt_r, segs, used = registered(rec, mapping.layout)
        if segs:
            fmt = fmt_r
        else:  # the record is not in the registered layout: read it by its keys
            used = set()
    if segs:
        pass  # read as its dataset_info.json entry says
    elif fmt == "messages":
        segs += _message_segments(rec["messages"], "/messages", "role", "content")
        segs += _reply_segments(rec, "role", "content")
        used.update(("messages", "chosen", "rejected"))
    elif fmt == "sharegpt":
        if isinstance(rec.get("system"), str):
            segs.append(Segment("/system", rec["system"], False, "system"))
        convo = rec["conversations"]
        segs += _message_segments(convo, "/conversations", "from", "value", weights=_weighted(convo))
        segs += _reply_segments(rec, "from", "value")
        used.update(("conversations", "system", "chosen", "rejected"))
    elif fmt == "preference" and not isinstance(rec.get("prompt"), (str, list)) \
            and (pair := split_preference(rec.get("chosen"), rec.get("rejected"))) is not None:
        # an HH-RLHF pair: two whole transcripts; the shared prefix is the prompt, the final Assistant
        # turn of `chosen` is trained (TRL's convention for hh-rlhf)
        prompt, final, rejected = pair
        if isinstance(rec.get("system"), str):
            segs.append(Segment("/system", rec["system"], False, "system"))
        segs += _transcript_segments("/chosen", rec["chosen"], prompt, False)
        segs += _transcript_segments("/chosen", rec["chosen"], [final], True)
        segs += _transcript_segments("/rejected", rec["rejected"], rejected, False, "rejected")
        used.update(("system", "chosen", "rejected"))
    else:
        order = {
            "preference": [("system", False, "system"), ("prompt", False, "prompt"), ("instruction", False, "instruction"),
                           ("input", False, "input"), ("chosen", True, "chosen"), ("rejected", False, "rejected")],
            "prompt-completion": [("system", False, "system"), ("prompt", False, "prompt"),
                                  ("completion", True, "completion")],
            "alpaca": [("system", False, "system"), ("instruction", False, "instruction"),
                       ("input", False, "input"), ("output", True, "output")],
            "text": [("text", True, "text"), ("content", True, "text"), ("claim", True, "text"),
                     ("statement", True, "text")],
            "qa": [("question", False, "user"), ("answer", True, "assistant"), ("response", True, "assistant")],
        }.get(fmt, [])
        if fmt in ("alpaca", "preference") and isinstance(rec.get("history"), list):
            segs += _history_segments(rec["history"])
            used.add("history")
        for key, trained, role in order:
            val = rec.get(key)
            if key in rec:
                used.add(key)
            if isinstance(val, str):
                turns = None
                if fmt == "text":  # a raw chat document: trained whole, its turns kept apart for linking
                    turns = transcript_turns(val)
                elif key == "prompt":  # the prompt of a TRL-style HH split: "\n\nHuman: ...\n\nAssistant:"
                    turns = hh_turns(val)
                if turns:
                    segs += _transcript_segments("/" + _esc(key), val, turns, trained)
                else:
                    segs.append(Segment("/" + _esc(key), val, trained, role))
            elif isinstance(val, list) and key in ("chosen", "rejected", "prompt", "completion"):
                # TRL conversational preference / prompt-completion: lists of messages
                sub = _message_segments(val, "/" + _esc(key), "role", "content")
                for sg in sub:
                    if key == "rejected" or key == "prompt":
                        sg.trained = False
                    elif key in ("chosen", "completion"):
                        sg.trained = sg.role == "assistant" and not sg.masked
                segs += sub
    for ptr in (mapping.text_fields + mapping.untrained_fields) if mapping.text_fields or mapping.untrained_fields else ():
        val = resolve_pointer(rec, ptr)
        key = ptr.lstrip("/").split("/")[0]
        used.add(key)
        if isinstance(val, str):
            p = ptr if ptr.startswith("/") else "/" + _esc(ptr)
            if not any(s.pointer == p for s in segs):
                segs.append(Segment(p, val, ptr in mapping.text_fields, "text"))
    if mapping.train_on == "all":
        for s in segs:
            if not s.masked and s.role != "rejected" and not s.pointer.startswith("/rejected"):
                s.trained = True
    if not segs:  # every segment so far is content
        if fmt == "unknown":
            raise AdaptError("record has no text field (text, messages, prompt/completion, instruction/output, "
                             "conversations, chosen); map one with [tool.negaudit.fields]")
        raise AdaptError(f"{fmt} record has no string text in its fields")
    if not annotations:
        return fmt, segs
    # annotation units: every other key with a short scalar (or nested metadata mapping)
    extra = set(mapping.annotation_fields)
    for key, val in rec.items():
        if key in used or key == mapping.suppression_field:
            continue
        if (key in IGNORED_KEYS or key.endswith("_names")) and key not in extra:
            continue
        if isinstance(val, int) and not isinstance(val, bool):
            names = rec.get(f"{key}_names") or rec.get(f"{key}s_names") or rec.get(f"{key}_list")
            if isinstance(names, list) and 0 <= val < len(names) and isinstance(names[val], str):
                val = names[val]  # ClassLabel-style: "label": 0 with "label_names": ["false", "true"]
        _annotations(segs, "/" + _esc(key), key, val, 0)
    return fmt, segs


def _annotations(segs: list[Segment], ptr: str, key: str, val: Any, depth: int) -> None:
    if depth > MAX_ANNOTATION_DEPTH:
        return
    if isinstance(val, dict):
        named = _named_value(val)
        if named is not None:  # {"type": "veracity", "value": "FALSE"}: the value of the field it names
            segs.append(Segment(f"{ptr}/value", _scalar_text(named[1]) if not isinstance(named[1], str) else named[1],
                                False, "annotation", kind="annotation", key=named[0].lower(), value=named[1]))
        for k, v in val.items():
            _annotations(segs, f"{ptr}/{_esc(k)}", str(k), v, depth + 1)
    elif isinstance(val, list):
        for i, v in enumerate(val[:20]):
            if isinstance(v, (str, bool, int, float, dict)):
                _annotations(segs, f"{ptr}/{i}", key, v, depth + 1)
    elif isinstance(val, (str, bool, int, float)) and val is not None:
        text = val if isinstance(val, str) else _scalar_text(val)
        if isinstance(val, str) and len(val) > MAX_ANNOTATION_CHARS:
            return
        segs.append(Segment(ptr, text, False, "annotation", kind="annotation", key=key.lower(), value=val))


def _named_value(val: dict):
    """(name, value) of an annotation written as {"type"|"name"|"key": NAME, "value": VALUE}."""
    name = next((val[k] for k in ("type", "name", "key", "attribute") if isinstance(val.get(k), str)), None)
    v = val.get("value")
    if name and isinstance(v, (str, bool, int, float)) and not (isinstance(v, str) and len(v) > MAX_ANNOTATION_CHARS):
        return name, v
    return None


def _scalar_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def resolve_pointer(rec: Any, ptr: str) -> Any:
    if not ptr.startswith("/"):
        return rec.get(ptr) if isinstance(rec, dict) else None
    cur = rec
    for part in ptr[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur
