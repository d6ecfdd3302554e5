"""The Ask tab's layout: the chat, its filters, the Sources panel and the cited page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrutiny.app.settings import Settings
from scrutiny.app.web.export import KIND_LABELS
from scrutiny.app.web.render import CHAT_PLACEHOLDER, PICKER_LABEL, SOURCES_EMPTY

CHAT_HEIGHT = 520
MAX_PASSAGES = 20  # top of the "passages to draw on" slider


@dataclass
class AskTab:
    """The Ask tab's components, for the app to wire its events to."""

    chat: Any
    question: Any
    ask_button: Any
    new_chat: Any
    export_md: Any
    export_docx: Any
    kinds: Any
    force_filter: Any
    document_filter: Any
    passages: Any
    sources: Any
    source_picker: Any
    page_caption: Any
    page_image: Any
    page_text: Any


def build_ask_tab(settings: Settings, forces: list, documents: list) -> AskTab:
    """Lay out the Ask tab inside the current Gradio `Tab`; `forces` and `documents` fill the filters."""
    import gradio as gr

    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=420):
            chat = gr.Chatbot(label="Conversation", show_label=False, height=CHAT_HEIGHT,
                              placeholder=CHAT_PLACEHOLDER,
                              buttons=["copy"], feedback_options=None, elem_id="scrutiny-chat",
                              layout="bubble")
            with gr.Row():
                question = gr.Textbox(show_label=False, scale=5, lines=1, max_lines=4,
                                      placeholder="Ask a question, e.g. What did HMICFRS find about "
                                                  "criminal finances? Then follow up: and Durham?",
                                      elem_id="scrutiny-question", submit_btn=False, autofocus=True)
                ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=90,
                                       elem_id="scrutiny-ask")
            with gr.Row():
                new_chat = gr.Button("New conversation", size="sm", variant="secondary")
                export_md = gr.DownloadButton("Download answer (.md)", size="sm", visible=False,
                                              elem_id="scrutiny-export-md")
                export_docx = gr.DownloadButton("Download answer (Word)", size="sm", visible=False,
                                                elem_id="scrutiny-export-docx")
            with gr.Accordion("Filters: which documents to search", open=False):
                kinds = gr.Dropdown(choices=[(label, kind) for kind, label in KIND_LABELS.items()],
                                    multiselect=True, label="Document kind",
                                    info="Leave empty for all kinds.")
                force_filter = gr.Dropdown(choices=forces, multiselect=True, label="Force",
                                           info="Only passages about these forces.")
                document_filter = gr.Dropdown(choices=documents, multiselect=True,
                                              label="Documents", info="Only these documents.")
                passages = gr.Slider(1, MAX_PASSAGES, value=settings.retrieval.top_k, step=1,
                                     label="Passages to draw the answer from",
                                     info="More passages can find more, but answers take longer.")
        with gr.Column(scale=4, min_width=380):
            sources = gr.HTML(SOURCES_EMPTY, elem_id="scrutiny-sources", max_height=CHAT_HEIGHT,
                              container=True, padding=True)
    # the page at full width, so its text is readable without zooming
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            source_picker = gr.Radio(choices=[], label=PICKER_LABEL, visible=False,
                                     elem_id="scrutiny-source-picker")
            page_caption = gr.Markdown("", elem_id="scrutiny-page-caption")
        with gr.Column(scale=3):
            page_image = gr.Image(type="pil", format="png", label="Cited page", visible=False,
                                  interactive=False, buttons=["fullscreen", "download"],
                                  elem_id="scrutiny-page-image")
            page_text = gr.HTML("", visible=False, elem_id="scrutiny-page-text")
    return AskTab(
        chat=chat, question=question, ask_button=ask_button, new_chat=new_chat, export_md=export_md,
        export_docx=export_docx, kinds=kinds, force_filter=force_filter, document_filter=document_filter,
        passages=passages, sources=sources, source_picker=source_picker, page_caption=page_caption,
        page_image=page_image, page_text=page_text,
    )
