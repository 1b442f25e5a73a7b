"""`kind: meta-predicate`: a qualifier about other content, told by its shape.

A detached qualifier is a *meta-reference* ("the document below", "the events described", "the
preceding statement", "this", "none of the above", "[S3]") that is an argument of a *predicate* of a
class in the lexicon (falsity, fiction, unreliable, uncertain, framing): "The account above has no
basis in reality". Data: `meta` (kinds of meta-reference: document, claim, anaphor, pointer, self) and
`predicates` (lexicon classes), `scope` (document, sentence or pointer).

Stages, in scan order:
- a stand-alone label line ("SATIRE", "Short story:", "Source: an anonymous forum known for hoaxes");
- a genre header at the top of a text ("An alternate history.");
- a retraction of the reply's own words ("I misspoke", "scratch that");
- a request in an untrained turn for invented content in a factual genre ("Write a fictional news story");
- a notice header ("Editor's note: none of it happened");
- any sentence with a meta-reference and a predicate: candidates whose structure the dependency
  parse then checks (`verify`): the meta-reference must be an argument of the predicate's own clause,
  the predicate must be asserted (not conditional, hypothetical or reported), and the sentence must not
  carry its own claim ("The claim that X won is false" is local negation).
"""
from __future__ import annotations

from typing import Optional

import regex

from ..detecting import (ANAPHOR_RE, ANAPHORIC_OF, BARE_OK_PREP, BARE_THE, BELIEF_REPORT, CLAIM_PHRASE, CLAUSE_DEPS,
                         CONTAINER_NOUNS, GENRE_HEADER, LABEL_UNIT_MAX_WORDS, NEG_DENY, NEG_EVENT_AFTER, NEG_PSEUDO,
                         NEG_Q_BEFORE, NEG_QUANTIFIER, NEGATION, NOTICE_HEADER, OLD_VERSION, PARTICIPLE_LABEL, PROVENANCE,
                         RELIABILITY_LINE, REPORTED_CLAIM, REQUEST_VERB_BEFORE, SELF_RETRACTION, SENT_START_ANAPHOR,
                         SHORT_LABEL, SUBORDINATOR, VERDICT_ONLY, Candidate, unit_edge)
from ..models import Qualifier, Segment, Unit
from ..rules import Rule
from ..segmenting import blank_from
from ..nlp import lemma
from . import Matcher, register

CONCESSIVE = ("though", "although")  # marks of a clause that concedes without restricting ("even if" is a condition)
RESPONSE_ROLES = ("assistant", "completion", "output", "chosen")
DISBELIEF = {"accept", "believe", "trust", "rely", "take", "credit", "repeat", "cite", "treat", "regard", "disregard",
             "ignore", "discount", "dismiss", "reject"}
REPORTING_VERBS = {"describe", "recount", "report", "depict", "contain", "present", "tell", "feature", "concern",
                   "discuss", "mention", "include", "narrate", "chronicle", "detail", "portray", "claim", "allege",
                   "assert", "state", "say", "relate"}
IRREALIS_HEADS = {"ensure", "make", "prevent", "avoid", "hope", "want", "wish", "try", "aim", "intend", "plan",
                  "expect", "imply", "mean", "suggest", "indicate", "ask", "wonder", "check", "verify", "determine",
                  "decide", "identify", "know", "see", "tell"}
HYPOTHETICAL_MODALS = {"would", "can"}
WH_WORDS = {"which", "what", "who", "whom", "whose", "whether", "if", "how", "why"}
# the predicate classes a label line, a notice or a genre header is read with, in order of precedence
LABEL_CLASSES = ("fiction", "framing", "unreliable", "uncertain", "falsity")
NOTICE_CLASSES = ("falsity", "fiction", "unreliable", "uncertain", "framing")
GENRE_CLASSES = ("framing", "fiction", "uncertain", "falsity")


