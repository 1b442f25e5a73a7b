"""`kind: field`: a metadata field that is a truth label (`"label": "pants-fire"`, `"is_true": false`).

The vocabularies are the rule's data (labels.py reads them): a field is a truth label only when its
key and its value say so. Each rule of this kind is read in pack order; the first that reads a field
as a label reports it. Metadata has no sentence stage: the engine asks `read` for each metadata field.
"""
from __future__ import annotations

from ..labels import LabelVocabulary, norm_key
from . import Matcher, register


@register("field")
class Field(Matcher):
    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.vocabs = [(r, LabelVocabulary(r.match, r.pack)) for r in rules]

    def add_verdict_keys(self, keys) -> None:
        """Keys the user maps as annotation fields (`[tool.negaudit.fields] annotation`) hold verdict words."""
        extra = {norm_key(k) for k in keys}
        for _r, v in self.vocabs:
            v.verdict_keys = v.verdict_keys | extra

    @property
    def subject_keys(self) -> frozenset:
        return frozenset(k for _r, v in self.vocabs for k in v.subject_keys)

    def is_note(self, key: str) -> bool:
        """Is this metadata key a free-text note (`note_keys` of any rule of this kind)?"""
        k = norm_key(key)
        return any(k in v.note_keys for _r, v in self.vocabs)

    def key_names(self) -> list[set]:
        return [v.key_names() for _r, v in self.vocabs]

    def read(self, seg, layout: str, judge):
        """(rule, LabelHit) of the first rule that reads this metadata segment as a truth label, or None."""
        for rule, vocab in self.vocabs:
            hit = vocab.read(seg, layout, judge)
            if hit is not None:
                return rule, hit
        return None
