"""Corrections a person made to a document's metadata (kind, date, forces), kept beside the index.

The classifier reads kind, date and forces from a document's own text and is sometimes wrong
(an uploaded inspection report filed as "other"). A correction is stored in the index folder's
`corrections.json`, keyed by the document id (the file's sha256), and applied whenever the
index is read. It is not part of a snapshot, so re-ingesting or re-reading the same file keeps
it; a changed file has a new id and is classified afresh.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from scrutiny.index.atomic import write_atomically
from scrutiny.ingest.forces import resolve_force
from scrutiny.ingest.records import DOCUMENT_KINDS, Document

CORRECTIONS_FILE = "corrections.json"
CORRECTABLE = ("kind", "date", "forces")
DATE_FORMAT = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class BadCorrection(ValueError):
    """A correction that cannot be stored; the message says what to give instead."""


@dataclass(frozen=True)
class Correction:
    """The fields a person set for one document (None: left as the classifier read it)."""

    kind: str | None = None
    date: str | None = None
    forces: tuple[str, ...] | None = None

    def checked(self) -> Correction:
        """The correction with forces in their canonical names; BadCorrection when a value is unusable."""
        if self.kind is not None and self.kind not in DOCUMENT_KINDS:
            raise BadCorrection(f"unknown kind '{self.kind}'; use one of {', '.join(DOCUMENT_KINDS)}")
        if self.date and not DATE_FORMAT.match(self.date):
            raise BadCorrection(f"date '{self.date}' is not YYYY-MM-DD (or YYYY-MM, or YYYY)")
        forces = None
        if self.forces is not None:
            resolved: list[str] = []
            for name in self.forces:
                found = resolve_force(name)
                if not found:
                    raise BadCorrection(f"unknown force '{name}'; give a force name such as 'Cleveland Police'")
                resolved += [force for force in found if force not in resolved]
            forces = tuple(resolved)
        return Correction(self.kind, self.date.strip() if self.date is not None else None, forces)

    def to_record(self) -> dict:
        """The fields set, JSON-ready."""
        record: dict = {}
        if self.kind is not None:
            record["kind"] = self.kind
        if self.date is not None:
            record["date"] = self.date
        if self.forces is not None:
            record["forces"] = list(self.forces)
        return record

    @classmethod
    def from_record(cls, record: dict) -> Correction:
        forces = record.get("forces")
        return cls(record.get("kind"), record.get("date"), tuple(forces) if forces is not None else None)


class Corrections:
    """The corrections file of one index folder."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / CORRECTIONS_FILE

    def stamp(self) -> int:
        """Changes whenever the file does (its modification time; 0 when there is none)."""
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return 0

    def read(self) -> dict[str, Correction]:
        """Every stored correction by document id; {} when none (or the file is unreadable)."""
        try:
            records = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(records, dict):
            return {}
        return {doc_id: Correction.from_record(record) for doc_id, record in records.items()
                if isinstance(record, dict)}

    def save(self, doc_id: str, correction: Correction) -> Correction:
        """Store `correction` for a document (replacing an earlier one), atomically; returns it checked.

        Call under the index's writer lock, so two saves never interleave."""
        correction = correction.checked()
        records = {key: value.to_record() for key, value in self.read().items()}
        records[doc_id] = correction.to_record()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(records, indent=2, ensure_ascii=False)
        write_atomically(self.path, lambda temp: temp.write_text(text, encoding="utf-8"))
        return correction


def apply_correction(document: Document, correction: Correction | None) -> None:
    """Set the corrected fields on a document read from a snapshot."""
    if correction is None:
        return
    if correction.kind is not None:
        document.kind = correction.kind
    if correction.date is not None:
        document.date = correction.date
    if correction.forces is not None:
        document.forces = list(correction.forces)


def apply_to_row(row: dict, correction: Correction | None) -> dict:
    """A manifest row with the corrected fields set, and `corrected` naming them."""
    if correction is None:
        return row
    fields = correction.to_record()
    return {**row, **fields, "corrected": sorted(fields)}
