"""Follow-up questions in a chat, rewritten as standalone questions the retriever can answer.

"What did HMICFRS find about Cleveland's SAR backlog?" followed by "and Northumbria?" means
the same question about Northumbria Police. The rewrite is rule-based and visible to the
user, so a wrong guess is seen and can be corrected by asking in full.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scrutiny.ingest.forces import FORCE_SUFFIXES, REGIONAL_UNITS, TERRITORIAL_FORCES, forces_in

# Openings that mark a message as continuing the previous question.
FOLLOW_UP_CUE = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\b|^\s*and\b|^\s*same\s+(?:for|with)\b|^\s*(?:also|now)\s+for\b",
    flags=re.IGNORECASE,
)
# Words that carry no topic of their own in a follow-up such as "and for Durham then?".
FILLER_WORDS = frozenset(
    "and or what how about for in at with of the same then please also too now regarding re s".split()
)


def _aliases(canonical: str) -> list[str]:
    """Every name the gazetteer knows for a force or unit, longest first."""
    names = {canonical, *TERRITORIAL_FORCES.get(canonical, ()), *REGIONAL_UNITS.get(canonical, ())}
    if canonical in TERRITORIAL_FORCES:
        for suffix in FORCE_SUFFIXES:
            if canonical.endswith(suffix):
                names.add(canonical[: -len(suffix)])
                break
    return sorted(names, key=len, reverse=True)


@lru_cache(maxsize=None)
def _mention_pattern(canonical: str) -> re.Pattern:
    """Mentions of one force, on word boundaries; acronyms (all capitals) match case-sensitively."""
    parts = [re.escape(a) if a.isupper() else f"(?i:{re.escape(a)})" for a in _aliases(canonical)]
    return re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})(?![\w-])")


def _topic_words(message: str, forces: list[str]) -> list[str]:
    """Words of `message` other than follow-up cues, fillers and the forces it names."""
    remainder = FOLLOW_UP_CUE.sub(" ", message)
    for force in forces:
        remainder = _mention_pattern(force).sub(" ", remainder)
    return [w for w in re.findall(r"[\w-]+", remainder.lower()) if w not in FILLER_WORDS]


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def standalone_question(message: str, previous: str | None) -> str:
    """`message` as a question that stands on its own, given the previous (standalone) question.

    - A message that only names a force ("Northumbria?", "and Durham?", "what about
      Northumbria Police?") asks the previous question about that force instead: the force
      the previous question named is replaced, or the force is added when it named none.
    - A message that opens with a follow-up cue and names no force ("what about the
      recommendations?") keeps the previous question's forces.
    - Anything else is a new question and is returned as typed.
    """
    message = message.strip()
    previous = (previous or "").strip()
    if not previous or not message:
        return message
    named = forces_in(message)
    earlier = forces_in(previous)
    if named and not _topic_words(message, named):
        if not earlier:
            return f"{previous.rstrip(' ?.!')} for {_joined(named)}?"
        # several forces in the previous question: the last one named is the one the user moves on from
        return _mention_pattern(earlier[-1]).sub(lambda _: _joined(named), previous)
    if not named and earlier and FOLLOW_UP_CUE.match(message) and _topic_words(message, []):
        return f"{message.rstrip(' ?.!')} for {_joined(earlier)}?"
    return message
