"""What the app shows, as HTML and Markdown: the sources panel, chat replies, fixed wording, CSS.

Everything that comes from a document is escaped here: titles, sections, passages and
quotes are untrusted text, and the chat renders Markdown.
"""

from __future__ import annotations

import html
import re

from scrutiny.app.records import Answer, Citation
from scrutiny.app.web.export import REFUSAL_HEADING, date_label, kind_label
from scrutiny.app.web.pages import mark_quote
from scrutiny.ingest.injection import NOTE as INJECTION_NOTE

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
.page-text { white-space: pre-wrap; max-height: 760px; overflow-y: auto; padding: 10px;
  border: 1px solid var(--border-color-primary); border-radius: 8px; font-size: 0.92em; line-height: 1.5; }
.upload-results ul { margin: 4px 0; padding-left: 1.2em; }
.upload-results .failed { color: #942514; }
.upload-results .ok { color: #00703c; }
"""


def escape_markdown(text: str) -> str:
    """Document text for the chat's Markdown: HTML escaped and Markdown's marks made literal."""
    return re.sub(r"([\\`*_~|#>\[\]])", r"\\\1", html.escape(text, quote=False))


def _source_card(citation: Citation, related: bool) -> str:
    passage, found = mark_quote(citation.passage, citation.quote, PASSAGE_CONTEXT_CHARS)
    tag = '<span class="related-tag">related, not evidence</span>' if related else ""
    missing = (
        "" if found else
        f'<div class="source-quote-missing">Quoted: “{html.escape(citation.quote)}”</div>'
    )
    meta = " · ".join(html.escape(part) for part in (kind_label(citation.kind), date_label(citation.date)))
    section = f" · {html.escape(citation.section)}" if citation.section else ""
    return (
        f'<div class="source-card{" related" if related else ""}" id="source-{citation.n}">'
        f'<div class="source-title"><span class="source-n">[{citation.n}]</span>'
        f'{html.escape(citation.title or citation.source)}{tag}</div>'
        f'<div class="source-meta">{meta} · <span class="source-page">{citation.page_reference()}</span>{section}</div>'
        f'<div class="source-file">{html.escape(citation.source)}</div>'
        f"{missing}<div class=\"source-passage\">{passage}</div></div>"
    )


def sources_html(answer: Answer) -> str:
    """The sources panel for an answer: each citation with its quote marked in its passage,
    or for a refusal a notice and the related passages labelled as not evidence."""
    if answer.refused:
        parts = [
            '<div class="sources-heading">Sources</div>',
            f'<div class="refusal-notice"><b class="refusal-title">{html.escape(REFUSAL_HEADING)}</b>'
            f"{REFUSAL_EXPLANATION}</div>"
        ]
        if answer.related:
            parts.append('<div class="sources-heading">Nearest passages (related, not evidence)</div>')
        parts += [_source_card(citation, related=True) for citation in answer.related]
    else:
        parts = [f'<div class="sources-heading">Sources ({len(answer.citations)})</div>']
        parts += [_source_card(citation, related=False) for citation in answer.citations]
    return f'<div class="scrutiny-sources">{"".join(parts)}</div>'


def error_html(message: str) -> str:
    """The sources panel when a question could not be asked."""
    return (f'<div class="scrutiny-sources"><div class="sources-heading">Sources</div>'
            f'<div class="ask-error">{html.escape(message)}</div></div>')


def _answer_markdown(text: str) -> str:
    """Answer text for the chat: escaped, one paragraph per cited sentence, markers in bold."""
    escaped = escape_markdown(text)
    marker = r"\\\[\d+\\\]"  # an escaped [n]
    sentence_end = rf"([.!?][\"'”’)]?\s*(?:{marker}\s*)+)\s+(?=\S)"
    escaped = re.sub(sentence_end, lambda m: m.group(1).rstrip() + "\n\n", escaped)
    return re.sub(rf"{marker}(?:\s*{marker})*", lambda m: f"**{m.group(0)}**", escaped)


def chat_reply(answer: Answer, asked_as: str | None) -> str:
    """The assistant's chat message (Markdown) for an answer or a refusal."""
    lines = []
    if asked_as:
        lines.append(f"_Asked as: {escape_markdown(asked_as)}_\n")
    if answer.refused:
        lines.append(f"⚠️ **{REFUSAL_HEADING}.** The nearest passages are shown under Sources, "
                     f"marked *related, not evidence*.")
    else:
        lines.append(_answer_markdown(answer.text))
        count = len(answer.citations)
        lines.append(f"\n<small>{count} source{'s' if count != 1 else ''}: the numbers refer to Sources, "
                     f"where each quote is shown on its page.</small>")
    if answer.ignored_instructions:
        where = escape_markdown("; ".join(answer.ignored_instructions))
        lines.append(f"\n<small>⚠️ {INJECTION_NOTE.capitalize()} ({where}).</small>")
    return "\n".join(lines)


def source_choices(answer: Answer) -> list[tuple[str, str]]:
    """(label, value) pairs for the "show the page" selector."""
    cited = answer.related if answer.refused else answer.citations
    choices = []
    for citation in cited:
        choices.append((f"[{citation.n}] {citation.page_reference()}", str(citation.n)))
    return choices
