"""Local-negation rewrites: put the negation on the claim's own main predicate.

The claim sentence is parsed with spaCy and rewritten by editing only the verb group of its main
clause (and of clauses coordinated with it):
  auxiliaries and modals   "has won" -> "has not won", "will win" -> "will not win", "can" -> "cannot"
  copula                   "is the champion" -> "is not the champion"
  do-support               "won" -> "did not win", "writes" -> "does not write", "own" -> "do not own"
Base forms come from spaCy's own lemmatizer (run per token, see nlp.lemma; its exception tables cover the
irregular verbs), so no extra dependency is needed. A reporting frame that would claim a source
confirmed the denial ("Records confirm that X won") is dropped and the embedded claim negated.
Everything else (adverbials, subordinate clauses, punctuation, list markers) is kept as written.
When the parse is not safe to edit, the fallback is "It is not true that ...".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex
from functools import lru_cache

from lemminflect import getInflection as _get_inflection
from lemminflect import getLemma as _get_lemma

from .nlp import lemma as lemma_of

LIST_PREFIX = regex.compile(r"^(\s*(?:[-*•+]|\d{1,3}[.)]|#{1,6}|>)\s+(?:\*\*[^*]{1,40}\*\*:?\s+)?)")
OPENER = regex.compile(r"^((?:[\w'’]+[ ,]*){1,4}[!.]\s+)(?=[\p{Lu}\d])")
KNOW_FRAME = regex.compile(r"^(?:did|do) you know\b", regex.I)
CORRECT_AFTER_AFFIRM = regex.compile(r"^(that's|that is|you're|you are)\s+(correct|right)\b", regex.I)
AFFIRM = regex.compile(r"^(?:yes|yeah|yep|absolutely|indeed|correct|exactly|definitely|certainly|that's right|you're right|"
                       r"that is right|you are right)\b(?P<punct>[\s!,.:;—–-]*)", regex.I)
REPORT_FRAMES = {"confirm", "show", "report", "announce", "say", "state", "reveal", "indicate", "claim", "note", "find",
                 "prove", "record", "document", "suggest", "know", "establish", "demonstrate", "verify", "assert",
                 "allege", "write", "explain", "agree", "believe", "think", "conclude", "argue", "insist"}
SOURCE_ADVERBS = {"reportedly", "allegedly", "apparently", "supposedly", "purportedly", "famously", "officially"}
RISKY_MODALS = {"must", "may", "might", "should", "ought"}
QUANTIFIERS = {"every", "all", "both", "only", "few", "no", "neither", "none", "each", "most", "many"}
CONTRACTED_AUX = {"'s", "’s", "'re", "’re", "'m", "’m", "'ve", "’ve", "'ll", "’ll", "'d", "’d"}


@lru_cache(maxsize=8192)
def getInflection(lemma: str, tag: str):
    """lemminflect's inflection, cached (it decodes its table entry on every call)."""
    return _get_inflection(lemma, tag)


@lru_cache(maxsize=8192)
def getLemma(word: str, upos: str):
    return _get_lemma(word, upos=upos)


@dataclass
class Rewrite:
    text: str
    safe: bool
    strategy: str  # aux | copula | do-support | frame | coordination | fallback


def fallback(text: str, proper: bool = False) -> Rewrite:
    """'It is not true that ...' around the sentence; `proper` keeps a proper-noun first word capitalised."""
    body = text.strip()
    while body and body[-1] in ".!?":
        body = body[:-1]
    first = body.split(" ", 1)[0] if body else ""
    keep_case = proper or first == "I" or (first[:1].isupper() and first[1:2].isupper()) or first[:1].isdigit()
    if body and not keep_case:
        body = body[0].lower() + body[1:]
    return Rewrite(f"It is not true that {body}.", False, "fallback")