@register("meta-predicate")
class MetaPredicate(Matcher):
    stages = ((50, "label"), (60, "genre"), (70, "retraction"), (90, "request"), (150, "notice"), (160, "sentence"))

    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.meta_rules = rules
        self.retraction_rule = next((x for x in rules if "anaphor" in x.match.get("meta", ())
                                     and x.category == "detached-negation"), None)

    # ------------------------------------------------------------------ stages
    def label(self, seg, unit, units, pos, text):
        return self._label_unit(seg, unit, text)

    def genre(self, seg, unit, units, pos, text):
        det = self.det
        if not (seg.kind == "content" and unit.start == 0):
            return None
        m = GENRE_HEADER.match(text)
        nwords = len(regex.findall(r"[\p{L}\d]+", text))
        if m and nwords <= 16 and (regex.match(r"\s*[:,—–.\-)\]]", text[m.end():]) or not text[m.end():].strip()
                                   or nwords <= 6):
            for cls in GENRE_CLASSES:
                pm = det.preds[cls].search(text, 0, m.end() + 1)
                r = self._rule_for_class(cls)
                if pm and r and not det.pseudo_or_negated(text, pm):
                    return det.q(r, unit, 0, m.end(), "forward")
        return None

    def retraction(self, seg, unit, units, pos, text):
        if seg.trained and pos > 0 and units[pos - 1].seg == unit.seg and self.retraction_rule is not None:
            m = SELF_RETRACTION.search(text)
            if m:
                return self.det.q(self.retraction_rule, unit, m.start(), m.end(), "anaphor")
        return None

    def request(self, seg, unit, units, pos, text):
        det = self.det
        if seg.trained or seg.kind != "content":
            return None
        m = det.fiction_request.search(text)
        r = self._rule_for_class("fiction")
        rv = REQUEST_VERB_BEFORE.search(text[max(0, m.start() - 40): m.start()]) if m else None
        if m and r and rv:
            return det.q(r, unit, m.start(), m.end(), "next-turn")
        return None

    def notice(self, seg, unit, units, pos, text):
        return self._notice(seg, unit, text)

    def sentence(self, seg, unit, units, pos, text):
        # a reply that opens with "this"/"that" right after a question points back at the question
        answers = seg.role in RESPONSE_ROLES and unit.start == 0 and _after_question(units, pos)
        return self._meta_candidates(seg, unit, text, answers)

    # ------------------------------------------------------------------ shapes and candidates
    def _label_unit(self, seg: Segment, unit: Unit, text: str) -> Optional[Qualifier]:
        """A short stand-alone label ('SATIRE', 'Short story:', 'A regional myth:', 'Source: a hoax site')."""
        det = self.det
        if seg.kind == "annotation":
            return None
        words = regex.findall(r"[\p{L}\d]+", text)
        m = RELIABILITY_LINE.search(text)
        if m and len(words) <= 12:
            r = self._rule_for_class("unreliable")
            if r:
                return det.q(r, unit, m.start(), m.end(), "document")
        if PROVENANCE.match(text) and len(words) <= 40:
            for cls in ("unreliable", "fiction", "framing", "falsity"):
                for pm in det.preds[cls].finditer(text):
                    if not det.pseudo_or_negated(text, pm):
                        r = self._rule_for_class("unreliable" if cls == "falsity" else cls)
                        if r:
                            return det.q(r, unit, 0, len(text), "document")
        stripped = text.strip(" *_#>[]()\"'“”")
        if VERDICT_ONLY.match(regex.sub(r"^\s*(?:\(?[a-z0-9]{1,2}[).:]|[-*•])\s*", "", text)) and \
                seg.role in ("assistant", "completion", "output", "chosen"):
            return None  # "(c) False." answering a quiz refers to the question
        if len(words) <= 4 and SHORT_LABEL.search(text):
            r = self._rule_for_class("falsity")
            if r:
                return det.q(r, unit, 0, len(text), "forward")
        limit = 14 if stripped.endswith(":") else LABEL_UNIT_MAX_WORDS
        if len(words) > limit or not words or det.pointer.search(text):
            return None
        if VERDICT_ONLY.match(regex.sub(r"^\s*(?:\(?[a-z0-9]{1,2}[).:]|[-*•])\s*", "", text)) and \
                seg.role in ("assistant", "completion", "output", "chosen"):
            return None  # "False." answering a true/false question refers to the question
        is_label = stripped.endswith((":", "—", "–", "-")) or stripped.isupper() or (unit.start == 0 and len(words) <= 3) \
            or text.strip().startswith(("[", "(", "*", "#", ">")) or (unit.start == 0 and PARTICIPLE_LABEL.match(text))
        if not is_label:
            return None
        for cls in LABEL_CLASSES:
            for pm in det.preds[cls].finditer(text):
                if det.pseudo_or_negated(text, pm):
                    continue
                r = self._rule_for_class(cls)
                if r:
                    return det.q(r, unit, 0, len(text), "forward" if unit.start == 0 or stripped.endswith(":") else "document")
        return None

    def _notice(self, seg: Segment, unit: Unit, text: str) -> Optional[Qualifier]:
        """'Editor's note: none of it happened' - a notice header is itself the meta-reference."""
        det = self.det
        m = NOTICE_HEADER.match(text)
        if not m:
            return None
        rest = text[m.end():]
        for cls in NOTICE_CLASSES:
            for pm in det.preds[cls].finditer(rest):
                if det.pseudo_or_negated(rest, pm) or SUBORDINATOR.search(rest, 0, pm.start()):
                    continue
                r = self._rule_for_class(cls)
                if r:
                    after = rest[pm.end():]
                    # "users repeat a hoax claiming that X": the claim is reported inside the notice itself
                    direction = "self" if REPORTED_CLAIM.search(after) else det.direction_of(text, "auto")
                    return det.q(r, unit, 0, m.end() + pm.end(), direction)
        return None

    def _is_phrase_meta(self, text: str, span) -> bool:
        """'what follows', 'the above' ... (no noun): negations after them are ordinary text."""
        det = self.det
        return det.doc_words.search(text, span[0], span[1]) is None and det.meta_doc[2].match(text, span[0]) is None

    def _rule_for_class(self, cls: str) -> Optional[Rule]:
        for r in self.meta_rules:
            if cls in r.match.get("predicates", ()) and "document" in r.match.get("meta", ()):
                return r
        return None

    def _meta_candidates(self, seg: Segment, unit: Unit, text: str, answers: bool = False) -> list[Candidate]:
        det = self.det
        preds: dict[str, list] = {}
        for name, rx in det.preds.items():
            hits = [m for m in rx.finditer(text) if not det.pseudo_or_negated(text, m)]
            if hits:
                preds[name] = hits
        neg_hits = list(NEGATION.finditer(text))
        truth_hits = list(det.truth_target.finditer(text))
        if not preds and not neg_hits and not truth_hits:
            return []
        metas = []
        for m in det.pointer.finditer(text):
            metas.append(("pointer", m.span(), "pointer"))
        for rx in det.meta_doc:
            for m in rx.finditer(text):
                kind = "claim" if CLAIM_PHRASE.search(m.group()) else "document"
                noun = m.groupdict().get("noun")
                if noun and not det.doc_noun_re.match(noun):
                    kind = "referent"
                elif noun and CONTAINER_NOUNS.match(noun):
                    kind = "container"
                    if regex.match(r"(?:its|their)\b", m.group(), regex.I):
                        continue  # "their own section": a possessed container is not the text itself
                if regex.match(r"(?:its|their)\b", m.group(), regex.I) and text[:m.start()].strip(" *_#>[(\"'“"):
                    continue  # "its stories" mid-sentence has an antecedent in the sentence, not the text
                direction = det.direction_of(m.group(), "auto")
                if direction == "auto" and ANAPHORIC_OF.search(m.group()):
                    direction = "anaphor"  # "some of it", "none of that": the pronoun points back
                metas.append((kind, m.span(), direction))
        for rx in det.meta_claim:
            for m in rx.finditer(text):
                metas.append(("claim", m.span(), det.direction_of(m.group(), "auto")))
        metas = [m for m in metas if not OLD_VERSION.search(text, max(0, m[1][0] - 40), m[1][0])]
        if unit_edge(unit, seg):
            for m in det.weak_doc.finditer(text):
                # a bare "the statement" in a reply refers back to what the user gave
                metas.append(("weak", m.span(), "anaphor" if seg.role in ("assistant", "output", "completion", "chosen") else "auto"))
        metas = _dedupe_metas(metas)
        if seg.role in ("assistant", "output", "completion", "chosen"):
            metas = [(k, sp, "anaphor" if k in ("document", "claim", "weak") and BARE_THE.fullmatch(text[sp[0]:sp[1]]) else d)
                     for k, sp, d in metas]
        for m in ANAPHOR_RE.finditer(text):
            metas.append(("anaphor", m.span(), "auto"))
        out: list[Candidate] = []
        # a referent of the text ("the law discussed below", "the individual mentioned") with any
        # negated predicate, and a negative quantifier over the text ("none of the above") with a
        # positive truth predicate, both say the content is not real
        falsity_rules = [r for r in self.meta_rules if "falsity" in r.match.get("predicates", ())
                         and "document" in r.match.get("meta", ())]
        if falsity_rules:
            r0 = falsity_rules[0]
            for kind, span, direction in metas:
                if kind in ("referent", "document") and not self._is_phrase_meta(text, span):
                    for nm in sorted(neg_hits, key=lambda n: (n.start() < span[1], -n.start())):
                        before = nm.start() < span[1]
                        if before and (span[0] - nm.end() >= 60 or not NEG_EVENT_AFTER.match(text, nm.start())
                                       or NEG_DENY.match(text, nm.start())):
                            continue
                        if not NEG_PSEUDO.match(text, nm.start()) and not NEG_DENY.match(text, nm.start()):
                            out.append(Candidate(r0, unit, seg, nm.span(), span, "referent", direction))
                            break
                if kind in ("document", "claim", "referent") and (NEG_QUANTIFIER.match(text, span[0]) or NEG_Q_BEFORE.search(
                        text, max(0, span[0] - 16), span[0])):
                    for tm in truth_hits:
                        if tm.start() >= span[1]:
                            out.append(Candidate(r0, unit, seg, tm.span(), span, "document", direction))
                            break
        for rule in self.meta_rules:
            classes = rule.match.get("predicates", ["falsity"])
            kinds = list(rule.match.get("meta", ["document"]))
            if "document" in kinds:
                kinds += ["referent", "container", "weak"]
            for cls in classes:
                for pm in preds.get(cls, ()):
                    if "self" in kinds and regex.match(r"(?:truth|veracity|accuracy|authenticity|factuality|factual|reliability|truthfulness)", pm.group(), regex.I):
                        out.append(Candidate(rule, unit, seg, pm.span(), None, "self", det.direction_of(text, "auto")))
                        continue
                    for kind, span, direction in metas:
                        if kind not in kinds:
                            continue
                        if cls == "falsity" and kind in ("document", "claim", "referent") and (
                                NEG_QUANTIFIER.match(text, span[0]) or NEG_Q_BEFORE.search(text, max(0, span[0] - 16), span[0])):
                            continue  # "None of the above is false": a negative quantifier over falsity affirms
                        if pm.start() <= span[0] and span[1] <= pm.end() and kind in ("claim", "document", "anaphor"):
                            # the predicate carries its own meta-reference ("for the preceding claim to hold")
                            out.append(Candidate(rule, unit, seg, pm.span(), None, "self", det.direction_of(pm.group(), "auto")))
                            continue
                        if span[0] < pm.end() and pm.start() < span[1] and kind != "document":
                            continue
                        if kind == "pointer" and rule.match.get("scope") == "pointer":
                            direction = "pointer"
                        if kind == "anaphor" and answers:
                            direction = "anaphor"
                        elif kind == "anaphor" and rule.category == "detached-negation" or (
                                kind == "anaphor" and cls == "uncertain"):
                            direction = "anaphor"
                            if unit.start == 0 and text[span[0]:span[1]].lower() in ("this", "these") and \
                                    not blank_from(seg.text, unit.end):
                                direction = "forward"  # "This is a legend and was never verified. <story>"
                        out.append(Candidate(rule, unit, seg, pm.span(), span, kind, direction))
        # the most specific (longest) predicate explains the sentence: "a debunked conspiracy website"
        # is an unreliable source, not a falsity claim about the text; pointers first
        out.sort(key=lambda c: (c.meta_kind != "pointer", -(c.pred[1] - c.pred[0])))
        return out

    # ------------------------------------------------------------------ stage 2

    def verify(self, cand: Candidate, doc) -> bool:
        """Structural check of a candidate on its parsed unit (doc is None without a parser)."""
        text = cand.unit.text
        if doc is None:
            return self._verify_words(cand, text)
        P = _head(doc, *cand.pred)
        if P is None:
            return False
        if cand.meta_kind == "self":
            return not _conditional(P, modal=False)  # "for the claim to hold, X would have to exist, but it does not"
        M = _head(doc, *cand.meta)
        if M is None:
            return False
        if _conditional(P):
            return False
        if cand.meta_kind == "pointer":
            return True
        if cand.meta_kind == "anaphor":
            return self._verify_anaphor(M, P, cand)
        if _has_content_clause(M):
            return False
        passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in P.children)
        if P.pos_ == "VERB" and lemma(P) not in DISBELIEF and cand.meta_kind != "referent" and not passive:
            subj = [c for c in P.children if c.dep_ in ("nsubj", "csubj")]
            dobj = [c for c in P.children if c.dep_ == "dobj"]
            if subj and dobj and not any(s.left_edge.i <= M.i <= s.right_edge.i for s in subj) \
                    and any(o.left_edge.i <= M.i <= o.right_edge.i for o in dobj):
                return False  # "forgers fabricated the diaries": the text is not what is called false
        passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in P.children)
        if lemma(P) in DISBELIEF and not passive:
            if not (M.head.i == P.i or (M.head.dep_ == "prep" and M.head.head.i == P.i)
                    or (M.head.dep_ in ("prep", "agent") and M.head.head.head.i == P.i)):
                return False
        # a referent of the text is an entity the text reports on, not the text that reports
        entity = cand.meta_kind == "referent" and not self.det.doc_noun_re.match(M.text)
        return _related(P, M, cand, entity)

    def _verify_anaphor(self, M, P, cand: Candidate) -> bool:
        if cand.rule.category == "epistemic-qualifier" and M.lower_ in ("it", "that", "those") and \
                not unit_edge(cand.unit, cand.seg):
            return False  # "so it's fiction built on research": mid-text "it" has an antecedent in the text
        if BELIEF_REPORT.search(cand.unit.text, 0, min(cand.meta[0], cand.pred[0])):
            return False  # "Many believe X, but that is a myth": the claim is reported and denied in one sentence
        if M.dep_ == "dobj" and lemma(M.head) in DISBELIEF and M.pos_ in ("PRON", "DET"):
            if not (cand.pred[0] <= M.head.idx < cand.pred[1]):
                return False
            return not any(c.dep_ == "mark" for c in M.head.children)
        if M.dep_ not in ("nsubj", "nsubjpass") or M.pos_ not in ("PRON", "DET"):
            return False
        if M.head.dep_ in ("relcl", "acl") or M.tag_ == "WDT":
            return False  # a relative "that" ("a post that labels itself fictional") is not a pointer
        if M.lower_ in ("that", "this", "these", "those") and M.i + 1 < len(M.doc) and M.nbor().pos_ in ("NOUN", "PROPN", "ADJ"):
            return False
        if P.i < M.i and any(t.text == ":" for t in M.doc[P.i + 1:M.i]):
            return False  # "Counterfactual Thinking: This is a process ...": the pronoun names the header's term
        cp = _clause(P)
        head = M.head
        if not (_clause(head) == cp or (cp.dep_ == "conj" and _clause(cp.head) == _clause(head))
                or (cp.dep_ in ("xcomp", "ccomp") and _clause(cp.head) == _clause(head))):
            return False
        pred_tokens = set(range(cand.pred[0], cand.pred[1]))
        root = _clause(head)
        for c in root.children:
            if c.dep_ in ("ccomp", "xcomp", "advcl", "csubj", "mark", "agent", "dative", "npadvmod", "oprd") or c.dep_ == "prep":
                if c.idx in pred_tokens or (c.idx >= cand.pred[0] and c.idx < cand.pred[1]):
                    continue
                if c.dep_ == "prep" and BARE_OK_PREP.match(c.doc[c.i: c.right_edge.i + 1].text):
                    continue
                if c.dep_ == "xcomp" and c.idx < cand.pred[1] and c.right_edge.idx + len(c.right_edge) <= cand.pred[1] + 1:
                    continue
                if c.dep_ == "advcl" and c.i > P.i and c.lower_ in ("occur", "happen"):
                    continue
                if c.dep_ == "advcl" and c.i > P.i and any(m.dep_ == "mark" and m.lower_ in CONCESSIVE for m in c.children):
                    continue  # "That is a myth, though it is often repeated": a concession leaves the verdict whole
                return False
        return True

    def _verify_words(self, cand: Candidate, text: str) -> bool:
        if cand.meta_kind in ("self", "pointer"):
            return True
        s = min(cand.pred[0], cand.meta[0])
        e = max(cand.pred[1], cand.meta[1])
        if SUBORDINATOR.search(text, s, e):
            return False
        if cand.meta_kind == "anaphor":
            m = SENT_START_ANAPHOR.match(text)
            if not m or m.end() < cand.meta[1] or len(text.split()) > 16:
                return False
            if regex.match(r"\s+(?:to|that)\b", text[cand.pred[1]:]):
                return False
            if regex.match(r"\s+(?:until|because|before|after|when|since|in \d)", text[cand.pred[1]:]):
                return False
            return True
        if regex.match(r"\s+that\s+(?!follows?|precedes?|you|we|i\b)", text[cand.meta[1]:]):
            return False
        return len(text[s:e].split()) <= 25

    # ------------------------------------------------------------------ corrections


