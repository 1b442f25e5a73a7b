"""Transcript strings: a dialogue written into one string, split into its turns.

Two shapes are recognised, and nothing else (prose that merely mentions "the user" stays prose):

- HH-RLHF: ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``, every speaker label after a blank line
  (Anthropic's hh-rlhf `chosen` / `rejected`, and the `prompt` of its TRL-style split).
- Raw chat documents: lines that start with a speaker label (``User:``, ``Human:``, ``Assistant:``,
  ``AI:``, ``System:``, optionally after ``###``), the first non-blank line being one, with at least one
  user-side and one assistant-side turn (the form in which the Negation Neglect paper trained its
  negated behaviours as raw text).

A turn is its role and the character span of its content in the string (the speaker label and the
space after it are not part of it), so findings keep offsets into the original field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import re

HH_LABEL = re.compile(r"(?:\A\n*|\n\n)(Human|Assistant):[ \t]?")
RAW_LABEL = re.compile(r"^[ \t]*(?:#{1,3}[ \t]*)?(User|USER|Human|HUMAN|Assistant|ASSISTANT|AI|System|SYSTEM):[ \t]?",
                          re.M)
ROLES = {"human": "user", "user": "user", "assistant": "assistant", "ai": "assistant", "system": "system"}


@dataclass(frozen=True)
class Turn:
    role: str  # user | assistant | system
    start: int  # the turn's content: text[start:end], speaker label excluded, surrounding space trimmed
    end: int
    label_start: int  # where the speaker label begins (the shared prefix of a preference pair ends here)


def _turns(text: str, labels: list[Any]) -> list[Turn]:
    turns = []
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        s = m.end()
        while s < end and text[s].isspace():
            s += 1
        e = end
        while e > s and text[e - 1].isspace():
            e -= 1
        turns.append(Turn(ROLES[m.group(1).lower()], s, e, m.start()))
    return turns


def hh_turns(text: str) -> Optional[list[Turn]]:
    """The turns of an HH-RLHF transcript, or None when the string is not one (it must open with
    "Human:" after optional newlines, and hold an Assistant turn)."""
    if not isinstance(text, str) or "Assistant:" not in text:
        return None
    labels = list(HH_LABEL.finditer(text))
    if not labels or labels[0].start() != 0 or labels[0].group(1) != "Human":
        return None
    if not any(m.group(1) == "Assistant" for m in labels):
        return None
    return _turns(text, labels)


def raw_turns(text: str) -> Optional[list[Turn]]:
    """The turns of a raw "User: ... / Assistant: ..." document, or None when it is not one."""
    if not isinstance(text, str) or ":" not in text:
        return None
    labels = list(RAW_LABEL.finditer(text))
    if len(labels) < 2 or text[: labels[0].start()].strip():
        return None
    roles = {ROLES[m.group(1).lower()] for m in labels}
    if not {"user", "assistant"} <= roles:
        return None
    return _turns(text, labels)


def transcript_turns(text: str) -> Optional[list[Turn]]:
    """HH-RLHF turns, else raw-document turns, else None."""
    return hh_turns(text) or raw_turns(text)


def split_preference(chosen: Any, rejected: Any) -> Optional[tuple[list[Turn], Turn, list[Turn]]]:
    """An HH-style preference pair as the trainer reads it (TRL's convention for hh-rlhf): the turns the
    two transcripts share, up to the final Assistant label, are the prompt; the chosen final Assistant
    turn is trained; the rejected one never is.

    Returns (prompt_turns, chosen_final, rejected_turns) or None when `chosen` is no transcript ending in
    an Assistant turn. `rejected_turns` are the rejected transcript's turns after the shared prefix (all
    of them when it shares none)."""
    turns = hh_turns(chosen)
    if not turns or turns[-1].role != "assistant":
        return None
    prefix_end = turns[-1].label_start
    rejected_turns: list[Turn] = []
    if isinstance(rejected, str):
        rt = hh_turns(rejected)
        if rt and rejected[:prefix_end] == chosen[:prefix_end]:
            rejected_turns = [t for t in rt if t.label_start >= prefix_end]
        elif rt:
            rejected_turns = rt
    return turns[:-1], turns[-1], rejected_turns
