"""Typed records of the answer stage: citations and answers, as `ask --json` prints them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Citation:
    """One cited sentence: `quote` occurs verbatim (whitespace aside) on `page` of the document."""

    n: int
    doc_id: str
    source: str
    title: str
    kind: str
    date: str
    page: int
    section: str
    quote: str
    passage: str
    score: float
    page_label: str = ""  # the number printed on that page, when it differs ("11" for PDF page 13)

    def page_reference(self) -> str:
        """"page 13", or "page 13 (printed 11)" when the page carries another number."""
        return f"page {self.page} (printed {self.page_label})" if self.page_label else f"page {self.page}"

    @classmethod
    def from_hit(cls, n: int, hit, page: int, quote: str, score: float) -> Citation:
        """A citation of `quote` on `page` of a retrieved hit's document (its chunk is the passage)."""
        document, chunk = hit.document, hit.chunk
        return cls(
            n=n, doc_id=document.id, source=document.source, title=document.title, kind=document.kind,
            date=document.date, page=page, section=chunk.section, quote=quote, passage=chunk.text,
            score=round(score, 4), page_label=document.page_label(page),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict) -> Citation:
        """Inverse of `to_dict` (keys it does not know are ignored)."""
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in record.items() if key in known})


# What an answer marked weak_evidence says beside its quotes (the CLI, the app and its exports)
WEAK_EVIDENCE_NOTE = ("the evidence for this answer is weak: the documents may not answer the question, "
                      "so check that each quote says what you asked")


@dataclass
class Answer:
    """Text with [n] markers tied to citations; a refusal carries related passages instead."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    confidence: float = 0.0  # best evidence score; below the refusal threshold means refusal
    weak_evidence: bool = False  # answered (never a refusal), the evidence scoring under answering.weak_evidence_below
    related: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # passages ("report.pdf p.3") holding text addressed to an AI model, which was not used
    ignored_instructions: list[str] = field(default_factory=list)
    written_by: str = ""  # the LLM that wrote the text ("openai:MODEL"); empty for quoted answers
    summary_not_used: str = ""  # why a written summary that was asked for is not what is shown

    def to_dict(self) -> dict:
        """The `ask --json` object (docs/design.md)."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "confidence": self.confidence,
            "weak_evidence": self.weak_evidence,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "notes": self.notes,
            "ignored_instructions": self.ignored_instructions,
            "written_by": self.written_by,
            "summary_not_used": self.summary_not_used,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }

    @classmethod
    def from_dict(cls, record: dict) -> Answer:
        """Inverse of `to_dict`: an answer read back from a saved conversation or feedback."""
        return cls(
            question=record["question"], text=record["answer"], refused=bool(record.get("refused")),
            confidence=float(record.get("confidence", 0.0)), weak_evidence=bool(record.get("weak_evidence")),
            citations=[Citation.from_dict(c) for c in record.get("citations", [])],
            related=[Citation.from_dict(c) for c in record.get("related", [])],
            notes=list(record.get("notes", [])), timings_ms=dict(record.get("timings_ms", {})),
            ignored_instructions=list(record.get("ignored_instructions", [])),
            written_by=str(record.get("written_by", "")), summary_not_used=str(record.get("summary_not_used", "")),
        )