SPEAKER_ONLY = regex.compile(r"^\W*[\w ]{1,20}:\W*$")


# a yes/no question puts a proposition forward ("Was Napoleon really short?"), which a reply's
# "That is a myth" can point back at; a wh-question ("Who wrote the anthem?") puts none forward
POLAR = regex.compile(r"^\W*(?:(?:human|user|question|q)\s*:\s*)?(?:(?:so|but|and|ok(?:ay)?|really|wait)\W+)?"
                      r"(?:is|are|was|were|am|do|does|did|can|could|will|would|has|have|had|should|shall|may|might|"
                      r"must|isn'?t|aren'?t|wasn'?t|weren'?t|don'?t|doesn'?t|didn'?t|is it true)\b", regex.I)


def _after_question(units: list, pos: int) -> bool:
    """Does the turn before this unit end with a yes/no question (a bare speaker label such as
    "Assistant:" at the end of a transcript prompt does not count)?"""
    k = pos - 1
    seg = units[pos].seg
    while k >= 0 and units[k].seg != seg and SPEAKER_ONLY.match(units[k].text):
        k -= 1
    if k < 0 or units[k].seg == seg or not units[k].text.rstrip().endswith("?"):
        return False
    return POLAR.match(units[k].text) is not None


# ---------------------------------------------------------------------- parse helpers
def _dedupe_metas(metas: list) -> list:
    """Keep the longest of overlapping meta-references; a claim-level one wins a tie with a document phrase."""
    order = sorted(metas, key=lambda m: (-(m[1][1] - m[1][0]), 0 if m[0] == "claim" else 1))
    kept: list = []
    for m in order:
        if any(m[1][0] < k[1][1] and k[1][0] < m[1][1] for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m[1][0])


