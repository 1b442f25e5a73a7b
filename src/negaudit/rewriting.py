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

Some sentences have no safe rewrite, and the rewriter declines them with a suggestion that names the
problem (strategy "declined", never safe): questions, instructions, fragments without a verb, code,
quoted speech, claims that are already negated, the speaker's own offers and feelings ("I'd be happy
to help!"), and a reported claim whose subject is a pronoun (dropping the frame would lose who it is
about). A rewrite is safe only when it edits the main verb group alone and the rewritten sentence
parses with the same subject and object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex
from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas
from lemminflect import getInflection as _get_inflection
from lemminflect import getLemma as _get_lemma

from . import lemmatables
from .nlp import lemma as lemma_of

lemmatables.install()  # lemminflect's tables decoded word by word, not whole on the first lookup

LIST_PREFIX = regex.compile(r"^(\s*(?:[-*•+]|\d{1,3}[.)]|[a-z][.)]|#{1,6}|>)\s+(?:\*\*[^*]{1,40}\*\*:?\s+)?"
                            r"(?:\p{Lu}[\p{L}]{0,15}(?: \p{Lu}?[\p{L}\d]{1,15}){0,2}:\s+(?=\p{Lu}))?)")
# a news dateline: "PARIS (Reuters) - ", "NEW YORK, March 3 — ", "SYDNEY, Australia — "
DATELINE = regex.compile(r"^(\p{Lu}[\p{Lu}.'’-]+(?:\s\p{Lu}[\p{Lu}.'’-]+){0,3}(?:,\s[\p{L}\d.]+(?:\s[\p{L}\d.]+){0,2})?"
                         r"(?:\s\([^()]{1,40}\))?\s[—–-]{1,2}\s)(?=\p{Lu})")
# code, a shell command or markup rather than a sentence
CODE = regex.compile(r"[;{}]|(?<![=!<>])=(?!=)|=>|^\s*(?:#include|import\s|from\s\S+\simport|def\s|class\s\w+[:(]|return\b|"
                     r"pip\s|git\s|npm\s|SELECT\s|const\s|let\s\w+\s*=|var\s)|^\s*[\w.]+\(.*\)\s*$")
QUOTED = regex.compile(r"[\"“](?P<q>[^\"“”]{2,})[\"”]|(?<![\w])'(?P<s>[^']{2,})'(?![\w])")
NEGATIVE = {"not", "n't", "never", "no", "nobody", "none", "neither", "nor", "nothing", "nowhere", "hardly", "scarcely",
            "barely", "seldom", "rarely", "cannot"}
CLAUSAL = {"advcl", "relcl", "ccomp", "csubj", "acl", "parataxis", "conj", "xcomp", "pcomp"}
SPEAKER = {"i", "we"}
ATTITUDE_ADJ = {"happy", "glad", "sorry", "afraid", "pleased", "delighted", "excited", "sure", "unable", "eager", "willing",
                "thrilled", "grateful", "thankful", "honored", "honoured"}
ATTITUDE_VERBS = {"hope", "think", "believe", "feel", "suggest", "recommend", "apologize", "apologise", "appreciate",
                  "understand", "guess", "wish", "want", "like", "love", "need", "promise", "help", "assist"}
# adverbs that scope over the negation: the "not" follows them ("It is also not related")
SENTENTIAL = {"also", "indeed", "certainly", "probably", "clearly", "definitely", "obviously", "surely", "likely",
              "actually", "apparently", "undoubtedly", "still", "therefore", "thus", "hence"}
