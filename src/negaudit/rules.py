"""Rule packs: loading YAML (safe loader only), validation, and compiled lexicons."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import regex
import yaml

from . import safeyaml
from .errors import ConfigError

SEVERITIES = ("high", "medium", "low", "info")
CATEGORIES = (
    "detached-negation",
    "epistemic-qualifier",
    "annotation",
    "correction",
    "inline-retraction",
    "local-negation",
    "pink-elephant",
    "negated-behaviour",
    "custom",
)
def match_kinds() -> list[str]:
    """The matcher kinds a rule can name (the registry in matchers/)."""
    from .matchers import kinds

    return kinds()
DIRECTIONS = ("forward", "backward", "document", "self", "auto")
RULE_KEYS = {
    "id", "name", "category", "pattern", "severity", "prior", "prior_source", "message",
    "rationale", "example", "fix", "autofix", "match", "tests", "families",
}
# what `--fix` may do for a rule's finding (the `autofix:` of a rule; see fixing.finding_fix)
FIX_KINDS = ("local-negation", "state-truth", "mask-turn", "advice", "none")
FIX_DEFAULTS = {  # by category, for rules that do not say
    "correction": "state-truth", "negated-behaviour": "mask-turn", "inline-retraction": "advice",
    "local-negation": "none", "pink-elephant": "none",
}
LEARNED_KEYS = {"accept", "veto", "veto_exempt", "report_low", "evidence", "anywhere", "claim", "openers", "locators", "meta", "behaviour_needs",
                "behaviour_target", "rejected_side"}
REGEX_TIMEOUT = 1.0  # seconds, for user-supplied patterns


def _autofix(raw: dict, path: str, where: str) -> dict:
    """A rule's `autofix:` ({kind, safe}); without one, the kind its category implies, never safe.

    kinds: local-negation (rewrite the claim on its own verb and delete the qualifier; `safe: true`
    lets a plain `--fix` apply it when the rewrite is certain), state-truth (drop the false claim and
    the pointer, keep the truth the record states; deletes a sentence, so never safe), mask-turn
    (weight 0 on the assistant turn; never safe), advice (a suggestion only, never written), none."""
    spec = raw.get("autofix")
    if spec is None:
        return {"kind": FIX_DEFAULTS.get(raw["category"], "local-negation"), "safe": False}
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict) or spec.get("kind") not in FIX_KINDS or set(spec) - {"kind", "safe"}:
        raise ConfigError(path, f"{where}.autofix", f"must be {{kind: {'|'.join(FIX_KINDS)}, safe: true|false}}")
    safe = spec.get("safe", False)
    if not isinstance(safe, bool) or (safe and spec["kind"] != "local-negation"):
        raise ConfigError(path, f"{where}.autofix.safe", "must be true or false, and only a local-negation fix can be safe")
    return {"kind": spec["kind"], "safe": safe}


def builtin_rules_dir() -> Path:
    """The shipped rules/ folder: inside the wheel, or at the repository root in a checkout."""
    here = Path(__file__).resolve().parent
    for cand in (here / "rules", here.parent.parent / "rules"):
        if (cand / "core.yaml").is_file():
            return cand
    raise ConfigError(str(here / "rules"), "rules", "built-in rule packs not found (broken install)")


@dataclass
class Rule:
    id: str
    name: str
    category: str
    severity: str
    prior: float
    message: str
    match: dict
    pattern: Optional[int] = None
    prior_source: str = ""
    rationale: str = ""
    example: dict = field(default_factory=dict)
    fix: str = ""
    autofix: dict = field(default_factory=dict)  # {"kind": one of FIX_KINDS, "safe": bool}
    tests: dict = field(default_factory=dict)
    pack: str = ""
    compiled: Any = None  # compiled regex for kind: regex
    families: tuple = ()  # learned qualifier families this rule reports (the learned stage's findings)

    @property
    def kind(self) -> str:
        return self.match["kind"]


class Lexicon:
    """Named lists of regex fragments compiled into word-bounded alternations."""

    def __init__(self) -> None:
        self.lists: dict[str, list[str]] = {}
        self._cache: dict[tuple, Any] = {}
        self.shipped: dict[str, list[str]] = {}  # the entries of the built-in packs only
        self.user_packs: list[str] = []  # packs that added entries (run under a regex timeout, see regexguard)

    def extend(self, name: str, items: Iterable[str], pack: Optional[str] = None) -> None:
        """Add entries to a list; `pack` names the user pack they come from (None: a built-in pack)."""
        items = list(items)
        self.lists.setdefault(name, []).extend(items)
        if pack is None:
            self.shipped.setdefault(name, []).extend(items)
        elif items and pack not in self.user_packs:
            self.user_packs.append(pack)
        self._cache.clear()

    def without_user_entries(self) -> "Lexicon":
        lex = Lexicon()
        for name, items in self.shipped.items():
            lex.extend(name, items)
        return lex

    def alternatives(self, *names: str) -> list[str]:
        """The lists' phrases as regex alternatives, longest first (so that an alternation prefers the
        longest phrase), a space matching any run of whitespace."""
        frags: list[str] = []
        for n in names:
            frags.extend(self.lists.get(n, ()))
        return [f.replace(" ", r"\s+") for f in sorted(set(frags), key=lambda s: (-len(s), s))]

    def source(self, *names: str) -> str:
        return "(?:" + "|".join(self.alternatives(*names)) + ")"

    def compile(self, *names: str, bounded: bool = True, edges: Optional[tuple[str, str]] = None):
        """The lists as one alternation (word-bounded, or between the `edges` (head, tail) given),
        searched only with the alternatives whose literals occur in the text (same matches, see
        triggers.GatedAlternation)."""
        from .triggers import GatedAlternation

        key = (names, bounded, edges)
        pat = self._cache.get(key)
        if pat is None:
            head, tail = edges or ((r"(?<![\w-])", r"(?![\w-])") if bounded else ("", ""))
            pat = GatedAlternation(self.alternatives(*names), head, tail, regex.IGNORECASE | regex.V0, regex.compile)
            self._cache[key] = pat
        return pat


@dataclass
class RuleSet:
    rules: list[Rule]
    lexicon: Lexicon
    learned: dict = field(default_factory=dict)  # the learned stage's settings (accept, veto, openers)
    scan: dict = field(default_factory=dict)  # which lexicon lists are predicates, cues and locators
    known: frozenset = frozenset()  # every rule id loaded, selected or not (suppressions are checked against it)
    # the ids --select/--ignore leave reported (None: all). Every rule still runs: a deselected rule's
    # qualifier is found and its finding dropped, so that no other rule takes its sentence
    selected: Optional[frozenset] = None

    def reported(self, code: str) -> bool:
        return self.selected is None or code in self.selected

    def by_id(self, code: str) -> Optional[Rule]:
        for r in self.rules:
            if r.id == code:
                return r
        return None

    def enabled(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]


def _load_yaml(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return safeyaml.load(fh.read(safeyaml.MAX_BYTES + 1))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ConfigError(str(path), where, f"invalid YAML: {getattr(e, 'problem', e)}") from None
    except OSError as e:
        raise ConfigError(str(path), "-", f"cannot read rule pack: {e.strerror or e}") from None


def _text(raw: dict, key: str, path: str, where: str) -> str:
    """An optional text field of a rule (never str() of whatever the pack holds: it may be huge)."""
    v = raw.get(key, "")
    if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
        return "" if v is None else str(v)
    if not isinstance(v, str):
        raise ConfigError(path, f"{where}.{key}", "must be a string")
    return v


def _example(raw: dict, path: str, where: str) -> dict:
    ex = raw.get("example") or {}
    if not isinstance(ex, dict) or not all(isinstance(v, str) for v in ex.values()):
        raise ConfigError(path, f"{where}.example", "must be a mapping of strings (bad, good)")
    return ex


def _validate_rule(raw: Any, path: str, idx: int) -> Rule:
    where = f"rules[{idx}]"
    if not isinstance(raw, dict):
        raise ConfigError(path, where, "a rule must be a mapping")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", "unknown key")
    for key in ("id", "name", "category", "severity", "prior", "message", "match"):
        if key not in raw:
            raise ConfigError(path, f"{where}.{key}", "missing required key")
    rid = raw["id"]
    if not isinstance(rid, str) or not regex.fullmatch(r"[A-Z]{1,6}\d{2,5}", rid):
        raise ConfigError(path, f"{where}.id", f"rule id must look like NN101, got {rid!r}")
    where = f"rules[{idx}] ({rid})"
    if raw["severity"] not in SEVERITIES:
        raise ConfigError(path, f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}")
    if raw["category"] not in CATEGORIES:
        raise ConfigError(path, f"{where}.category", f"must be one of {', '.join(CATEGORIES)}")
    prior = raw["prior"]
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0.0 <= prior <= 1.0:
        raise ConfigError(path, f"{where}.prior", "must be a number between 0 and 1")
    for key in ("name", "message"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ConfigError(path, f"{where}.{key}", "must be a non-empty string")
    match = raw["match"]
    if not isinstance(match, dict) or match.get("kind") not in match_kinds():
        raise ConfigError(path, f"{where}.match.kind", f"must be one of {', '.join(match_kinds())}")
    families = raw.get("families") or []
    from .models import FAMILIES

    if not isinstance(families, list) or not all(f in FAMILIES for f in families):
        raise ConfigError(path, f"{where}.families", f"must be a list of learned families ({', '.join(FAMILIES)})")
    rule = Rule(
        families=tuple(families),
        id=rid,
        name=raw["name"],
        category=raw["category"],
        severity=raw["severity"],
        prior=float(prior),
        message=raw["message"],
        match=match,
        pattern=raw.get("pattern"),
        prior_source=_text(raw, "prior_source", path, where),
        rationale=_text(raw, "rationale", path, where),
        example=_example(raw, path, where),
        fix=_text(raw, "fix", path, where),
        autofix=_autofix(raw, path, where),
        tests=raw.get("tests") or {},
        pack=path,
    )
    if rule.kind == "regex":
        pats = match.get("patterns") or ([match["pattern"]] if "pattern" in match else None)
        if not pats or not all(isinstance(p, str) for p in pats):
            raise ConfigError(path, f"{where}.match.patterns", "a regex rule needs a list of pattern strings")
        try:
            rule.compiled = regex.compile("|".join(f"(?:{p})" for p in pats), regex.IGNORECASE)
        except regex.error as e:
            raise ConfigError(path, f"{where}.match.patterns", f"invalid regex: {e}") from None
        direction = match.get("direction", "document")
        if direction not in DIRECTIONS:
            raise ConfigError(path, f"{where}.match.direction", f"must be one of {', '.join(DIRECTIONS)}")
    return rule


SCAN_KEYS = ("predicates", "cues", "locators")


def load_pack(path: Path, lexicon: Lexicon, learned: Optional[dict] = None, scan: Optional[dict] = None,
              user: bool = False) -> list[Rule]:
    data = _load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ConfigError(str(path), "-", "a rule pack must be a mapping with 'rules' and/or 'lexicons'")
    unknown = set(data) - {"pack", "rules", "lexicons", "version", "learned", "scan"}
    if unknown:
        raise ConfigError(str(path), sorted(unknown)[0], "unknown key")
    stage = data.get("learned")
    if stage is not None:
        if not isinstance(stage, dict) or set(stage) - LEARNED_KEYS:
            raise ConfigError(str(path), "learned", f"must be a mapping with keys {', '.join(sorted(LEARNED_KEYS))}")
        for key in ("accept", "veto", "claim"):
            v = stage.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1):
                raise ConfigError(str(path), f"learned.{key}", "must be a probability between 0 and 1")
        if learned is not None:
            learned.update(stage)
    parts = data.get("scan")
    if parts is not None:
        if not isinstance(parts, dict) or set(parts) - set(SCAN_KEYS) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in parts.values()):
            raise ConfigError(str(path), "scan", f"must map {', '.join(SCAN_KEYS)} to lists of lexicon names")
        if scan is not None:
            for k, v in parts.items():
                scan[k] = list(dict.fromkeys(scan.get(k, []) + v))  # a pack adds lists to a part
    lex = data.get("lexicons") or {}
    if not isinstance(lex, dict):
        raise ConfigError(str(path), "lexicons", "must be a mapping of name -> list of patterns")
    for name, items in lex.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(str(path), f"lexicons.{name}", "must be a list of strings")
        for i in items if user else ():  # the built-in packs are checked by the tests, not at each start
            try:
                regex.compile(i)
            except regex.error as e:
                raise ConfigError(str(path), f"lexicons.{name}", f"invalid pattern {i!r}: {e}") from None
        lexicon.extend(name, items, str(path) if user else None)
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ConfigError(str(path), "rules", "must be a list")
    return [_validate_rule(r, str(path), i) for i, r in enumerate(raw_rules)]


def unknown_selector(selector: str, ids: Iterable[str]) -> Optional[str]:
    """Why `selector` selects no rule ("unknown rule selector 'NN1O1' (did you mean 'NN101'?)"), or None.
    A selector is a rule code, a prefix of one (NN1, NN) or ALL."""
    from .config import unknown

    sel = selector.upper()
    ids = sorted(ids)
    if sel == "ALL" or any(i.startswith(sel) for i in ids):
        return None
    prefixes = sorted({i[:n] for i in ids for n in range(2, len(i))})
    msg = unknown("rule selector", selector, [*ids, *prefixes])
    if "did you mean" not in msg:
        msg = f"unknown rule selector {selector!r} (a rule code or prefix such as {ids[0]} or {ids[0][:3]}; " \
              "`negaudit rules` lists them)" if ids else f"unknown rule selector {selector!r}"
    return msg


def pack_paths(extra_packs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The rule pack files a run loads, in order: the built-in lexicon and rules, then the extra packs."""
    base = builtin_rules_dir()
    return [base / "lexicon.yaml", base / "core.yaml"] + [Path(p) for p in extra_packs]


