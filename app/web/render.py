"""What the app shows, as HTML and Markdown: the sources panel, chat replies, fixed wording, CSS.

Everything that comes from a document is escaped here: titles, sections, passages and
quotes are untrusted text, and the chat renders Markdown.
"""

from __future__ import annotations

import html
import re

from scrutiny.app.records import WEAK_EVIDENCE_NOTE, Answer, Citation
from scrutiny.app.web.export import KIND_LABELS, REFUSAL_HEADING, date_label, kind_label
from scrutiny.app.web.pages import PageView, mark_quote
from scrutiny.ingest.forces import REGIONAL_UNITS, TERRITORIAL_FORCES, forces_in
from scrutiny.ingest.injection import NOTE as INJECTION_NOTE
from scrutiny.ingest.records import Document

PASSAGE_CONTEXT_CHARS = 320  # passage text shown either side of a quote in Sources

APP_TITLE = "Scrutiny"
PICKER_LABEL = "Show the cited page"
RELATED_PICKER_LABEL = "Show the page of a related passage (not evidence)"
INTRO = (
    "Ask about the indexed HMICFRS inspection reports, PCC and force responses and related papers. "
    "Every answer is made of **verbatim quotes**, each numbered and tied to a document and page in "
    "**Sources**. If the documents don't answer, Scrutiny says so instead of guessing."
)
CHAT_PLACEHOLDER = (
    "**Ask a question about the indexed documents**<br>"
    "e.g. *What did the inspection find about financial investigation capacity?*<br>"
    "Follow-ups work: ask *and Durham?* after a question about another force."
)
SOURCES_EMPTY = (
    '<div class="scrutiny-sources"><div class="sources-heading">Sources</div><div class="sources-empty">'
    "The documents and pages an answer quotes are listed here, with each quote highlighted in its passage."
    "</div></div>"
)
REFUSAL_EXPLANATION = (
    "Nothing in the indexed documents is close enough to the question to quote as an answer. "
    "The nearest passages are shown below for orientation: they are <b>related, not evidence</b>. "
    "Try other words, fewer filters, or add the document that would answer it."
)
# The browser side of "one click to the page": a [n] link in the chat or a source card asks
# the server for that citation's page (through a hidden box), and a new page view scrolls
# inside its box so the highlight is in the middle; after a click the window follows too.
PAGE_JS = """
() => {
  let lastKey = null;
  let followWindow = false;
  const ask = (value) => {
    const box = document.querySelector('#scrutiny-cite-request textarea, #scrutiny-cite-request input');
    if (!box) return;
    followWindow = true;
    box.value = value + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href*="#cite-"]');
    if (link) {
      const found = link.getAttribute('href').match(/#cite-(\\d+)-(\\d+)/);
      event.preventDefault();
      event.stopPropagation();
      if (found) ask(found[1] + ':' + found[2]);
      return;
    }
    const card = event.target.closest('#scrutiny-sources [data-cite]');
    if (card) ask(card.getAttribute('data-cite'));
  }, true);
  const scrollToHighlight = () => {
    const view = document.querySelector('#scrutiny-page .page-view');
    if (!view || view.dataset.key === lastKey) return;
    const mark = view.querySelector('.page-highlight, mark');
    if (!mark || view.clientHeight === 0) return;
    lastKey = view.dataset.key;
    const box = view.getBoundingClientRect();
    const spot = mark.getBoundingClientRect();
    view.scrollTop += (spot.top - box.top) - Math.max(0, (view.clientHeight - spot.height) / 2);
    if (followWindow) {
      followWindow = false;
      const shown = view.getBoundingClientRect();
      const caption = document.querySelector('#scrutiny-page-caption') || view;
      if (shown.top < 0 || shown.bottom > window.innerHeight) caption.scrollIntoView({block: 'start'});
    }
  };
  new MutationObserver(() => requestAnimationFrame(scrollToHighlight))
    .observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-key']});
}
"""
UPLOAD_HELP = (
    "PDF, Word (.docx), HTML, text or Markdown. Files are kept in the index folder and indexed at once; "
    "a file that can't be read is reported with the reason and the rest are still added."
)

