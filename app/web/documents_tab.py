"""The Documents tab's layout: what is indexed, adding files, removing a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from scrutiny.app.settings import Settings
from scrutiny.app.web.export import KIND_LABELS
from scrutiny.app.web.render import UPLOAD_HELP
from scrutiny.ingest.forces import TERRITORIAL_FORCES

UPLOAD_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
TABLE_HEIGHT = 640
UPLOAD_RESULTS_HEIGHT = 80  # the results stay in view under the button (progress shows over the files)


class DocumentsSource(Protocol):
    """What the tab shows when it opens (the app's handlers)."""

    def index_status(self) -> str: ...

    def documents_table(self) -> list[list]: ...

    def index_details(self) -> str: ...


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
    details: Any
    to_correct: Any
    kind: Any
    date: Any
    forces: Any
    correct_button: Any
    correct_result: Any


def build_documents_tab(app: DocumentsSource, settings: Settings, documents: list) -> DocumentsTab:
    """Lay out the Documents tab inside the current Gradio `Tab`; `documents` fill the remove list."""
    import gradio as gr

    status = gr.Markdown(app.index_status(), elem_id="scrutiny-index-status")
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
            with gr.Accordion("Correct a document's kind, date or forces", open=False):
                to_correct = gr.Dropdown(choices=documents, label="Document", elem_id="scrutiny-correct-choice")
                kind = gr.Dropdown(choices=[(label, value) for value, label in KIND_LABELS.items()],
                                   label="Kind", elem_id="scrutiny-correct-kind",
                                   info="An inspection report or board paper can be drafted against.")
                date = gr.Textbox(label="Date (YYYY-MM-DD)", elem_id="scrutiny-correct-date")
                forces = gr.Dropdown(choices=list(TERRITORIAL_FORCES), multiselect=True, label="Forces",
                                     elem_id="scrutiny-correct-forces")
                correct_button = gr.Button("Save correction", elem_id="scrutiny-correct")
                correct_result = gr.Markdown("", elem_id="scrutiny-correct-message")
    table = gr.Dataframe(
        value=app.documents_table(),
        headers=["Title", "Kind", "Date", "Forces", "Pages", "Passages", "File"],
        datatype=["str", "str", "str", "str", "number", "number", "str"],
        interactive=False, wrap=True, label="Indexed documents (✎ corrected by hand)", max_height=TABLE_HEIGHT,
        column_widths=["30%", "11%", "9%", "20%", "6%", "7%", "17%"], elem_id="scrutiny-documents-table",
    )
    with gr.Accordion("Index details (folder and document ids)", open=False):
        details = gr.Markdown(app.index_details(), elem_id="scrutiny-index-details")
    return DocumentsTab(
        status=status, table=table, files=files, add_button=add_button, upload_results=upload_results,
        to_remove=to_remove, remove_button=remove_button, remove_result=remove_result, details=details,
        to_correct=to_correct, kind=kind, date=date, forces=forces, correct_button=correct_button,
        correct_result=correct_result,
    )
