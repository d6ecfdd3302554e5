"""The Ask tab's layout: the chat and its question box on the left, the cited page and the
sources beside it (stacked under the answer on narrow screens), filters and saved conversations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrutiny.app.settings import Settings
from scrutiny.app.web.export import KIND_LABELS
from scrutiny.app.web.render import CHAT_PLACEHOLDER, PICKER_LABEL, SOURCES_EMPTY, chips_html

CHAT_HEIGHT = 560
MAX_PASSAGES = 20  # top of the "passages to draw on" slider
ANSWER_MIN_WIDTH = 460  # with the evidence column's, wider than a 900 px screen: the columns stack
EVIDENCE_MIN_WIDTH = 440
# Counts the question's characters as they are typed (in the browser, no round trip).
COUNTER_JS = """
(question) => {
  const limit = Number(document.querySelector('#scrutiny-counter [data-limit]')?.dataset.limit || 0);
  const length = (question || '').trim().length;
  const over = limit && length > limit;
  return `<span data-limit="${limit}" class="${over ? 'over' : ''}">${length.toLocaleString()} / ` +
         `${limit.toLocaleString()} characters${over ? ': too long to ask, shorten it' : ''}</span>`;
}
"""


def counter_html(limit: int, length: int = 0) -> str:
    """The question's length against the limit (the browser keeps it current as the user types)."""
    over = length > limit
    return (f'<span data-limit="{limit}" class="{"over" if over else ""}">{length:,} / {limit:,} characters'
            f'{": too long to ask, shorten it" if over else ""}</span>')


@dataclass
class AskTab:
    """The Ask tab's components, for the app to wire its events to."""

    chat: Any
    question: Any
    ask_button: Any
    counter: Any
    written: Any
    notice: Any
    chips: Any
    examples: Any
    new_chat: Any
    regenerate: Any
    edit_last: Any
    export_md: Any
    export_docx: Any
    feedback_note: Any
    feedback_button: Any
    feedback_status: Any
    kinds: Any
    force_filter: Any
    document_filter: Any
    passages: Any
    saved: Any
    open_saved: Any
    new_title: Any
    rename_saved: Any
    delete_saved: Any
    export_saved: Any
    saved_status: Any
    sources: Any
    source_picker: Any
    page_caption: Any
    page: Any
    cite_request: Any