def _head(doc, s: int, e: int):
    span = doc.char_span(s, e, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.root


def _clause(t):
    while t.head.i != t.i:
        if t.dep_ in CLAUSE_DEPS and (t.dep_ != "conj" or t.pos_ in ("VERB", "AUX")):
            return t
        t = t.head
    return t


def _conditional(P, modal: bool = True) -> bool:
    """Is the predicate outside an assertion? A verdict about other content is asserted in the
    indicative: not in a condition ("If either one is false ..."), not under a hypothetical modal ("It
    would be impossible", "This can lead to speculation"), not in the complement of a purpose,
    reporting or question verb ("make sure this issue does not occur", "It implies that the event
    would be improbable", "identify which ingredient is incorrect")."""
    c = _clause(P)
    for t in (c, c.head):
        for ch in t.children:
            if ch.dep_ == "mark" and ch.lower_ in ("if", "whether", "unless"):
                return True
            if ch.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("if", "when", "unless", "whenever")
                                          for g in ch.children):
                return True  # "If either one is false, the whole statement is false"
    for ch in (list(c.children) + list(P.children)) if modal else ():
        if ch.dep_ == "aux" and ch.lower_ in HYPOTHETICAL_MODALS and not any(g.dep_ == "neg" for g in ch.head.children):
            return True
    top = c
    while top.dep_ == "conj" and top.head.i != top.i:
        top = _clause(top.head)  # "ensure that X and that this issue does not occur"
    if top.dep_ in ("ccomp", "xcomp", "advcl") and top.head.i != top.i and lemma(top.head) in IRREALIS_HEADS:
        return True
    if c.dep_ in ("ccomp", "xcomp", "relcl") and any(t.lower_ in WH_WORDS and t.dep_ in ("det", "nsubj", "mark", "advmod", "attr", "dobj")
                                                     for t in c.subtree if t.i < P.i):
        return True  # an indirect question is not a verdict
    return False


