"""The `scrutiny` command line: a thin click layer over `Scrutiny`, JSON on request.

Exit codes: 0 success; 1 partial failure (some files failed) or eval below threshold;
2 usage error or missing index. Heavy libraries load inside commands, so --help is instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scrutiny.app.records import WEAK_EVIDENCE_NOTE
from scrutiny.ingest.injection import NOTE as INJECTION_NOTE

if TYPE_CHECKING:  # the service loads heavy libraries: commands import it when they run
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class UserError(click.ClickException):
    """A one-line error for the user; exit 2 unless told otherwise."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance

    def show(self, file=None):
        click.echo(f"scrutiny: error: {self.format_message()}", err=True)


def _settings(index: Path | None, **groups: dict) -> Settings:
    """Settings from the environment, with the flags given (None = not given) for each group."""
    from scrutiny.app.settings import Settings

    values: dict = {group: {k: v for k, v in fields.items() if v is not None} for group, fields in groups.items()}
    values = {group: fields for group, fields in values.items() if fields}
    if index is not None:
        values["index"] = index
    try:
        return Settings(**values)
    except Exception as error:  # pydantic ValidationError: say which setting is wrong
        first = str(error).splitlines()
        raise UserError(f"bad setting: {' '.join(first[:3])}") from error


def _service(index: Path | None, **groups: dict) -> Scrutiny:
    from scrutiny.app.service import Scrutiny

    return Scrutiny(_settings(index, **groups))


def _print_json(payload) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _domain_errors():
    """Map the product's domain errors to one-line user errors."""
    from scrutiny.app.answering.llm import LLMError
    from scrutiny.app.retrieval.fusion import BadFilter
    from scrutiny.app.service import BadQuestion
    from scrutiny.index.embedder import ModelUnavailable
    from scrutiny.index.store import MissingIndex, ModelMismatch

    return (MissingIndex, ModelMismatch, BadQuestion, BadFilter, ModelUnavailable, LLMError)


def index_option(function):
    return click.option(
        "--index", "index", type=click.Path(path_type=Path), default=None,
        help="Index directory (default: $SCRUTINY_INDEX or a per-user data folder).",
    )(function)


def json_option(function):
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scrutiny")
def cli():
    """Scrutiny: cited answers from HMICFRS inspection reports and the responses to them."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@json_option
@click.option("--quiet", is_flag=True, help="No progress bars.")
def ingest(paths, index, as_json, quiet):
    """Add files or folders (PDF, DOCX, HTML, TXT, MD) to the index; unchanged files are skipped."""
    service = _service(index)

    def waiting(message: str) -> None:
        click.echo(f"scrutiny: {message}", err=True)

    try:
        report = service.ingest(list(paths), show_progress=not quiet and not as_json, on_wait=waiting)
    except _domain_errors() as error:
        raise UserError(str(error)) from error
    except KeyboardInterrupt as interrupt:
        raise UserError("interrupted; the index is as it was before this ingest", exit_code=130) from interrupt
    if as_json:
        _print_json(report.to_dict())
    else:
        for source in report.added:
            click.echo(f"added      {source}")
        for source in report.replaced:
            click.echo(f"replaced   {source}")
        for source in report.reread:
            click.echo(f"re-read    {source} (unchanged; indexed by an older version of Scrutiny)")
        for source in report.unchanged:
            click.echo(f"unchanged  {source}")
        for failure in report.failed:
            click.echo(f"FAILED     {failure['source']}: {failure['reason']}")
        for skip in report.skipped:
            click.echo(f"skipped    {skip['source']}: {skip['reason']}")
        click.echo(
            f"{len(report.added)} added, {len(report.unchanged)} unchanged, {len(report.replaced)} replaced, "
            + (f"{len(report.reread)} re-read, " if report.reread else "")
            + (f"{len(report.skipped)} skipped, " if report.skipped else "")
            + f"{len(report.failed)} failed ({report.chunks_added} chunks indexed) -> {service.store.directory}"
        )
    sys.exit(EXIT_OK if report.ok else EXIT_PARTIAL)


@cli.command()
@index_option
@json_option
@click.option("--chunks", is_flag=True, help="Include every chunk, to see how each file was split.")
def docs(index, as_json, chunks):
    """List indexed documents with kind, date, pages and chunks."""
    service = _service(index)
    try:
        rows = service.documents()
        data = service.store.load(with_vectors=False) if chunks else None
    except _domain_errors() as error:
        raise UserError(str(error)) from error
    keys = ("doc_id", "source", "title", "kind", "date", "pages", "chunks", "forces")
    records = [{key: row.get(key) for key in keys} for row in rows]
    if data is not None:  # each document carries its chunks instead of their count
        for record in records:
            record["chunks"] = [
                {"id": c.id, "page_start": c.page_start, "page_end": c.page_end,
                 "section": c.section, "text": c.text}
                for c in data.chunks_of(record["doc_id"])
            ]
    if as_json:
        _print_json(records)
        return
    if not records:
        click.echo("The index is empty. Add files with `scrutiny ingest PATH`.")
    for record in records:
        chunk_list = record["chunks"] if isinstance(record["chunks"], list) else []
        count = len(chunk_list) if chunk_list else record["chunks"]
        click.echo(
            f"{record['doc_id'][:12]}  {record['kind']:<17} {record['date'] or '-':<10} "
            f"{record['pages']:>3}p {count:>4}c  {record['source']}"
        )
        click.echo(f"              {record['title']}")
        for chunk in chunk_list:
            pages = f"p{chunk['page_start']}" + (f"-{chunk['page_end']}" if chunk["page_end"] != chunk["page_start"] else "")
            preview = " ".join(chunk["text"].split())[:90]
            click.echo(f"    {pages:<7} [{chunk['section'][:60]}] {preview}")


@cli.command()
@click.argument("reference")
@index_option
@json_option
def remove(reference, index, as_json):
    """Remove a document by id prefix (6+ characters) or file name."""
    service = _service(index)
    try:
        removed = service.remove(reference)
    except _domain_errors() as error:
        raise UserError(str(error)) from error
    except ValueError as error:
        raise UserError(str(error)) from error
    if not removed:
        raise UserError(f"no indexed document matches '{reference}'; see `scrutiny docs`")
    if as_json:
        _print_json({"removed": [d.summary() for d in removed]})
    else:
        for document in removed:
            click.echo(f"removed {document.source} ({document.id[:12]})")


@cli.command()
@index_option
@json_option
def compact(index, as_json):
    """Merge the index's segments into one, dropping removed documents for good."""
    service = _service(index)
    try:
        before = service.store.segment_count()
        service.ingester(show_progress=False).compact()
        after = service.store.segment_count()
    except _domain_errors() as error:
        raise UserError(str(error)) from error
    if as_json:
        _print_json({"segments_before": before, "segments_after": after})
    else:
        click.echo(f"compacted {before} segment{'s' if before != 1 else ''} into {after}")


