"""The app's "Findings" tab: the findings register (app/drafting/register.py) with filters and
an Excel download."""

from __future__ import annotations

import tempfile
from pathlib import Path

from scrutiny.app.drafting.model import ACTION_KINDS, KIND_LABELS, DraftError
from scrutiny.app.drafting.register import COLUMNS, FindingsRegister, RegisterEntry, write_register

ALL = "All"
HELP = (
    "Every recommendation, area for improvement and cause of concern of the indexed reports and board papers, "
    "with the paragraph of an indexed force or PCC response that answers it (or \"no response indexed\"). "
    "Filter by force or kind; download the register as an Excel file."
)
TABLE_COLUMNS = ("Report", "Date", "Force or body", "Kind", "Deadline", "Page", "Finding", "Response")


def kind_choices() -> list[tuple[str, str]]:
    """(label, kind) for the kind filter, "All" first."""
    return [(ALL, ALL)] + [(KIND_LABELS[kind], kind) for kind in ACTION_KINDS]


def force_choices(service) -> list[str]:
    """"All", then every force or body the register has a finding for."""
    try:
        entries = FindingsRegister(service).entries(with_responses=False)  # names only: no searching
    except Exception:  # noqa: BLE001 - no index yet: the tab says so when asked
        return [ALL]
    return [ALL] + sorted({entry.body for entry in entries if entry.finding.subject})


def _table(entries: list[RegisterEntry]) -> list[list]:
    wanted = [COLUMNS.index(name) for name in TABLE_COLUMNS]
    return [[entry.row()[i] for i in wanted] for entry in entries]


def show_register(service, force: str | None, kind: str | None) -> tuple[str, list[list], str | None]:
    """(status, table rows, path of the Excel file) for the filters; errors become the status line."""
    force = None if not force or force == ALL else force
    kind = None if not kind or kind == ALL else kind
    try:
        entries = FindingsRegister(service).entries(force, kind)
        folder = Path(tempfile.mkdtemp(prefix="scrutiny-register-"))
        path = write_register(entries, folder / "findings-register.xlsx")
    except DraftError as error:
        return f"**Cannot list findings:** {error}", [], None
    except Exception as error:  # noqa: BLE001 - a missing index: say it, don't crash the app
        return f"**Cannot list findings:** {error}", [], None
    answered = sum(1 for entry in entries if entry.responses)
    reports = len({entry.report.id for entry in entries})
    status = (f"{len(entries)} finding{'' if len(entries) == 1 else 's'} from {reports} "
              f"report{'' if reports == 1 else 's'}; {answered} with a response found in an indexed response.")
    return status, _table(entries), str(path)


def build_findings_tab(service) -> None:
    """Build the tab's components; call inside a `gr.Tab` context."""
    import gradio as gr

    gr.Markdown(HELP)
    with gr.Row():
        force = gr.Dropdown(choices=force_choices(service), value=ALL, label="Force or body",
                            allow_custom_value=True, scale=2)
        kind = gr.Dropdown(choices=kind_choices(), value=ALL, label="Kind", scale=1)
        show = gr.Button("Show findings", variant="primary", scale=1)
    status = gr.Markdown()
    download = gr.File(label="Download the register (Excel)", interactive=False)
    table = gr.Dataframe(headers=list(TABLE_COLUMNS), interactive=False, wrap=True)

    def on_show(force_name, kind_name):
        return show_register(service, force_name, kind_name)

    # Public like /draft: scripts can fetch the register through gradio_client.
    show.click(on_show, inputs=[force, kind], outputs=[status, table, download], api_name="register")