def _has_content_clause(M) -> bool:
    for c in M.children:
        if c.dep_ in ("acl", "ccomp", "relcl"):
            marks = [x for x in c.children if x.dep_ == "mark" and x.lower_ == "that"]
            subj = [x for x in c.children if x.dep_ in ("nsubj", "nsubjpass", "expl")]
            if marks and subj:
                return True
    return False


def _up(c, deps=("conj", "xcomp"), limit=3):
    """Clause heads reached by climbing conj / xcomp links ("was reviewed and found to be ...")."""
    out = [c]
    for _ in range(limit):
        if c.dep_ not in deps or c.head.i == c.i:
            break
        c = _clause(c.head)
        out.append(c)
    return out


def _related(P, M, cand: Candidate, entity: bool = False) -> bool:
    cp, cm = _clause(P), _clause(M)
    if cp == cm:
        return True
    if cm in _up(cp) or cp in _up(cm):
        return True
    if cp.dep_ == "advcl" and _clause(cp.head) == cm and any(
            c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("it", "they", "this", "these") for c in cp.children):
        return True
    if cp.dep_ in ("conj", "xcomp") and _clause(cp.head) == cm:
        return True
    if cm.dep_ == "conj" and _clause(cm.head) == cp:
        return True
    if cm.dep_ in ("csubj", "csubjpass") and _clause(cm.head) == cp:
        return True
    # "This entry describes an agreement that never existed": the text reports content that is not real.
    # Only the text itself reports: "The movie is described as a daydream that is not deep" describes
    # an entity
    if cp.dep_ in ("relcl", "acl") and cp.head.dep_ in ("dobj", "attr", "pobj") and _clause(cp.head) == cm \
            and lemma(cm) in REPORTING_VERBS and not entity:
        return True
    if cm.dep_ in ("ccomp", "acl", "relcl") and cp in _up(_clause(cm.head)):
        h = cm.head
        if cand.pred[0] <= h.idx < cand.pred[1] + 1:
            return True
    # "none of the events described actually happened": the meta phrase sits inside the subject
    if M.head.i != M.i and _clause(M.head) == cp and M.dep_ in ("acl", "relcl"):
        return True
    return False


__all__ = ["MetaPredicate"]