@cli.command()
@click.argument("question")
@index_option
@json_option
@click.option("--k", "k", type=int, default=None, help="Passages to draw the answer from (default 5).")
@click.option("--kind", "kinds", multiple=True, help="Only documents of this kind (repeatable).")
@click.option("--force", "forces", multiple=True, help="Only passages about this force (repeatable).")
@click.option("--doc", "documents", multiple=True, help="Only this document: id prefix or file name (repeatable).")
@click.option("--llm", default=None, help="Answer with an LLM: openai:MODEL, ollama:MODEL, llamacpp:PATH.gguf.")
def ask(question, index, as_json, k, kinds, forces, documents, llm):
    """Answer a question with citations (document, page, verbatim quote), or say the documents don't."""
    from scrutiny.app.retrieval.fusion import BadFilter, SearchFilters

    if k is not None and k < 1:
        raise UserError("--k must be at least 1")
    service = _service(index)
    try:
        filters = SearchFilters(tuple(kinds), tuple(forces), tuple(documents))
        answer = service.ask(question, k=k, filters=filters, llm=llm)
    except (BadFilter, *_domain_errors()) as error:
        raise UserError(str(error)) from error
    except ImportError as error:
        raise UserError(f"the LLM option needs extra packages: pip install 'scrutiny[llm]' ({error})") from error
    payload = answer.to_dict()
    if as_json:
        _print_json(payload)
        return
    click.echo(answer.text)
    click.echo()
    if answer.weak_evidence:
        click.echo(f"Note: {WEAK_EVIDENCE_NOTE}.")
    if answer.ignored_instructions:
        click.echo(f"Note: {INJECTION_NOTE} ({'; '.join(answer.ignored_instructions)}).")
    if answer.refused:
        if answer.related:
            click.echo("Related passages (not evidence):")
        for citation in answer.related:
            click.echo(f"  - {citation.source}, {citation.page_reference()} [{citation.section}]")
            if citation.quote:
                click.echo(f"    \"{citation.quote}\"")
        return
    for citation in answer.citations:
        click.echo(f"[{citation.n}] {citation.source}, {citation.page_reference()} — {citation.section}")
        click.echo(f"    \"{citation.quote}\"")