def load_rules(extra_packs: Iterable[str | os.PathLike] = (), select: Iterable[str] = (),
               ignore: Iterable[str] = (), origins: Optional[dict] = None) -> RuleSet:
    """Load the built-in packs plus `extra_packs`, then apply select/ignore (code prefixes).

    A selector that matches no rule raises ConfigError before anything else runs: a typo must not
    turn the gate off. `origins` maps a selector to (file, key) where it was written (by default
    the command line's --select / --ignore)."""
    lexicon = Lexicon()
    rules: list[Rule] = []
    packs = pack_paths(extra_packs)
    seen: dict[str, str] = {}
    learned: dict = {}
    scan: dict = {}
    for i, p in enumerate(packs):
        for r in load_pack(Path(p), lexicon, learned, scan, user=i >= 2):
            if r.id in seen:
                raise ConfigError(str(p), r.id, f"duplicate rule id (already defined in {seen[r.id]})")
            seen[r.id] = str(p)
            rules.append(r)
    select = [s.upper() for s in select]
    ignore = [s.upper() for s in ignore]
    known = frozenset(seen)
    pfi = [sel for kind, sel in (origins or {}) if kind == "per-file-ignores"]
    for kind, sels in (("select", select), ("ignore", ignore), ("per-file-ignores", pfi)):
        for sel in sels:
            why = unknown_selector(sel, known)
            if why:
                where, key = (origins or {}).get((kind, sel), ("<command line>", f"--{kind}"))
                raise ConfigError(where, key, why)
    if "ALL" in select:
        select = []
    if select:
        rules_sel = [r for r in rules if any(r.id.startswith(s) for s in select)]
    else:
        rules_sel = rules
    rules_sel = [r for r in rules_sel if not any(selects(s, r.id) for s in ignore)]
    selected = frozenset(r.id for r in rules_sel) if len(rules_sel) < len(rules) else None
    return RuleSet(rules=rules, lexicon=lexicon, learned=learned, scan=scan, known=known, selected=selected)


def selects(selector: str, code: str) -> bool:
    """Does a selector (a code, a prefix of one, or ALL) take in this rule code?"""
    return selector == "ALL" or code.startswith(selector)
