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

from .models import Segment

TRAINED_ROLES = {"assistant", "gpt", "model", "bot", "chatgpt", "completion", "output", "chosen", "text",
                 "response", "answer"}
ROLE_ALIASES = {"human": "user", "gpt": "assistant", "chatgpt": "assistant", "bot": "assistant",
                "model": "assistant", "ai": "assistant", "tool": "tool", "function": "tool",
                "developer": "system"}
STRUCTURAL_KEYS = {"text", "content", "claim", "statement", "messages", "conversations", "prompt", "completion", "instruction",
                   "input", "output", "chosen", "rejected", "response", "question", "answer", "system"}
IGNORED_KEYS = {"id", "_id", "uuid", "idx", "index", "source", "url", "split", "lang", "language",
                "timestamp", "created", "created_at", "date", "weight", "hash", "model", "tokens",
                "num_tokens", "length"}
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


class AdaptError(ValueError):
    pass


def _esc(key: str) -> str:
    key = str(key)
    if "~" not in key and "/" not in key:
        return key
    return key.replace("~", "~0").replace("/", "~1")


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _message_segments(msgs: list, base: str, role_key: str, content_key: str) -> list[Segment]:
    segs: list[Segment] = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        role = str(m.get(role_key, "")).lower()
        role = ROLE_ALIASES.get(role, role)
        content = m.get(content_key)
        ptr = f"{base}/{i}/{content_key}"
        if isinstance(content, list):  # OpenAI content parts
            for j, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    segs.append(Segment(f"{ptr}/{j}/text", part["text"], _trained(role, m), role, masked=_masked(m)))
            continue
        if not isinstance(content, str):
            continue
        segs.append(Segment(ptr, content, _trained(role, m), role, masked=_masked(m)))
    return segs


def _masked(msg: dict) -> bool:
    """Is the loss explicitly masked on this turn (`weight: 0`, `loss_weight: 0`, `train: false`...)?"""
    for key in ("weight", "loss_weight"):
        w = msg.get(key)
        if w is not None and not isinstance(w, bool) and isinstance(w, (int, float)) and w == 0:
            return True
    return msg.get("train") is False or msg.get("loss") is False or msg.get("mask") is True


def _trained(role: str, msg: dict) -> bool:
    return role == "assistant" and not _masked(msg)


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
    if type(rec) is not dict or mapping.text_fields or mapping.untrained_fields:
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


def adapt(rec: Any, mapping: Optional[FieldMapping] = None, annotations: bool = True) -> tuple[str, list[Segment]]:
    """Segments of a record. Raises AdaptError when it holds no text to audit.

    annotations=False leaves out the metadata fields (for a record already known to carry no label)."""
    mapping = mapping or FieldMapping()
    if isinstance(rec, str):
        return "text", [Segment("", rec, True, "text")]
    if not isinstance(rec, dict):
        raise AdaptError(f"record is a JSON {type(rec).__name__}, expected an object")
    fmt = detect_format(rec)
    segs: list[Segment] = []
    used: set[str] = set()
    if fmt == "messages":
        segs += _message_segments(rec["messages"], "/messages", "role", "content")
        used.add("messages")
    elif fmt == "sharegpt":
        segs += _message_segments(rec["conversations"], "/conversations", "from", "value")
        used.add("conversations")
    else:
        order = {
            "preference": [("system", False, "system"), ("prompt", False, "prompt"), ("chosen", True, "chosen"),
                           ("rejected", False, "rejected")],
            "prompt-completion": [("system", False, "system"), ("prompt", False, "prompt"),
                                  ("completion", True, "completion")],
            "alpaca": [("system", False, "system"), ("instruction", False, "instruction"),
                       ("input", False, "input"), ("output", True, "output")],
            "text": [("text", True, "text"), ("content", True, "text"), ("claim", True, "text"),
                     ("statement", True, "text")],
            "qa": [("question", False, "user"), ("answer", True, "assistant"), ("response", True, "assistant")],
        }.get(fmt, [])
        for key, trained, role in order:
            val = rec.get(key)
            if key in rec:
                used.add(key)
            if isinstance(val, str):
                segs.append(Segment("/" + _esc(key), val, trained, role))
            elif isinstance(val, list) and key in ("chosen", "rejected", "prompt", "completion"):
                # TRL conversational preference / prompt-completion: lists of messages
                sub = _message_segments(val, "/" + _esc(key), "role", "content")
                for s in sub:
                    if key == "rejected" or key == "prompt":
                        s.trained = False
                    elif key in ("chosen", "completion"):
                        s.trained = s.role == "assistant"
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