FOCUS = {"even"}  # scoped by the negation: "did not even vote"
TITLE_SMALL = {"a", "an", "the", "in", "of", "on", "at", "to", "for", "and", "or", "but", "by", "with", "from", "as", "nor"}
PRONOUNS = {"it", "he", "she", "they", "this", "that", "these", "those", "i", "we", "you"}
OPENER = regex.compile(r"^((?:[\w'’]++[ ,]*+){1,4}[!.]\s+)(?=[\p{Lu}\d])")
KNOW_FRAME = regex.compile(r"^(?:did|do) you know\b", regex.I)
CORRECT_AFTER_AFFIRM = regex.compile(r"^(that's|that is|you're|you are)\s+(correct|right)\b", regex.I)
AFFIRM = regex.compile(r"^(?:yes|yeah|yep|absolutely|indeed|correct|exactly|definitely|that's right|you're right|"
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
    strategy: str  # aux | copula | do-support | frame | coordination | fallback | declined
    # with check_roles=False: the rewritten clause whose parse the role check would read ("" if none)
    role_check: str = ""


def declined(problem: str) -> Rewrite:
    """No rewrite: a suggestion that names the problem."""
    return Rewrite(f"No safe rewrite ({problem}): state the negation on the claim's verb, or drop the claim.",
                   False, "declined")


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
        self._unchecked: dict[str, Rewrite] = {}  # check_roles=False results, finished by the next negate

    def negate(self, sentence: str, check_roles: bool = True) -> Rewrite:
        """Negate the sentence's own main predicate. Never raises; never returns an empty text.
        check_roles=False skips the re-parse that `safe` needs (the rewrite is then unsafe, and
        `role_check` names the text that re-parse would read, so a caller can batch it first)."""
        try:
            pre = self._unchecked.pop(sentence, None)
            if pre is not None and check_roles:  # the rewrite is made; only its role check is left
                if not pre.role_check:
                    return pre
                body = self._split(sentence)[2]
                return Rewrite(pre.text, self._same_roles(self.nlp.parse(body), pre.role_check), pre.strategy)
            r = self._negate(sentence, check_roles)
            if not check_roles:
                if len(self._unchecked) > 4096:
                    self._unchecked.clear()
                self._unchecked[sentence] = r
            return r
        except Exception:  # a parse we do not understand must not break an audit
            return fallback(sentence) if sentence.strip() else Rewrite(sentence, False, "fallback")

    def parse_requests(self, sentences: list[str]) -> list[str]:
        """The texts `negate` will parse for these sentences (parsed ahead, in one batch, by the caller)."""
        return [self._split(s)[2] for s in sentences if s.strip()]

    def _negate(self, sentence: str, check_roles: bool = True) -> Rewrite:
        if not sentence.strip():
            return Rewrite(sentence, False, "fallback")
        prefix, lead, body = self._split(sentence)
        return self._negate_body(prefix, lead, body, check_roles)

    def _split(self, sentence: str) -> tuple[str, str, str]:
        """A list marker, an answer opener ("Yes, ", "Great question! ") and the claim itself."""
        m = LIST_PREFIX.match(sentence) or DATELINE.match(sentence)
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
                if body[:1].isupper() and not body.startswith("I ") and self.nlp.has_parser:
                    first = self.nlp.parse(body)
                    if len(first) and first[0].pos_ not in ("PROPN",) and not first[0].text.isupper():
                        body = body[0].lower() + body[1:]  # "Yes! Bulls are ..." -> "No, bulls are not ..."
        else:
            o = OPENER.match(body)
            if o and not any(ch.isdigit() for ch in o.group(1)) and len(body) > o.end() + 10:
                opener_doc = self.nlp.parse(o.group(1)) if self.nlp.has_parser else None
                if opener_doc is None or not any(t.pos_ in ("VERB", "AUX") and t.dep_ == "ROOT" and t.tag_ != "VB"
                                                 for t in opener_doc):
                    lead = o.group(1)  # "Great question! " / "Sure! " stays as written
                    body = body[o.end():]
        return prefix, lead, body

    def _negate_body(self, prefix: str, lead: str, body: str, check_roles: bool = True) -> Rewrite:
        words = len(body.split())
        problem = "" if KNOW_FRAME.match(body) else _surface_problem(body)  # "Did you know that X?" asserts X
        if problem:
            return declined(problem)
        if not self.nlp.has_parser:
            r = fallback(body)
            return Rewrite(prefix + lead + r.text, False, r.strategy)
        doc = self.nlp.parse(body)
        proper = len(doc) > 0 and doc[0].pos_ == "PROPN"
        sents = list(doc.sents)
        if not any(t.pos_ in ("VERB", "AUX") or _past_form(t.lower_) for t in doc):
            return declined("a fragment without a verb asserts nothing")
        headline = not prefix and not regex.search(r"[.!?][\"'”’)]*\s*$", body) and words <= 12
        if len(sents) != 1 or headline or words > 45:
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        root = sents[0].root
        problem = _clause_problem(root)
        if problem:
            return declined(problem)
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
            subj = _subject(clause)
            if drop_spans and clause is not root and subj is not None and subj.lower_ in PRONOUNS:
                return declined("the reported claim's subject is a pronoun, and dropping the report would lose who it is about")
            if _negated(clause):
                return declined("the reported claim is already negated")
            edits = self._negate_clause(clause)
            if edits is None:
                r = fallback(body, proper)
                return Rewrite(prefix + lead + r.text, False, "fallback")
            new = _apply(body, [e[:3] for e in edits] + [(s, e, "") for s, e in drop_spans])
            new = _tidy(new, body)
            return Rewrite(prefix + lead + new, False, "frame")
        if _quoted_speech(body, doc):
            return declined("the claim is quoted speech: negate it inside the quotation only if the speaker said so")
        if root.pos_ not in ("VERB", "AUX") or _negated(root) or self._quantified(root):
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        edits = self._negate_clause(root)
        if edits is None:
            r = fallback(body, proper)
            return Rewrite(prefix + lead + r.text, False, "fallback")
        strategy = edits[0][3]
        for c in _conjuncts(root):
            # a conjunct already negated ("is a fruit and cannot be used") would get a double negation
            more = None if _negated(c) else self._negate_clause(c, shared_aux=self._aux(root))
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
        if safe and not lead and not check_roles:
            return Rewrite(prefix + lead + text, False, strategy, text)
        if safe and not lead:
            safe = self._same_roles(doc, text)
        return Rewrite(prefix + lead + text, safe and not lead, strategy)

    def _same_roles(self, doc, new_text: str) -> bool:
        """Does the rewritten sentence parse with the same subject and object as the original?"""
        new = self.nlp.parse(new_text)
        sents = list(new.sents)
        if len(sents) != 1:
            return False
        return _roles(sents[0].root) == _roles(list(doc.sents)[0].root)

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
            auxes = [c for c in v.children if c.dep_ in ("aux", "auxpass") and c.i < v.i]
            if aux.lower_ == "must" and any(a.lower_ == "have" for a in auxes):
                return [(aux.idx, aux.idx + len(aux), _case(aux.text, "cannot"), "aux")]  # "must have been" -> "cannot have been"
            if aux.lower_ == "must" and lemma_of(v) not in ("be", "have"):
                return [(aux.idx, aux.idx + len(aux), _case(aux.text, "need"), "aux"),
                        (aux.idx + len(aux), aux.idx + len(aux), " not", "aux")]
            if aux.i > 0 and doc[aux.i - 1].lower_ in CONTRACTED_AUX:
                aux = doc[aux.i - 1]  # "Holloway's been living": the contracted "'s" is the finite auxiliary
            end = _after_sentential(aux)
            return [(end, end, " not", "aux")]
        if lemma_of(v) == "be" and v.tag_ in ("VBZ", "VBD", "VBP"):
            end = _after_sentential(v)
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
        start = v.idx
        prev = doc[v.i - 1] if v.i > 0 else None
        if prev is not None and prev.lower_ in FOCUS and prev.dep_ == "advmod" and prev.head.i == v.i:
            rep = f"{do} not {prev.text} {lemma}"  # "even voted" -> "did not even vote"
            start = prev.idx
        if word[:1].isupper() and v.i == doc[0].i:
            rep = rep[0].upper() + rep[1:]
        return [(start, v.idx + len(v), rep, "do-support")]


@lru_cache(maxsize=8192)
def _past_form(word: str) -> bool:
    """Is the word a past-tense verb form ("sank"), whatever the tagger said? (A small model tags a verb
    of a short sentence as a noun: "The Titanic sank in 1915.")"""
    return any(lem != word and word in getAllInflections(lem, "VERB").get("VBD", ())
               for lem in getAllLemmas(word, "VERB").get("VERB", ()))


def _after_sentential(tok) -> int:
    """Where "not" goes after a finite auxiliary or copula: after the sentential adverbs that follow it
    ("is also not", "is indeed not"), which scope over the negation."""
    doc = tok.doc
    i = tok.i + 1
    while i < len(doc) and doc[i].lower_ in SENTENTIAL and doc[i].dep_ == "advmod":
        i += 1
    last = doc[i - 1]
    return last.idx + len(last)


def _subject(v):
    subj = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
    return subj[0] if subj else None


def _roles(v) -> tuple:
    """The subject and objects of a clause head, as text."""
    return tuple(sorted((c.dep_, " ".join(t.text for t in c.subtree)) for c in v.children
                        if c.dep_ in ("nsubj", "nsubjpass", "expl", "dobj", "attr", "dative")))


def _negated(v) -> bool:
    """Is the clause headed by v negated already, on its verb group or in its own subject, object or
    adverbs ("Nobody survived", "There is no evidence", "no longer displays")? Subordinate clauses do
    not count ("if it had not rained")."""
    todo = [v]
    while todo:
        cur = todo.pop()
        for c in cur.children:
            if c.dep_ in CLAUSAL or c.dep_ in ("prep", "agent"):
                continue  # "after a vote of no confidence" does not negate the clause
            if c.dep_ == "neg" or c.lower_ in NEGATIVE and not (c.text[:1].isupper() and c.i > 0):  # not "returns None"
                return True
            todo.append(c)
    return False


def _surface_problem(body: str) -> str:
    """Why the text is no claim to negate, read from its surface (before any parse), or ''."""
    text = body.strip()
    if text.endswith("?") or regex.search(r"\?[\"'”’)]*$", text):
        return "a question asserts nothing"
    if CODE.search(text):
        return "this is code or a command, not a sentence"
    if text.endswith(":"):
        return "the sentence introduces what follows and asserts nothing itself"
    return ""


def _clause_problem(root) -> str:
    """Why the main clause has no safe local negation, or ''."""
    subj = _subject(root)
    first = root.doc[0]
    # a base-form verb without a subject before it ("Write a poem.", "Step 2: Open the menu."), a verb
    # that opens the sentence without a subject ("Thank you for ..."), "Please ...", "Let's ..."
    if root.tag_ == "VB" and (subj is None or subj.i > root.i) or first.lower_ in ("please", "let") or \
            (subj is None and root.i == first.i and root.tag_ == "VBP"):
        return "an instruction or a greeting asserts nothing"
    if first.lower_ == "here" and lemma_of(root) == "be":
        return "the sentence presents what follows and asserts nothing itself"
    if subj is not None and subj.lower_ in SPEAKER:
        heads = [root] + [c for c in root.children if c.dep_ in ("acomp", "xcomp")]
        modal = any(c.dep_ == "aux" and c.tag_ == "MD" for c in root.children)
        if any(lemma_of(h) in ATTITUDE_VERBS or h.lower_ in ATTITUDE_ADJ for h in heads) or \
                (modal and lemma_of(root) in ("be", "help", "assist")):
            return "the sentence is the speaker's own offer, feeling or opinion, not a claim about the world"
    if subj is not None and subj.lower_ == "you" and any(c.dep_ == "aux" and c.tag_ == "MD" for c in root.children):
        return "the sentence advises the reader and asserts nothing"
    return ""


def _quoted_speech(body: str, doc) -> bool:
    """Does the sentence report quoted words (a quotation with a verb that is not a title)? Its claim
    is what someone said: negating the quotation would misquote them."""
    for m in QUOTED.finditer(body):
        q = m.group("q") or m.group("s")
        s, e = m.start(), m.end()
        words = [w for w in regex.findall(r"[\p{L}']+", q) if w.lower() not in TITLE_SMALL]
        if len(words) >= 2 and all(w[0].isupper() for w in words):
            continue  # a title: "Why the Moon Is Hollow", "Rolling in the Deep"
        if any(t.pos_ in ("VERB", "AUX") and s <= t.idx < e for t in doc):
            return True
    return False


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
