"""Documents to section-aware chunks, sized by the embedding model's own tokenizer.

Blocks are grouped into sections at each heading; each section is split with LangChain's
RecursiveCharacterTextSplitter (paragraphs, then lines, sentences, words), measuring length
in word pieces, with a small overlap. A chunk never crosses documents, and crosses a section
boundary only when a section is nothing but its heading.

The splitter's overlap works only at the level a text was split at: after a long paragraph, a
paragraph's last sentence can come out as a chunk of its own ("This work … won the award.")
sharing nothing with what it is about. Such a short continuation is widened back, whole
sentences at a time, towards the full chunk size, so it carries its context.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from scrutiny.ingest.documents import BLOCK_SEPARATOR, assemble_pages
from scrutiny.ingest.forces import forces_in
from scrutiny.ingest.records import Block, Chunk, Document

SECTION_SEPARATOR = " > "
SPLIT_SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]
# Where a widened chunk may start: after a sentence's end or a line break.
SENTENCE_START = re.compile(r"(?<=[.!?:;])\s+(?=\S)|\n\s*(?=\S)")
# A continuation chunk shorter than this share of the chunk size is widened back.
SHORT_CONTINUATION = 0.25


@dataclass
class _Section:
    path: list[str]
    blocks: list[int] = field(default_factory=list)  # indexes into document.blocks

    def has_body(self, blocks: list[Block]) -> bool:
        return any(blocks[i].role != "heading" for i in self.blocks)


def section_paths(blocks: list[Block]) -> list[list[str]]:
    """The heading path in force at each block.

    The path keeps the document's two top heading levels plus the nearest deeper heading, so
    a boxed "Area for improvement" is not filed under the key finding printed above it.
    """
    levels = sorted({b.level for b in blocks if b.role == "heading"})
    top_levels = set(levels[:2])
    stack: dict[int, str] = {}
    paths: list[list[str]] = []
    for block in blocks:
        if block.role == "heading":
            for level in [lvl for lvl in stack if lvl >= block.level]:
                del stack[level]
            stack[block.level] = block.text
        path = [stack[lvl] for lvl in sorted(stack) if lvl in top_levels]
        deeper = [lvl for lvl in sorted(stack) if lvl not in top_levels]
        if deeper:
            path.append(stack[deeper[-1]])
        paths.append(path)
    return paths


class Chunker:
    """Split a Document into Chunks of at most `max_tokens` word pieces."""

    def __init__(self, count_tokens: Callable[[str], int], max_tokens: int, overlap_tokens: int):
        if max_tokens <= 0 or not 0 <= overlap_tokens < max_tokens:
            raise ValueError("chunk sizes: need max_tokens > 0 and 0 <= overlap_tokens < max_tokens")
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=max_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
            separators=SPLIT_SEPARATORS,
            keep_separator="end",
            strip_whitespace=True,
        )

    def _widened_start(self, section_text: str, start: int, end: int, previous_start: int) -> int:
        """Where a short continuation chunk should start: as far back as whole sentences fit,
        but after the previous chunk's start (it never holds the whole previous chunk)."""
        if self.count_tokens(section_text[start:end]) >= SHORT_CONTINUATION * self.max_tokens:
            return start
        widened = start
        for match in reversed(list(SENTENCE_START.finditer(section_text, previous_start + 1, start))):
            if self.count_tokens(section_text[match.end():end]) > self.max_tokens:
                break
            widened = match.end()
        return widened

    def _sections(self, document: Document) -> list[_Section]:
        paths = section_paths(document.blocks)
        sections: list[_Section] = []
        for index, block in enumerate(document.blocks):
            starts_section = block.role == "heading" and (
                not sections or sections[-1].has_body(document.blocks)
            )
            if starts_section or not sections:
                sections.append(_Section(path=paths[index]))
            section = sections[-1]
            if block.role == "heading":
                section.path = paths[index]  # a heading-only run takes the deepest path
            section.blocks.append(index)
        return sections

    def split(self, document: Document) -> list[Chunk]:
        """Chunks of one document with page spans, char offsets, section and forces."""
        _, block_offsets = assemble_pages(document.blocks, len(document.pages))
        # A chunk naming no force is about the force the document's title names (a PCC's letter,
        # "my Joint Audit and Scrutiny Panel"), else the document's only force, else none.
        default_forces = forces_in(document.title) or (document.forces if len(document.forces) == 1 else [])
        chunks: list[Chunk] = []
        for section in self._sections(document):
            starts: list[int] = []  # offset of each block in the section text
            parts: list[str] = []
            position = 0
            for index in section.blocks:
                starts.append(position)
                parts.append(document.blocks[index].text)
                position += len(document.blocks[index].text) + len(BLOCK_SEPARATOR)
            section_text = BLOCK_SEPARATOR.join(parts)
            section_name = SECTION_SEPARATOR.join(section.path)

            def locate(offset: int) -> tuple[int, int]:
                """Section-text offset -> (page, offset in that page's text)."""
                slot = max(0, bisect.bisect_right(starts, offset) - 1)
                block_index = section.blocks[slot]
                block = document.blocks[block_index]
                inside = min(max(offset - starts[slot], 0), len(block.text))
                return block.page, block_offsets[block_index] + inside

            search_from = 0
            previous_start = -1
            for piece in self.splitter.split_text(section_text):
                start = section_text.find(piece, search_from)
                if start < 0:
                    start = section_text.find(piece)
                search_from = start + 1
                end = start + len(piece)
                if previous_start >= 0:
                    start = self._widened_start(section_text, start, end, previous_start)
                    piece = section_text[start:end]
                previous_start = start
                page_start, char_start = locate(start)
                page_end, char_end = locate(end - 1)
                forces = forces_in(f"{section_name}\n{piece}") or default_forces
                chunks.append(Chunk(
                    id=Chunk.make_id(document.id, page_start, char_start),
                    doc_id=document.id,
                    text=piece,
                    page_start=page_start,
                    page_end=page_end,
                    section=section_name,
                    char_start=char_start,
                    char_end=char_end + 1,
                    forces=tuple(forces),
                ))
        return chunks
