"""The Documents tab's layout: what is indexed, adding files, removing a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from scrutiny.app.settings import Settings
from scrutiny.app.web.render import UPLOAD_HELP

UPLOAD_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
TABLE_HEIGHT = 640
UPLOAD_RESULTS_HEIGHT = 80  # room for the progress bar while files are indexed


class DocumentsSource(Protocol):
    """What the tab shows when it opens (the app's handlers)."""

    def index_status(self) -> str: ...

    def documents_table(self) -> list[list]: ...


@dataclass
class DocumentsTab:
    """The Documents tab's components, for the app to wire its events to."""

    status: Any
    table: Any
    files: Any
    add_button: Any
    upload_results: Any
    to_remove: Any
    remove_button: Any
    remove_result: Any


def build_documents_tab(app: DocumentsSource, settings: Settings, documents: list) -> DocumentsTab:
    """Lay out the Documents tab inside the current Gradio `Tab`; `documents` fill the remove list."""
    import gradio as gr

    status = gr.Markdown(app.index_status())
    table = gr.Dataframe(
        value=app.documents_table(),
        headers=["Title", "Kind", "Date", "Pages", "Passages", "File", "Id"],
        datatype=["str", "str", "str", "number", "number", "str", "str"],
        interactive=False, wrap=True, label="Indexed documents", max_height=TABLE_HEIGHT,
        column_widths=["34%", "12%", "10%", "7%", "8%", "21%", "8%"],
    )
    with gr.Row(equal_height=False):
        with gr.Column():
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                            label=f"Add documents (up to {settings.app.upload_max_mb:g} MB each)",
                            elem_id="scrutiny-upload")
            gr.Markdown(UPLOAD_HELP)
            add_button = gr.Button("Add to the index", variant="primary", elem_id="scrutiny-add")
            upload_results = gr.HTML("", elem_id="scrutiny-upload-results",
                                     min_height=UPLOAD_RESULTS_HEIGHT)
        with gr.Column():
            to_remove = gr.Dropdown(choices=documents, label="Remove a document from the index",
                                    elem_id="scrutiny-remove-choice")
            remove_button = gr.Button("Remove", variant="stop", elem_id="scrutiny-remove")
            remove_result = gr.Markdown("", elem_id="scrutiny-documents-message")
    return DocumentsTab(
        status=status, table=table, files=files, add_button=add_button, upload_results=upload_results,
        to_remove=to_remove, remove_button=remove_button, remove_result=remove_result,
    )
