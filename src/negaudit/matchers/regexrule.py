"""`kind: regex`: a user's house rule, one or more regular expressions (run under a timeout)."""
from __future__ import annotations

from typing import Optional

from ..models import Qualifier, Unit
from ..rules import REGEX_TIMEOUT
from . import Matcher, register


@register("regex")
class RegexRule(Matcher):
    """Runs first: an explicit house rule explains its sentence better than a heuristic. A pattern that
    runs past REGEX_TIMEOUT is recorded in the detector's rule_errors and disabled for the run."""

    stages = ((10, "scan"),)

    def scan(self, seg, unit: Unit, units, pos, text):
        return self.match(unit)

    def match(self, unit: Unit) -> Optional[Qualifier]:
        det = self.det
        for r in self.rules:
            if r.id in det.disabled:
                continue
            try:
                m = r.compiled.search(unit.text, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                det.rule_errors.append(f"rule {r.id} ({r.pack}): pattern timed out after {REGEX_TIMEOUT:g}s "
                                       f"(catastrophic backtracking?); the rule is disabled for this run")
                det.disabled.add(r.id)
                continue
            if m:
                return det.q(r, unit, m.start(), m.end(), r.match.get("direction", "document"))
        return None
