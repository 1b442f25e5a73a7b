"""The registry of matcher kinds: each YAML rule names a kind (`match.kind`) and gives it data.

A matcher kind is a small module of its own (this package). It is built once per run with every rule
of its kind, so a second rule of a kind runs too, with its own data. A kind contributes *stages* to
the per-sentence scan, each an (order, method) pair: the scan runs the stages of all kinds in order
and stops at the first that explains the sentence (a qualifier, or candidates that need a parse).
Kinds that read metadata or whole records (`field`, `pink-elephant`) have no sentence stage; the
engine asks them directly.

Adding a kind: write a module here with a `Matcher` subclass decorated with `@register("kind")`,
import it in `load_kinds`, and document its data in the README. Adding a rule of an existing kind, or a
predicate class, needs only YAML.
"""
from __future__ import annotations

from typing import Callable

from ..errors import ConfigError

REGISTRY: dict[str, type["Matcher"]] = {}
STOP = object()  # a stage's answer that ends the scan with nothing found (a question)


def register(kind: str):
    def wrap(cls):
        cls.kind = kind
        REGISTRY[kind] = cls
        return cls
    return wrap


class Matcher:
    """One kind of qualifier matcher, holding every rule of that kind (in pack order)."""

    kind = ""
    stages: tuple = ()  # (order, method name) pairs

    def __init__(self, det, rules: list) -> None:
        self.det = det
        self.rules = rules

    def stage_methods(self) -> list[tuple[int, Callable]]:
        return [(order, getattr(self, name)) for order, name in self.stages]


def load_kinds() -> None:
    """Import the kind modules (lazily: they use the detector's vocabulary module)."""
    from . import (behaviour, comment, correction, field, footnote, inline, local, markup, meta, pink,  # noqa: F401
                   probability, regexrule)


def build(det, rules: list) -> dict[str, Matcher]:
    """One matcher per kind that a rule uses."""
    load_kinds()
    by_kind: dict[str, list] = {}
    for r in rules:
        by_kind.setdefault(r.kind, []).append(r)
    out = {}
    for kind, rs in by_kind.items():
        cls = REGISTRY.get(kind)
        if cls is None:
            raise ConfigError(rs[0].pack, f"{rs[0].id}.match.kind", f"unknown matcher kind {kind!r}")
        out[kind] = cls(det, rs)
    return out


def ordered_stages(matchers: dict[str, Matcher], extra: list) -> list[Callable]:
    """Every stage of every matcher, plus `extra` (order, method) pairs, in scan order."""
    stages = [s for m in matchers.values() for s in m.stage_methods()] + list(extra)
    return [fn for _order, fn in sorted(stages, key=lambda s: s[0])]


# the kinds the modules of `load_kinds` register, named here so that checking a rule pack imports
# none of them (they compile the detector's patterns); a test holds the two equal
KINDS = ("comment", "correction", "field", "footnote", "inline-retraction", "local-negation", "markup", "meta-predicate",
         "negated-behaviour", "pink-elephant", "probability", "regex")


def kinds() -> list[str]:
    return sorted(KINDS)

__all__ = ["REGISTRY", "KINDS", "STOP", "Matcher", "register", "build", "ordered_stages", "kinds"]