@cli.command(name="eval")
@index_option
@json_option
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Known-answer cases (JSON lines); default: the bundled eval set.")
@click.option("--check", is_flag=True, help="Exit 1 when a metric is outside its thresholds.")
@click.option("--thresholds", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Thresholds for --check (TOML; a table per split may override the file's own); "
                   "default: eval/thresholds.toml.")
@click.option("--split", type=click.Choice(["all", "calibrate", "test"]), default="all",
              help="Run only one split of the cases.")
def evaluate(index, as_json, cases, check, thresholds, split):
    """Run the known-answer evaluation and print its metrics."""
    from scrutiny.eval.runner import default_cases_path, format_report, load_cases, run_eval, thresholds_failed

    service = _service(index)
    try:
        loaded = load_cases(cases or default_cases_path())
        if split != "all":
            loaded = [case for case in loaded if case.get("split", "test") == split]
        report = run_eval(service, loaded)
    except _domain_errors() as error:
        raise UserError(str(error)) from error
    except ValueError as error:
        raise UserError(str(error)) from error
    if as_json:
        _print_json(report)
    else:
        click.echo(format_report(report))
    if check:
        failures = thresholds_failed(report["metrics"], thresholds, split)
        for failure in failures:
            click.echo(f"below threshold: {failure}", err=True)
        if failures:
            sys.exit(EXIT_PARTIAL)


@cli.group()
def feedback():
    """The ratings given to answers in the app."""


@feedback.command(name="export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Known-answer cases from thumbs-up answers (JSON lines, the eval case format).")
@click.option("--review-out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Thumbs-down answers as cases to review (default: OUT with .review before its suffix).")
@click.option("--data", "data_folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The app's data folder (default: $SCRUTINY_APP__DATA_FOLDER or a per-user data folder).")
@json_option
def feedback_export(out, review_out, data_folder, as_json):
    """Turn the app's ratings into eval cases: `scrutiny eval --cases OUT` runs them."""
    from scrutiny.eval.feedback import export_feedback

    folder = data_folder or _settings(None).app.data_folder
    if not Path(folder).expanduser().is_dir():
        raise UserError(f"no app data folder at {folder}; rate answers in the app first, or pass --data")
    try:
        known, review, review_path = export_feedback(Path(folder), out, review_out)
    except OSError as error:
        raise UserError(f"cannot write the cases: {error.strerror or error}") from error
    if as_json:
        _print_json({"known_answer_cases": known, "to_review": review, "out": str(out),
                     "review_out": str(review_path)})
    else:
        click.echo(f"{known} known-answer case(s) -> {out}; {review} to review -> {review_path}")


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="scrutiny", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("scrutiny: interrupted", err=True)
        sys.exit(130)


@cli.command()
@index_option
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 7860).")
@click.option("--auth", default=None, help="user:pass required to use the app (or SCRUTINY_APP__AUTH).")
@click.option("--no-auth", is_flag=True, help="Allow a non-local --host without a password (not advised).")
def serve(index, host, port, auth, no_auth):
    """Start the Gradio app (127.0.0.1:7860 unless told otherwise)."""
    from scrutiny.app.web.app import launch

    service = _service(index, app={"host": host, "port": port, "auth": auth})
    try:
        launch(service, no_auth=no_auth)
    except ValueError as error:
        raise UserError(str(error)) from error


@cli.command()
@click.argument("document")
@index_option
@json_option
@click.option("--force", default=None, help="Only findings about this force or unit.")
def findings(document, index, as_json, force):
    """List the findings of an inspection report: grades, causes of concern, recommendations, AFIs."""
    findings_command(_service(index), document, force, as_json)


@cli.command()
@click.argument("report")
@index_option
@json_option
@click.option("--force", required=True, help="The force the response is for.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write draft.docx or draft.md.")
@click.option("--llm", default=None, help="Polish the prose with an LLM (citation-checked).")
def draft(report, index, as_json, force, out, llm):
    """Draft a first-pass PCC (section 55) response to an inspection report, with citations."""
    draft_command(_service(index), report, force, out, as_json, llm)


@cli.command()
@index_option
@json_option
@click.option("--force", default=None, help="Only findings that concern this force (its own, its unit's, national).")
@click.option("--kind", type=click.Choice(["recommendation", "area_for_improvement", "cause_of_concern"]),
              default=None, help="Only findings of this kind.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write register.xlsx or register.csv.")
def register(index, as_json, force, kind, out):
    """The findings register: every recommendation, area for improvement and cause of concern of every
    indexed report, with the response found for it in indexed responses."""
    register_command(_service(index), force, kind, out, as_json)


