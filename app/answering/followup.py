"""Follow-up questions in a chat, rewritten as standalone questions the retriever can answer.

"What did HMICFRS find about Cleveland's SAR backlog?" followed by "and Northumbria?" means
the same question about Northumbria Police. The rewrite is rule-based and visible to the
user, so a wrong guess is seen and can be corrected by asking in full.
"""

from __future__ import annotations

import re

from scrutiny.ingest.forces import forces_in, replace_mentions

# Openings that mark a message as continuing the previous question.
FOLLOW_UP_CUE = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\b|^\s*and\b|^\s*same\s+(?:for|with)\b|^\s*(?:also|now)\s+for\b",
    flags=re.IGNORECASE,
)
# Words that carry no topic of their own in a follow-up such as "and for Durham then?".
FILLER_WORDS = frozenset(
    "and or what how about for in at with of the same then please also too now regarding re s".split()
)


def _topic_words(message: str, forces: list[str]) -> list[str]:
    """Words of `message` other than follow-up cues, fillers and the forces it names."""
    remainder = replace_mentions(FOLLOW_UP_CUE.sub(" ", message), set(forces), " ")
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
        return replace_mentions(previous, {earlier[-1]}, _joined(named))
    if not named and earlier and FOLLOW_UP_CUE.match(message) and _topic_words(message, []):
        return f"{message.rstrip(' ?.!')} for {_joined(earlier)}?"
    return message