CSS = """
.scrutiny-intro p { margin: 0.2em 0 0.6em 0; }
.scrutiny-sources { display: flex; flex-direction: column; gap: 10px; }
.sources-empty { color: var(--body-text-color-subdued); padding: 12px; border: 1px dashed var(--border-color-primary);
  border-radius: 8px; }
.sources-heading { font-weight: 600; font-size: 1.05em; margin: 2px 0; }
.source-card { border: 1px solid var(--border-color-primary); border-left: 5px solid #1d70b8; border-radius: 8px;
  padding: 10px 12px; background: var(--block-background-fill); }
.source-card.related { border-left: 5px dashed #b1b4b6; background: var(--background-fill-secondary); }
.source-title { font-weight: 600; }
.source-n { display: inline-block; min-width: 2.2em; color: #1d70b8; font-weight: 700; }
.source-card.related .source-n { color: #505a5f; }
.source-meta { font-size: 0.9em; margin: 2px 0 6px 0; }
.source-page { font-weight: 700; background: #e8f1f8; color: #0b0c0c; padding: 0 6px; border-radius: 4px; }
.source-file { font-size: 0.8em; color: var(--body-text-color-subdued); word-break: break-all; }
.source-passage { white-space: pre-wrap; font-size: 0.92em; line-height: 1.45; margin-top: 6px; padding: 6px 8px;
  background: var(--background-fill-secondary); border-radius: 6px; }
.source-quote-missing { font-style: italic; margin-top: 6px; }
.scrutiny-sources mark, .page-text mark { background: #ffdd00; color: #0b0c0c; padding: 0 1px; }
.scrutiny-sources .related mark { background: #e3e5e6; border-bottom: 2px dotted #505a5f; }
.related-tag { display: inline-block; font-size: 0.75em; font-weight: 700; text-transform: uppercase;
  letter-spacing: 0.04em; color: #505a5f; border: 1px solid #b1b4b6; border-radius: 4px; padding: 0 6px;
  margin-left: 6px; }
.refusal-notice { border: 2px solid #d4351c; background: #fdf3f1; color: #0b0c0c; border-radius: 8px;
  padding: 10px 12px; }
.refusal-notice b.refusal-title { display: block; font-size: 1.1em; margin-bottom: 4px; color: #942514; }
.ask-error { border: 2px solid #f47738; background: #fff7f0; color: #0b0c0c; border-radius: 8px; padding: 10px 12px; }
.page-text { white-space: pre-wrap; padding: 10px; font-size: 0.92em; line-height: 1.5; }
.page-view { max-height: min(72vh, 900px); overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; background: var(--block-background-fill); }
.page-canvas { position: relative; width: 100%; }
.page-canvas img { display: block; width: 100%; height: auto; }
.page-highlight { position: absolute; outline: 2px solid #d4351c; border-radius: 2px; pointer-events: none; }
.source-card { cursor: pointer; }
.source-card:hover { box-shadow: 0 0 0 2px #1d70b8; }
.source-card.shown { box-shadow: 0 0 0 3px #ffdd00; }
.filter-chips { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 0.88em; margin: 2px 0; }
.filter-chips.empty { color: var(--body-text-color-subdued); }
.filter-chips .chips-label { font-weight: 600; }
.filter-chips .chip { background: #e8f1f8; color: #0b0c0c; border: 1px solid #1d70b8; border-radius: 999px;
  padding: 1px 10px; }
#scrutiny-counter { font-size: 0.85em; color: var(--body-text-color-subdued); text-align: right; margin-top: -4px; }
#scrutiny-counter .over { color: #d4351c; font-weight: 700; }
#scrutiny-ask-notice .ask-error { margin-top: 4px; }
.refusal-missing { font-weight: 600; }
@media (max-width: 900px) {
  #scrutiny-answer-column, #scrutiny-evidence-column { min-width: 100% !important; flex-basis: 100% !important; }
}
.upload-results ul { margin: 4px 0; padding-left: 1.2em; }
.upload-results .failed { color: #942514; }
.upload-results .ok { color: #00703c; }
"""


def escape_markdown(text: str) -> str:
    """Document text for the chat's Markdown: HTML escaped and Markdown's marks made literal."""
    return re.sub(r"([\\`*_~|#>\[\]])", r"\\\1", html.escape(text, quote=False))


def _source_card(citation: Citation, related: bool, turn: int = 0) -> str:
    passage, found = mark_quote(citation.passage, citation.quote, PASSAGE_CONTEXT_CHARS)
    tag = '<span class="related-tag">related, not evidence</span>' if related else ""
    missing = (
        "" if found else
        f'<div class="source-quote-missing">Quoted: “{html.escape(citation.quote)}”</div>'
    )
    meta = " · ".join(html.escape(part) for part in (kind_label(citation.kind), date_label(citation.date)))
    section = f" · {html.escape(citation.section)}" if citation.section else ""
    return (
        f'<div class="source-card{" related" if related else ""}" id="source-{citation.n}" '
        f'data-cite="{turn}:{citation.n}" title="Show this page beside the answer">'
        f'<div class="source-title"><span class="source-n">[{citation.n}]</span>'
        f'{html.escape(citation.title or citation.source)}{tag}</div>'
        f'<div class="source-meta">{meta} · <span class="source-page">{citation.page_reference()}</span>{section}</div>'
        f'<div class="source-file">{html.escape(citation.source)}</div>'
        f"{missing}<div class=\"source-passage\">{passage}</div></div>"
    )