class Rewriter:
    def __init__(self, nlp) -> None:
        self.nlp = nlp  # negaudit.nlp.NLP

    def negate(self, sentence: str) -> Rewrite:
        """Negate the sentence's own main predicate. Never raises; never returns an empty text."""
        try:
            return self._negate(sentence)
        except Exception:  # a parse we do not understand must not break an audit
            return fallback(sentence) if sentence.strip() else Rewrite(sentence, False, "fallback")

    def parse_requests(self, sentences: list[str]) -> list[str]:
        """The texts `negate` will parse for these sentences (parsed ahead, in one batch, by the caller)."""
        return [self._split(s)[2] for s in sentences if s.strip()]

    def _negate(self, sentence: str) -> Rewrite:
        if not sentence.strip():
            return Rewrite(sentence, False, "fallback")
        prefix, lead, body = self._split(sentence)
        return self._negate_body(prefix, lead, body)

    def _split(self, sentence: str) -> tuple[str, str, str]:
        """A list marker, an answer opener ("Yes, ", "Great question! ") and the claim itself."""
        m = LIST_PREFIX.match(sentence)
        prefix = m.group(1) if m else ""
        body = sentence[len(prefix):]
        lead = ""
        a = AFFIRM.match(body)
        if a and len(body) > a.end():
            punct = a.group("punct")
            rest = body[a.end():]
            c = CORRECT_AFTER_AFFIRM.match(rest)
            if c:  # "Yes, that's correct: X" -> "No, that's not correct: X'"
                lead = "No" + punct + rest[:c.end(1)] + " not " + rest[c.start(2):c.end()]
                body = rest[c.end():]
                p2 = regex.match(r"[\s:,;—–-]+", body)
                if p2:
                    lead += p2.group()
                    body = body[p2.end():]
            else:
                lead = "No" + (punct if punct.strip() not in ("!", ".") else ", ")
                body = rest
        else:
            o = OPENER.match(body)
            if o and not any(ch.isdigit() for ch in o.group(1)) and len(body) > o.end() + 10:
                opener_doc = self.nlp.parse(o.group(1)) if self.nlp.has_parser else None
                if opener_doc is None or not any(t.pos_ in ("VERB", "AUX") and t.dep_ == "ROOT" and t.tag_ != "VB"
                                                 for t in opener_doc):
                    lead = o.group(1)  # "Great question! " / "Sure! " stays as written
                    body = body[o.end():]
        return prefix, lead, body

    def _negate_body(self, prefix: str, lead: str, body: str) -> Rewrite:
        words = len(body.split())
        if not self.nlp.has_parser:
            r = fallback(body)
            return Rewrite(prefix + lead + r.text, False, r.strategy)
        doc = self.nlp.parse(body)
        proper = len(doc) > 0 and doc[0].pos_ == "PROPN"
        sents = list(doc.sents)
        headline = not prefix and not regex.search(r"[.!?][\"'”’)]*\s*$", body) and words <= 12
        if len(sents) != 1 or headline or words > 45:
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        root = sents[0].root
        safe, strategy = True, "aux"
        if KNOW_FRAME.match(body):
            comps = [c for c in root.children if c.dep_ == "ccomp"]
            if comps:
                edits = self._negate_clause(comps[0])
                if edits is not None:
                    return Rewrite(prefix + lead + _apply(body, [e[:3] for e in edits]), False, "frame")
        frame = self._frame(root)
        if frame is not None:
            clause, drop_spans = frame
            edits = self._negate_clause(clause)
            if edits is None:
                r = fallback(body, proper)
                return Rewrite(prefix + lead + r.text, False, "fallback")
            new = _apply(body, [e[:3] for e in edits] + [(s, e, "") for s, e in drop_spans])
            new = _tidy(new, body)
            return Rewrite(prefix + lead + new, False, "frame")
        if root.pos_ not in ("VERB", "AUX") or any(c.dep_ == "neg" for c in root.children) \
                or self._quantified(root):
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        edits = self._negate_clause(root)
        if edits is None:
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        strategy = edits[0][3]
        for c in _conjuncts(root):
            more = self._negate_clause(c, shared_aux=self._aux(root))
            if more is None:
                r = fallback(body, proper)
                return Rewrite(prefix + lead + r.text, False, "fallback")
            edits += more
            safe = False
            strategy = "coordination"
        modal = self._aux(root)
        if modal is not None and modal.lower_ in RISKY_MODALS:
            safe = False
        text = _apply(body, [e[:3] for e in edits])
        return Rewrite(prefix + lead + text, safe and not lead, strategy)

    # ------------------------------------------------------------------ pieces
    @staticmethod
    def _aux(v):
        auxes = [c for c in v.children if c.dep_ in ("aux", "auxpass") and c.i < v.i and c.lower_ != "to"]
        return auxes[0] if auxes else None

    @staticmethod
    def _quantified(root) -> bool:
        for c in root.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                words = {t.lower_ for t in c.subtree}
                if words & QUANTIFIERS:
                    return True
            if c.dep_ == "advmod" and c.lower_ in ("never", "only", "always"):
                return True
        return False

    def _frame(self, root):
        """A reporting frame around the claim: (embedded clause head, spans to drop) or None."""
        for c in root.children:
            if c.dep_ == "prep" and c.lower_ == "according":
                end = c.right_edge.idx + len(c.right_edge)
                after = root.doc.text[end:end + 2]
                if after.startswith(","):
                    end += 1
                return root, [(c.idx, end)]
        for c in root.children:
            if c.dep_ == "advcl" and lemma_of(c) in REPORT_FRAMES and c.i < root.i and any(
                    x.dep_ == "mark" and x.lower_ == "as" for x in c.children):
                end = c.right_edge.idx + len(c.right_edge)
                if root.doc.text[end:end + 1] == ",":
                    end += 1
                return root, [(c.left_edge.idx, end)]
            if c.dep_ == "advmod" and c.lower_ in SOURCE_ADVERBS and c.i == root.doc[0].i:
                end = c.idx + len(c)
                if root.doc.text[end:end + 1] == ",":
                    end += 1
                return root, [(c.idx, end)]
        if lemma_of(root) in REPORT_FRAMES or (lemma_of(root) == "be" and any(c.dep_ == "expl" or c.lower_ == "it" for c in root.children
                                                                          if c.dep_ in ("nsubj", "expl"))):
            comps = [c for c in root.children if c.dep_ == "ccomp" and any(
                x.dep_ in ("nsubj", "nsubjpass") for x in c.children)]
            if comps:
                comp = comps[0]
                first = next(t for t in comp.subtree if not (t.dep_ == "mark" and t.lower_ == "that"))
                s = first.idx
                e = comp.right_edge.idx + len(comp.right_edge)
                doc = root.doc
                drops = []
                if s > 0:
                    drops.append((0, s))
                tail_start = e
                end_punct = len(doc.text.rstrip(" .!?\"'”’"))
                if tail_start < end_punct:
                    drops.append((tail_start, end_punct))
                return comp, drops
        return None

    def _negate_clause(self, v, shared_aux=None):
        """Edits (start, end, replacement, strategy) that negate the verb group headed by v."""
        doc = v.doc
        aux = self._aux(v)
        if aux is not None:
            if aux.lower_ == "can":
                return [(aux.idx, aux.idx + len(aux), _case(aux.text, "cannot"), "aux")]
            if aux.lower_ in ("ca", "wo") or aux.lower_.endswith("n't"):
                return None
            if aux.lower_ == "must" and lemma_of(v) not in ("be", "have"):
                return [(aux.idx, aux.idx + len(aux), _case(aux.text, "need"), "aux"),
                        (aux.idx + len(aux), aux.idx + len(aux), " not", "aux")]
            if aux.i > 0 and doc[aux.i - 1].lower_ in CONTRACTED_AUX:
                aux = doc[aux.i - 1]  # "Holloway's been living": the contracted "'s" is the finite auxiliary
            end = aux.idx + len(aux)
            return [(end, end, " not", "aux")]
        if lemma_of(v) == "be" and v.tag_ in ("VBZ", "VBD", "VBP"):
            end = v.idx + len(v)
            return [(end, end, " not", "copula")]
        word = v.text
        if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in v.children) and shared_aux is None \
                and v.dep_ != "conj":
            return None  # no subject: the parse is not a clause we can edit safely
        if v.tag_ in ("VBP", "VB") and word.lower() in getInflection(word.lower(), "VBP"):
            lemma = word.lower()  # trust a present-tense tag when the form is a base form ("lay")
        else:
            lemmas = getLemma(word.lower(), upos="VERB") or (lemma_of(v),)
            lemma = lemmas[0]
        if not lemma.isalpha():
            return None
        if shared_aux is not None and (v.tag_ in ("VB", "VBN", "VBG") or word.lower() in (getInflection(lemma, "VBN") or ())):
            return [(v.idx, v.idx, f"{shared_aux.text} not ", "aux")]
        past = v.tag_ == "VBD" or (word.lower() != lemma and word.lower() in (getInflection(lemma, "VBD") or ()))
        if past:
            do = "did"
        elif v.tag_ == "VBZ" or word.lower() in (getInflection(lemma, "VBZ") or ()):
            do = "does"
        elif v.tag_ in ("VBP", "VB"):
            do = "do"
        else:
            return None
        rep = f"{do} not {lemma}"
        if word[:1].isupper() and v.i == doc[0].i:
            rep = rep[0].upper() + rep[1:]
        return [(v.idx, v.idx + len(v), rep, "do-support")]