def findings_command(service: Scrutiny, document: str, force: str | None, as_json: bool) -> None:
    """`scrutiny findings DOC [--force NAME] [--json]`."""
    from scrutiny.app.drafting.builder import ForceFindings, find_report, resolve_report_force
    from scrutiny.app.drafting.model import KIND_LABELS, DraftError
    from scrutiny.ingest.findings import extract_findings

    try:
        documents = service.store.load(with_vectors=False).documents  # findings need no vectors
        report = find_report(documents, document)
        findings = extract_findings(report)
        if force:
            canonical = resolve_report_force(report, force, findings)
            selected = ForceFindings.sort(findings, canonical).concerning()
        else:
            canonical, selected = "", findings
    except (DraftError, *_domain_errors()) as error:
        raise UserError(str(error)) from error
    if as_json:
        _print_json({
            "document": {k: v for k, v in report.summary().items() if k != "forces"},
            "force": canonical, "findings": [f.to_dict() for f in selected],
        })
        return
    click.echo(f"{report.source}: {report.title} ({report.kind.replace('_', ' ')}, {report.date or 'undated'})")
    if not selected:
        click.echo(f"No findings{' for ' + canonical if canonical else ''}.")
        return
    subject = None
    for finding in selected:
        heading = finding.subject or f"({finding.scope})"
        if heading != subject:
            subject = heading
            click.echo(f"\n{heading}")
        extra = []
        if finding.grade:
            extra.append(finding.grade)
        if finding.deadline:
            extra.append(f"deadline: {finding.deadline}")
        if finding.addressee and finding.kind != "graded_judgement":
            extra.append(f"to: {finding.addressee}")
        suffix = f"  [{'; '.join(extra)}]" if extra else ""
        click.echo(f"  p{finding.page:<3} {KIND_LABELS[finding.kind].lower():<21} {finding.text}{suffix}")


def draft_command(service: Scrutiny, report: str, force: str, out: Path | None, as_json: bool, llm: str | None) -> None:
    """`scrutiny draft REPORT --force NAME [--out draft.docx|draft.md] [--json] [--llm SPEC]`."""
    from scrutiny.app.drafting.builder import DraftBuilder
    from scrutiny.app.drafting.model import DraftError
    from scrutiny.app.drafting.writers import check_output_path, write_draft

    if llm:
        raise UserError("--llm is not supported for drafts yet; drafts are extractive, every sentence quoted "
                        "from its source (drop --llm)")
    try:
        if out is not None:
            check_output_path(out)  # fail before any work, and before anything is written
        draft = DraftBuilder(service).build(report, force)
        written = write_draft(draft, out) if out is not None else None
    except (DraftError, *_domain_errors()) as error:
        raise UserError(str(error)) from error
    except OSError as error:
        where = f"cannot write {out}" if out is not None else "cannot draft"
        raise UserError(f"{where}: {error.strerror or error}; nothing was written") from error
    if as_json:
        payload = draft.to_dict()
        payload["out"] = str(written) if written else None
        _print_json(payload)
        return
    if written is None:
        click.echo(draft.to_markdown())
        return
    actions = sum(1 for item in draft.items if item.for_action)
    answered = sum(1 for item in draft.items if item.response)
    click.echo(
        f"wrote {written}: {len(draft.items)} finding{'' if len(draft.items) == 1 else 's'} "
        f"({actions} for the force to act on, "
        f"{answered} with an existing response), {len(draft.citations)} citations"
    )
    for note in draft.notes:
        click.echo(f"note: {note}", err=True)


def register_command(service: Scrutiny, force: str | None, kind: str | None, out: Path | None, as_json: bool) -> None:
    """`scrutiny register [--force NAME] [--kind KIND] [--json] [--out register.xlsx|.csv]`."""
    from scrutiny.app.drafting.model import KIND_LABELS, DraftError
    from scrutiny.app.drafting.register import FindingsRegister, check_register_path, write_register

    try:
        if out is not None:
            check_register_path(out)  # fail before any work
        entries = FindingsRegister(service).entries(force, kind)
        written = write_register(entries, out) if out is not None else None
    except (DraftError, *_domain_errors()) as error:
        raise UserError(str(error)) from error
    except OSError as error:
        raise UserError(f"cannot write {out}: {error.strerror or error}; nothing was written") from error
    if as_json:
        _print_json({"findings": [entry.to_dict() for entry in entries], "out": str(written) if written else None})
        return
    if written is not None:
        answered = sum(1 for entry in entries if entry.responses)
        click.echo(f"wrote {written}: {len(entries)} findings, {answered} with a response found")
        return
    if not entries:
        click.echo("No recommendations, areas for improvement or causes of concern in the indexed reports.")
    report = None
    for entry in entries:
        if entry.report.id != report:
            report = entry.report.id
            click.echo(f"\n{entry.report.source}: {entry.report.title} ({entry.report.date or 'undated'})")
        finding = entry.finding
        extra = [f"deadline: {finding.deadline}"] if finding.deadline else []
        if finding.addressee:
            extra.append(f"to: {finding.addressee}")
        suffix = f"  [{'; '.join(extra)}]" if extra else ""
        click.echo(f"  p{finding.page:<3} {KIND_LABELS[finding.kind].lower():<21} {entry.body}: {finding.text}{suffix}")
        for response in entry.responses or [None]:
            if response is None:
                click.echo("        response: no response indexed")
            else:
                click.echo(f"        response ({response.source_line()}): {response.text}")