def build_ask_tab(settings: Settings, forces: list, documents: list, examples: list[str]) -> AskTab:
    """Lay out the Ask tab inside the current Gradio `Tab`; `forces` and `documents` fill the
    filters, `examples` are questions to try."""
    import gradio as gr

    limit = settings.answering.max_question_chars
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=ANSWER_MIN_WIDTH, elem_id="scrutiny-answer-column"):
            chat = gr.Chatbot(label="Conversation", show_label=False, height=CHAT_HEIGHT,
                              placeholder=CHAT_PLACEHOLDER, buttons=["copy"],
                              feedback_options=("Like", "Dislike"), elem_id="scrutiny-chat", layout="bubble")
            chips = gr.HTML(chips_html((), (), []), elem_id="scrutiny-chips")
            with gr.Row():
                question = gr.Textbox(show_label=False, scale=5, lines=1, max_lines=4,
                                      placeholder="Ask a question, e.g. What did HMICFRS find about "
                                                  "criminal finances? Then follow up: and Durham?",
                                      elem_id="scrutiny-question", submit_btn=False, autofocus=True)
                ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="scrutiny-ask")
            with gr.Row(equal_height=True):
                counter = gr.HTML(counter_html(limit), elem_id="scrutiny-counter")
                # Only with an LLM configured (SCRUTINY_LLM__SPEC); quoted sentences stay the default.
                written = gr.Checkbox(False, label=f"Written summary ({settings.llm.spec})", visible=bool(settings.llm.spec),
                                      elem_id="scrutiny-written", scale=0, min_width=260,
                                      info="Each sentence shows once its cited passage is checked. "
                                           "Off: sentences quoted from the documents.")
            notice = gr.HTML("", elem_id="scrutiny-ask-notice")
            with gr.Row():
                new_chat = gr.Button("New conversation", size="sm", variant="secondary")
                regenerate = gr.Button("Ask again", size="sm", variant="secondary", elem_id="scrutiny-regenerate")
                edit_last = gr.Button("Edit last question", size="sm", variant="secondary",
                                      elem_id="scrutiny-edit-last")
                export_md = gr.DownloadButton("Answer (.md)", size="sm", visible=False, elem_id="scrutiny-export-md")
                export_docx = gr.DownloadButton("Answer (Word)", size="sm", visible=False,
                                                elem_id="scrutiny-export-docx")
            example_box = gr.Dataset(components=[question], samples=[[q] for q in examples],
                                     label="Questions to try (from the indexed reports)", elem_id="scrutiny-examples",
                                     visible=bool(examples))
            with gr.Row(equal_height=True):
                feedback_note = gr.Textbox(show_label=False, scale=4, lines=1, elem_id="scrutiny-feedback-note",
                                           placeholder="Rate an answer with the thumbs under it; add a note here if you like")
                feedback_button = gr.Button("Add note to my last rating", size="sm", scale=1,
                                            elem_id="scrutiny-feedback-send")
            feedback_status = gr.Markdown("", elem_id="scrutiny-feedback-status")
            with gr.Accordion("Filters: which documents to search", open=False):
                kinds = gr.Dropdown(choices=[(label, kind) for kind, label in KIND_LABELS.items()],
                                    multiselect=True, label="Document kind", info="Leave empty for all kinds.")
                force_filter = gr.Dropdown(choices=forces, multiselect=True, label="Force",
                                           info="Only passages about these forces (a report's section for "
                                                "another force is left out).", elem_id="scrutiny-force-filter")
                document_filter = gr.Dropdown(choices=documents, multiselect=True,
                                              label="Documents", info="Only these documents.")
                passages = gr.Slider(1, MAX_PASSAGES, value=settings.retrieval.top_k, step=1,
                                     label="Passages to draw the answer from",
                                     info="More passages can find more, but answers take longer.")
            with gr.Accordion("Saved conversations", open=False, elem_id="scrutiny-saved-accordion"):
                saved = gr.Dropdown(choices=[], label="Your conversations (saved as you ask)",
                                    elem_id="scrutiny-saved")
                with gr.Row():
                    open_saved = gr.Button("Open", size="sm", variant="primary", elem_id="scrutiny-open-saved")
                    delete_saved = gr.Button("Delete", size="sm", variant="stop", elem_id="scrutiny-delete-saved")
                    export_saved = gr.DownloadButton("Whole conversation (Word)", size="sm",
                                                     elem_id="scrutiny-export-saved", visible=False)
                with gr.Row(equal_height=True):
                    new_title = gr.Textbox(show_label=False, placeholder="New name for the chosen conversation",
                                           scale=3, elem_id="scrutiny-new-title")
                    rename_saved = gr.Button("Rename", size="sm", scale=1, elem_id="scrutiny-rename-saved")
                saved_status = gr.Markdown("", elem_id="scrutiny-saved-status")
        with gr.Column(scale=4, min_width=EVIDENCE_MIN_WIDTH, elem_id="scrutiny-evidence-column"):
            source_picker = gr.Radio(choices=[], label=PICKER_LABEL, visible=False, elem_id="scrutiny-source-picker")
            page_caption = gr.Markdown("", elem_id="scrutiny-page-caption")
            page = gr.HTML("", elem_id="scrutiny-page")
            sources = gr.HTML(SOURCES_EMPTY, elem_id="scrutiny-sources", container=True, padding=True)
    # Where a [n] link or a source card asks for its page (set by the page's script; see render.PAGE_JS).
    cite_request = gr.Textbox(visible="hidden", elem_id="scrutiny-cite-request")
    return AskTab(
        chat=chat, question=question, ask_button=ask_button, counter=counter, written=written, notice=notice, chips=chips,
        examples=example_box, new_chat=new_chat, regenerate=regenerate, edit_last=edit_last, export_md=export_md,
        export_docx=export_docx, feedback_note=feedback_note, feedback_button=feedback_button,
        feedback_status=feedback_status, kinds=kinds, force_filter=force_filter, document_filter=document_filter,
        passages=passages, saved=saved, open_saved=open_saved, new_title=new_title, rename_saved=rename_saved,
        delete_saved=delete_saved, export_saved=export_saved, saved_status=saved_status, sources=sources,
        source_picker=source_picker, page_caption=page_caption, page=page, cite_request=cite_request,
    )