def _conjuncts(v) -> list:
    """Verbs coordinated with v, including chains ("reached, planted, and returned")."""
    out = []
    todo = [v]
    while todo:
        cur = todo.pop()
        for c in cur.children:
            if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"):
                out.append(c)
                todo.append(c)
    return sorted(out, key=lambda t: t.i)


def _case(orig: str, new: str) -> str:
    return new[0].upper() + new[1:] if orig[:1].isupper() else new


def _apply(text: str, edits) -> str:
    out = text
    for s, e, rep in sorted(((x[0], x[1], x[2]) for x in edits), key=lambda x: (x[0], x[1]), reverse=True):
        out = out[:s] + rep + out[e:]
    return out


def _tidy(new: str, old: str) -> str:
    new = regex.sub(r"\s{2,}", " ", new).strip()
    new = regex.sub(r"^that\s+", "", new, flags=regex.I)
    new = regex.sub(r"\s+([,.;:!?])", r"\1", new).strip(" ,;:")
    if new and new[0].islower():
        new = new[0].upper() + new[1:]
    tail = regex.search(r"[.!?]+[\"'”’]?$", old.strip())
    if tail and not regex.search(r"[.!?][\"'”’]?$", new):
        new += tail.group()
    return new


__all__ = ["Rewriter", "Rewrite", "fallback", "Optional"]