def sources_html(answer: Answer, turn: int = 0) -> str:
    """The sources panel for an answer (turn `turn` of the chat): each citation with its quote
    marked in its passage, or for a refusal a notice and the related passages labelled as not
    evidence. Choosing a card shows its page."""
    if answer.refused:
        parts = [
            '<div class="sources-heading">Sources</div>',
            f'<div class="refusal-notice"><b class="refusal-title">{html.escape(REFUSAL_HEADING)}</b>'
            f"{REFUSAL_EXPLANATION}</div>"
        ]
        if answer.related:
            parts.append('<div class="sources-heading">Nearest passages (related, not evidence)</div>')
        parts += [_source_card(citation, True, turn) for citation in answer.related]
    else:
        parts = [f'<div class="sources-heading">Sources ({len(answer.citations)})</div>']
        parts += [_source_card(citation, False, turn) for citation in answer.citations]
    return f'<div class="scrutiny-sources">{"".join(parts)}</div>'


def notice_html(message: str) -> str:
    """A question that could not be asked, under the question box (the answers above are kept)."""
    return f'<div class="ask-error" role="alert">{html.escape(message)}</div>' if message else ""


def error_html(message: str) -> str:
    """The sources panel when a question could not be asked."""
    return (f'<div class="scrutiny-sources"><div class="sources-heading">Sources</div>'
            f'<div class="ask-error">{html.escape(message)}</div></div>')


def short_force(name: str) -> str:
    """A force as people say it before "PCC" ("Cleveland Police" -> "Cleveland")."""
    return re.sub(r"\s+(Police( Service)?|Constabulary)$", "", name)


def who_says(citation: Citation, document: Document | None) -> str:
    """Who says a cited sentence and where, from the document's metadata: "HMICFRS report ·
    Cleveland Police section · p.13 (printed 11)", "Cleveland PCC response · p.2",
    "news: Police Professional · p.1". The section counts when its heading names a force."""
    forces = list(document.forces) if document else []
    own = next((f for f in forces_in(citation.title) if f in TERRITORIAL_FORCES),
               forces[0] if len(forces) == 1 else "")
    publisher = (document.publisher if document else "").strip()
    section_forces = [f for f in forces_in(citation.section) if f in TERRITORIAL_FORCES or f in REGIONAL_UNITS]
    place = f"{section_forces[0]} section" if section_forces else ""
    kind = citation.kind
    if kind == "inspection_report":
        speaker = "HMICFRS report"
    elif kind == "press_release":
        speaker = "HMICFRS news release"
    elif kind == "pcc_response":
        speaker = f"{short_force(own)} PCC response" if own else (publisher or "PCC response")
        place = ""
    elif kind == "force_response":
        speaker = f"{own} response" if own else (publisher or "Force response")
        place = ""
    elif kind == "board_paper":
        speaker = f"{publisher or own} board paper" if (publisher or own) else "Board paper"
    elif kind == "news":
        speaker = f"news: {publisher}" if publisher else "news article"
        place = ""
    else:
        speaker = citation.title or citation.source or KIND_LABELS["other"]
    page = f"p.{citation.page}" + (f" (printed {citation.page_label})" if citation.page_label else "")
    return " · ".join(part for part in (speaker, place, page) if part)


