"""HTML pages to blocks: main content only, via trafilatura's boilerplate removal.

Navigation, asides, footers and scripts are dropped by trafilatura; its Markdown output
keeps headings and list items, which become blocks. A web page is a single page.
"""

from __future__ import annotations

import re
from pathlib import Path

from scrutiny.ingest.formats.text import decode_text
from scrutiny.ingest.records import Block, LoadedFile, UnreadableDocument

MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
MARKDOWN_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
TITLE_ELEMENT = re.compile(r"<title[^>]*>([^<]{1,500})</title>", re.IGNORECASE)
SITE_SEPARATOR = re.compile(r"\s+[|\-–—]\s+")
SITE_WORDS = 5  # "Police Professional", "BBC News", "Bucks Herald": a site name is short


def site_name(html: str, title: str, sitename: str | None) -> str:
    """Who publishes the page: its declared site name, else the short tail of its <title>
    after the headline ("Report identifies ... | Police Professional")."""
    if sitename and sitename.strip():
        return sitename.strip()
    element = TITLE_ELEMENT.search(html[:200_000])
    if not element or not title:
        return ""
    full = " ".join(element.group(1).split())
    parts = SITE_SEPARATOR.split(full)
    tail = parts[-1].strip() if len(parts) > 1 else ""
    headline = " ".join(title.split())
    if tail and len(tail.split()) <= SITE_WORDS and full.startswith(headline[:40]) and tail not in headline:
        return tail
    return ""


def _plain(text: str) -> str:
    """Strip Markdown emphasis and link syntax so quotes match what a reader sees."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return MARKDOWN_EMPHASIS.sub(r"\2", text).strip()


def markdown_blocks(markdown: str, page: int = 1) -> list[Block]:
    """Split Markdown into heading, list item and paragraph blocks."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", markdown):
        lines = [line for line in chunk.splitlines() if line.strip()]
        paragraph: list[str] = []

        def flush():
            if paragraph:
                blocks.append(Block(page, _plain(" ".join(paragraph)), "paragraph"))
                paragraph.clear()

        for line in lines:
            heading = MARKDOWN_HEADING.match(line)
            item = MARKDOWN_ITEM.match(line)
            if heading:
                flush()
                blocks.append(Block(page, _plain(heading.group(2)), "heading", len(heading.group(1))))
            elif item:
                flush()
                blocks.append(Block(page, _plain(item.group(1)), "list_item"))
            else:
                paragraph.append(line.strip())
        flush()
    return [block for block in blocks if block.text]


def load_html(path: Path) -> LoadedFile:
    """Extract an HTML page's main content with its title, author and date."""
    import trafilatura

    raw = path.read_bytes()
    html = decode_text(raw)
    if "<" not in html:
        raise UnreadableDocument("not an HTML page (no markup found); save the page as HTML and retry")
    markdown = trafilatura.extract(
        html, output_format="markdown", include_comments=False, include_tables=True,
        favor_precision=True,
    )
    if not markdown or not markdown.strip():
        raise UnreadableDocument("HTML page has no main text (only navigation or scripts)")
    # The page's own markup only (meta tags, <time>): trafilatura's extensive search guesses a
    # date from any year in the text, as 1 January ("2014-01-01" for a 2019 press release that
    # mentions 2014), and a wrong date is worse than none.
    metadata = trafilatura.extract_metadata(html, extensive=False)
    blocks = markdown_blocks(markdown)
    title = (metadata.title if metadata and metadata.title else "").strip()
    if not title:
        title = next((b.text for b in blocks if b.role == "heading"), "")
    return LoadedFile(
        blocks=blocks,
        page_count=1,
        title=title,
        author=(metadata.author if metadata and metadata.author else "").strip(),
        site=site_name(html, title, metadata.sitename if metadata else None),
        date=(metadata.date if metadata and metadata.date else "").strip(),
    )
