"""Plain data types that flow between the stages (read -> adapt -> split -> detect -> link -> score)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

# the qualifier model's labels (learned.py): its qualifier families, and "none" and "local", which
# are not qualifiers of other content
LABELS = ("none", "local", "falsity", "pointer", "fiction", "unreliable", "unknown", "low_probability", "framing",
          "behaviour")
FAMILIES = LABELS[2:]


@dataclass(slots=True)
class Record:
    """One record read from a file: parsed JSON (or text) plus where it came from."""

    path: str
    line: Optional[int]  # 1-based line where the record starts (None: an error about the whole file)
    index: int  # 0-based record index in the file
    data: Any = None
    error: Optional[str] = None
    raw: Optional[bytes] = None  # the undecoded JSON line, when parsing is left to the auditor
    lead: int = 0  # bytes of the line before `raw` (a BOM, leading whitespace): error offsets count them


@dataclass(slots=True)
class Segment:
    """A piece of text inside a record, addressed by a JSON pointer."""

    pointer: str
    text: str
    trained: bool
    role: str  # text, assistant, user, system, completion, prompt, output, annotation, ...
    kind: str = "content"  # content | annotation
    key: str = ""  # field name (annotation units: the metadata key)
    value: Any = None  # raw value of an annotation field
    masked: bool = False  # loss explicitly masked on this turn (weight 0, train false): never trained
    # a loss weight written on this turn is read by the trainer its layout implies (the mask-turn fix);
    # LLaMA-Factory's readers (ShareGPT, dataset_info.json layouts) read none
    maskable: bool = True
    offset: int = 0  # where `text` starts in the field at `pointer` (a turn of a transcript string)


@dataclass(slots=True)
class Unit:
    """A sentence (or markup span) inside a segment; offsets are characters in the segment text."""

    seg: int
    start: int
    end: int
    text: str
    order: int = 0  # position of the unit in the record (document order)


@dataclass(slots=True)
class Qualifier:
    """A detected qualifier: a span that marks other content as false / unreliable / improbable."""

    rule: "Any"  # negaudit.rules.Rule
    unit: Unit
    start: int  # char offsets in the segment text
    end: int
    direction: str = "auto"  # forward | backward | document | self | enclosed | pointer | footnote | next-turn
    target_hint: Any = None  # enclosed span, pointer label, footnote marker
    original_rule: Optional[str] = None
    label: Any = None  # a metadata truth label's LabelHit (family, prior, what it says)
    learned: Any = None  # (family, probability) when the learned stage found this qualifier
    low: Optional[str] = None  # why the finding is reported low at most (its "place"): the detector's doubt


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    risk: float
    path: str
    line: int
    record: int
    field: str
    trained: bool
    qualifier: dict[str, Any]  # {"text", "start", "end"} (+ "field" when not the finding's field)
    claim: Optional[dict[str, Any]]
    message: str
    suggestion: Optional[dict[str, Any]] = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # compatible extensions (linked_claims, ...)
    sort_offset: int = 0
    # the highest risk the finding may reach (a qualifier in a conditioning turn, a family the learned
    # stage reports low): the corpus-level repetition bonus stays under it. Not part of the report.
    cap: float = 1.0
    # what `--fix` does to this finding, planned on its record's text at audit time (fixing.mark_planned):
    # "safe" (--fix applies it), "unsafe" (only --unsafe-fixes), "" (neither); None when not planned.
    # `plan_basis` names the record's findings the plan saw. Not part of the report.
    planned: Optional[str] = None
    plan_basis: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The finding object of the JSON report contract."""
        d = {
            "rule": self.rule,
            "severity": self.severity,
            "risk": self.risk,
            "path": self.path,
            "line": self.line,
            "record": self.record,
            "field": self.field,
            "trained": self.trained,
            "qualifier": self.qualifier,
            "claim": self.claim,
            "message": self.message,
            "suggestion": self.suggestion,
        }
        d.update(self.extra)
        return d

    def __getitem__(self, key: str) -> Any:
        """A finding read like its JSON object (`f["rule"]`), as audit_records' dicts were read."""
        return self.to_dict()[key]

    def sort_key(self) -> tuple[str, int, int, int, str, int]:
        return (self.path, self.line, self.record, self.sort_offset, self.rule, self.qualifier.get("start", 0))


@dataclass(slots=True)
class InputError:
    path: str
    line: Optional[int]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}