def _answer_markdown(text: str, turn: int, speakers: dict[int, str]) -> str:
    """Answer text for the chat: escaped, one paragraph per cited sentence, each [n] a link that
    opens its page, and under the sentence who says it and where."""
    escaped = escape_markdown(text)
    marker = r"\\\[(\d+)\\\]"  # an escaped [n]
    sentence_end = rf"([.!?][\"'”’)]?\s*(?:{marker}\s*)+)\s+(?=\S)"
    escaped = re.sub(sentence_end, lambda m: m.group(1).rstrip() + "\n\n", escaped)
    paragraphs = []
    for paragraph in escaped.split("\n\n"):
        numbers = [int(n) for n in re.findall(marker, paragraph)]
        paragraph = re.sub(marker, lambda m: f"[**\\[{m.group(1)}\\]**](#cite-{turn}-{m.group(1)})", paragraph)
        said = list(dict.fromkeys(speakers[n] for n in numbers if n in speakers))
        if len(said) == 1:
            paragraph += f"  \n<small>— {escape_markdown(said[0])}</small>"
        elif said:
            by = "; ".join(f"[{n}] {speakers[n]}" for n in dict.fromkeys(numbers) if n in speakers)
            paragraph += f"  \n<small>— {escape_markdown(by)}</small>"
        paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def chat_reply(answer: Answer, asked_as: str | None, turn: int = 0, speakers: dict[int, str] | None = None,
               missing: str = "", writing: bool = False) -> str:
    """The assistant's chat message (Markdown) for an answer or a refusal. `speakers` gives who
    says each cited sentence (see `who_says`); `missing` what a refusal can say is not indexed;
    `writing` that this is a written summary's checked sentences so far."""
    lines = []
    if asked_as:
        lines.append(f"_Asked as: {escape_markdown(asked_as)}_\n")
    if answer.refused:
        lines.append(f"⚠️ **{REFUSAL_HEADING}.** The nearest passages are shown under Sources, "
                     f"marked *related, not evidence*.")
        if missing:
            lines.append(f"\n{missing}")
    else:
        lines.append(_answer_markdown(answer.text, turn, speakers or {}))
        if writing:
            lines.append(f"\n<small>✍️ {escape_markdown(answer.written_by)} is writing; each sentence shows once "
                         f"the passage it cites is checked …</small>")
            return "\n".join(lines)
        if answer.weak_evidence:
            lines.append(f"\n<small>⚠️ {WEAK_EVIDENCE_NOTE[:1].upper() + WEAK_EVIDENCE_NOTE[1:]}.</small>")
        count = len(answer.citations)
        lines.append(f"\n<small>{count} source{'s' if count != 1 else ''}: choose a number to see the quote on "
                     f"its page.</small>")
    lines.extend(_summary_lines(answer))
    if answer.ignored_instructions:
        where = escape_markdown("; ".join(answer.ignored_instructions))
        lines.append(f"\n<small>⚠️ {INJECTION_NOTE.capitalize()} ({where}).</small>")
    return "\n".join(lines)


def _summary_lines(answer: Answer) -> list[str]:
    """Who wrote a written summary and what its checks dropped, or why the summary was not used."""
    if answer.summary_not_used:
        return [f"\n<small>⚠️ {escape_markdown(answer.summary_not_used[:1].upper() + answer.summary_not_used[1:])}; "
                f"{'nothing was found to quote either' if answer.refused else 'these sentences are quoted from the documents'}"
                f".</small>"]
    if not answer.written_by:
        return []
    dropped = sum(1 for note in answer.notes if note.startswith("dropped"))
    checks = f"; {dropped} unbacked sentence{'s' if dropped != 1 else ''} or citation{'s' if dropped != 1 else ''} dropped" \
        if dropped else ""
    return [f"\n<small>Written by {escape_markdown(answer.written_by)} from the passages; every sentence checked "
            f"against the passage it cites, each quote verbatim{checks}.</small>"]


def source_choices(answer: Answer, turn: int = 0) -> list[tuple[str, str]]:
    """(label, "turn:n") pairs for the "show the page" selector."""
    cited = answer.related if answer.refused else answer.citations
    return [(f"[{citation.n}] {citation.page_reference()}", f"{turn}:{citation.n}") for citation in cited]


def page_html(view: PageView | None, key: str = "") -> str:
    """The cited page for the page panel: a scroll box holding the page image with the quote's
    lines outlined on top (so the browser can scroll to them), or the page text with the quote
    marked. `key` changes with every view, so the page scrolls to a new highlight only once."""
    if view is None:
        return ""
    if view.image is None:
        inner = view.html
    else:
        import base64
        import io

        buffer = io.BytesIO()
        view.image.save(buffer, format="PNG", optimize=True)
        width, height = view.image.size
        boxes = "".join(
            f'<span class="page-highlight" style="left:{100 * x0 / width:.2f}%;top:{100 * y0 / height:.2f}%;'
            f'width:{100 * (x1 - x0) / width:.2f}%;height:{100 * (y1 - y0) / height:.2f}%"></span>'
            for x0, y0, x1, y1 in view.boxes
        )
        inner = (f'<div class="page-canvas" style="aspect-ratio:{width}/{height}">'
                 f'<img alt="{html.escape(view.caption)}" '
                 f'src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">{boxes}</div>')
    return f'<div class="page-view" data-key="{html.escape(key)}">{inner}</div>'


def chips_html(kinds, forces, documents: list[str]) -> str:
    """The active filters as chips beside the question box ("" when none is set)."""
    chips = [f"Kind: {kind_label(kind)}" for kind in kinds or ()]
    chips += [f"Force: {force}" for force in forces or ()]
    chips += [f"Document: {name}" for name in documents]
    if not chips:
        return '<div class="filter-chips empty">Searching every indexed document</div>'
    return ('<div class="filter-chips"><span class="chips-label">Only:</span>'
            + "".join(f'<span class="chip">{html.escape(chip)}</span>' for chip in chips) + "</div>")
