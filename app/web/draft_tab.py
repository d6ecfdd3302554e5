"""The app's "Draft a response" tab: choose a report and a force, preview, download the DOCX."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from scrutiny.app.drafting.builder import DraftBuilder, draftable_forces
from scrutiny.app.drafting.model import DRAFTABLE_KINDS, DraftError
from scrutiny.app.drafting.writers import write_draft
from scrutiny.ingest.forces import TERRITORIAL_FORCES

NO_REPORTS = "No inspection reports or board papers are indexed yet: add one first."
HELP = (
    "Builds a first-pass PCC (section 55) response to an inspection report for one force: inspection details, "
    "executive summary, each recommendation and area for improvement with any response already indexed, "
    "and a PCC comment placeholder. Every statement is footnoted with its source page and quote."
)


def report_choices(service) -> list[tuple[str, str]]:
    """(label, doc_id) of every indexed inspection report and board paper, newest first."""
    try:
        rows = service.documents()
    except Exception:  # noqa: BLE001 - no index yet: the tab says so instead of failing to build
        return []
    rows = [row for row in rows if row.get("kind") in DRAFTABLE_KINDS]
    rows.sort(key=lambda row: row.get("date") or "", reverse=True)
    return [
        (f"{row.get('title') or row['source']} ({row.get('date') or 'undated'}, {row['source']})", row["doc_id"])
        for row in rows
    ]


def force_choices(service, doc_id: str | None) -> list[str]:
    """The forces a draft can be written for (`draftable_forces`), then the regional units."""
    if not doc_id:
        return []
    document = service.store.load(with_vectors=False).documents.get(doc_id)
    if document is None:
        return []
    return sorted(draftable_forces(document), key=lambda body: body not in TERRITORIAL_FORCES)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _file_name(source: str, force: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"draft-{force}-{Path(source).stem}").strip("-").lower()
    return f"{stem}.docx"


def make_draft(service, doc_id: str | None, force: str | None) -> tuple[str, str, str | None]:
    """(status, markdown preview, path of the DOCX) for the tab; errors become the status line."""
    if not doc_id:
        return "Choose a report first.", "", None
    if not force:
        return "Choose the force the response is for.", "", None
    try:
        draft = DraftBuilder(service).build(doc_id, force)
        folder = Path(tempfile.mkdtemp(prefix="scrutiny-draft-"))
        path = write_draft(draft, folder / _file_name(draft.report.source, draft.force))
    except DraftError as error:
        return f"**Cannot draft:** {error}", "", None
    except Exception as error:  # noqa: BLE001 - a missing index or model: say it, don't crash the app
        return f"**Cannot draft:** {error}", "", None
    actions = sum(1 for item in draft.items if item.for_action)
    answered = sum(1 for item in draft.items if item.response)
    status = (
        f"Draft for **{draft.force}**: {_count(len(draft.items), 'finding')} to respond to "
        f"({actions} for the force to act on, {answered} pre-filled from an indexed response), "
        f"{_count(len(draft.citations), 'citation')}, "
        f"built in {draft.timings_ms.get('total', 0) / 1000:.1f} s."
    )
    if draft.notes:
        status += "\n\n" + "\n".join(f"- {note}" for note in draft.notes)
    return status, draft.to_markdown(), str(path)


def build_draft_tab(service):
    """Build the tab's components; call inside a `gr.Tab` context. Returns the report selector,
    which the app refreshes when the page loads and after every upload or removal."""
    import gradio as gr

    gr.Markdown(HELP)
    choices = report_choices(service)
    first = choices[0][1] if choices else None
    with gr.Row():
        report = gr.Dropdown(
            choices=choices, value=first, label="Inspection report or board paper", scale=3,
            info=None if choices else NO_REPORTS, elem_id="scrutiny-draft-report",
        )
        forces = force_choices(service, first) if first else []
        force = gr.Dropdown(
            choices=forces, value=forces[0] if forces else None, label="Force", allow_custom_value=True, scale=2,
        )
    with gr.Row():
        refresh = gr.Button("Refresh reports", size="sm")
        build = gr.Button("Draft response", variant="primary")
    status = gr.Markdown()
    download = gr.File(label="Download the draft (Word)", interactive=False)
    preview = gr.Markdown(label="Preview")

    def on_report(doc_id):
        names = force_choices(service, doc_id)
        return gr.update(choices=names, value=names[0] if names else None)

    def on_refresh():
        options = report_choices(service)
        return gr.update(choices=options, value=options[0][1] if options else None)

    def on_build(doc_id, force_name):
        return make_draft(service, doc_id, force_name)

    report.change(on_report, inputs=report, outputs=force, api_visibility="private")
    refresh.click(on_refresh, outputs=report, api_visibility="private")
    # Public like /ask: scripts can draft through gradio_client.
    build.click(on_build, inputs=[report, force], outputs=[status, preview, download], api_name="draft")
    return report
