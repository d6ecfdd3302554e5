"""The Gradio app (`scrutiny serve`): chat with cited answers, sources and pages, documents.

`ScrutinyApp` holds the behaviour: each public method is one event handler that takes and
returns plain values, so tests call it directly. `build_app` lays the handlers out as a
Gradio Blocks page; `launch` refuses to expose the app to a network without a password.
Gradio loads lazily (it takes seconds) and with its analytics and version check switched off.
"""

from __future__ import annotations

import html
import ipaddress
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

# Before gradio is imported anywhere: no analytics, no version check, no telemetry, no MCP.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("GRADIO_MCP_SERVER", "False")

from scrutiny.app.answering.followup import standalone_question  # noqa: E402
from scrutiny.app.answering.llm import LLMError  # noqa: E402
from scrutiny.app.records import Answer  # noqa: E402
from scrutiny.app.retrieval.fusion import BadFilter, SearchFilters  # noqa: E402
from scrutiny.app.service import BadQuestion  # noqa: E402
from scrutiny.app.web.ask_tab import build_ask_tab  # noqa: E402
from scrutiny.app.web.documents_tab import UPLOAD_SUFFIXES, build_documents_tab  # noqa: E402
from scrutiny.app.web.draft_tab import build_draft_tab  # noqa: E402
from scrutiny.app.web.export import date_label, export_answer, kind_label  # noqa: E402 - env first
from scrutiny.app.web.pages import PageView, find_original, page_view  # noqa: E402
from scrutiny.app.web.render import (  # noqa: E402
    APP_TITLE,
    CSS,
    INTRO,
    PICKER_LABEL,
    RELATED_PICKER_LABEL,
    SOURCES_EMPTY,
    chat_reply,
    error_html,
    escape_markdown,
    source_choices,
    sources_html,
)
from scrutiny.index.embedder import ModelUnavailable  # noqa: E402
from scrutiny.index.store import SNAPSHOTS, IndexStore, MissingIndex, ModelMismatch  # noqa: E402

UPLOAD_NAME_CHARS = 120  # longest stored file name, extension included
STAGING_FOLDER = ".incoming"  # inside uploads/: files wait here until they are indexed
BYTES_PER_MB = 1024 * 1024
ASK_CONCURRENCY_ID = "ask"
PAGE_CONCURRENCY_ID = "page"
FILE_CACHE_SECONDS = 3600  # exported answers and page images are deleted from gradio's cache after this

AUTH_MESSAGE = "Scrutiny: sign in with the user name and password you were given."
BUSY_MESSAGE = "Scrutiny is busy answering other questions; try again in a moment."
# Ask before removing; a cancelled removal reaches the handler as no choice.
CONFIRM_REMOVE_JS = "(choice) => (choice && confirm('Remove this document from the index?')) ? choice : null"


class UploadRejected(ValueError):
    """A file the app will not store (wrong type, too large); the message says why."""


@dataclass
class Conversation:
    """One browser session's chat: the last standalone question and its answer."""

    previous_question: str = ""
    answer: Answer | None = None
    exports: tuple[str, str] | None = None


@dataclass
class UploadOutcome:
    """What happened to one uploaded file."""

    name: str  # the name the user uploaded
    stored_as: str = ""  # the sanitised name it is indexed under
    outcome: str = "failed"  # added, replaced, reread, unchanged or failed
    reason: str = ""


@dataclass
class AskResult:
    """Everything the Ask tab shows after a question; `ScrutinyApp.ask` returns its fields in order."""

    reply: dict  # the assistant's chat message
    conversation: Conversation
    sources_html: str
    source_choices: list[tuple[str, str]] = field(default_factory=list)
    page: PageView | None = None
    failed: bool = False  # the question could not be asked; the conversation is unchanged


def is_loopback(host: str) -> bool:
    """True when `host` is reachable only from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str) -> tuple[str, str] | None:
    """`user:password` as a pair, None when empty; ValueError when malformed."""
    if not auth:
        return None
    user, _, password = auth.partition(":")
    if not user or not password:
        raise ValueError("--auth must look like user:password (or set SCRUTINY_APP__AUTH=user:password)")
    return user, password


def check_exposure(host: str, auth: str, no_auth: bool) -> tuple[str, str] | None:
    """The credentials to require, after refusing to serve a network without a password.

    A loopback host needs nothing. Any other host needs --auth (or SCRUTINY_APP__AUTH), or
    --no-auth to accept the risk; both print a warning to stderr.
    """
    credentials = parse_auth(auth)
    if is_loopback(host):
        return credentials
    if credentials is None and not no_auth:
        raise ValueError(
            f"--host {host} exposes the app to the network; add --auth user:password "
            f"(or SCRUTINY_APP__AUTH), or --no-auth to serve without a password"
        )
    if credentials is None:
        print(f"scrutiny: warning: serving on {host} WITHOUT a password: anyone who can reach this "
              f"machine can read the documents and add or remove them", file=sys.stderr)
    else:
        print(f"scrutiny: warning: serving on {host}: the password and documents travel unencrypted "
              f"over plain HTTP; put the app behind an HTTPS proxy for use beyond a trusted network",
              file=sys.stderr)
    return credentials


def safe_upload_name(name: str) -> str:
    """A file name safe to store: no folders, not hidden, plain characters, an accepted type.

    Raises UploadRejected for types the app does not index.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = re.sub(r"[^\w.()+ -]", "_", base)
    base = re.sub(r"\s+", " ", base).strip(" ._")
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in UPLOAD_SUFFIXES:
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        raise UploadRejected(
            f"{kind} are not accepted; upload PDF, Word (.docx), HTML, text (.txt) or Markdown (.md)"
        )
    stem = stem.strip(" ._")[: UPLOAD_NAME_CHARS - len(suffix)] or "upload"
    return stem + suffix.lower()


class ScrutinyApp:
    """The app's behaviour over one `Scrutiny` service; each public method is one event handler."""

    def __init__(self, service, export_folder: Path | None = None):
        self.service = service
        self.settings = service.settings
        if export_folder is None:
            export_folder = Path(tempfile.mkdtemp(prefix="scrutiny-exports-"))
            weakref.finalize(self, shutil.rmtree, export_folder, True)  # gone when the app is
        self.export_folder = export_folder

    def _export(self, answer: Answer) -> tuple[str, str]:
        """Write the answer's Markdown and Word files, after deleting exports older than an hour."""
        cutoff = time.time() - FILE_CACHE_SECONDS
        for old in self.export_folder.glob("*"):
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        markdown, docx = export_answer(answer, self.export_folder / uuid.uuid4().hex[:12])
        return str(markdown), str(docx)

    # ---------------------------------------------------------------- index state

    def manifest_rows(self) -> list[dict]:
        """Indexed documents from the manifest; [] when there is no index yet."""
        try:
            return self.service.documents()
        except MissingIndex:
            return []

    def documents_table(self) -> list[list]:
        """Rows of the Documents tab: title, kind, date, pages, chunks, file, id."""
        return [
            [row.get("title") or row["source"], kind_label(row.get("kind", "")), date_label(row.get("date", "")),
             row.get("pages", 0), row.get("chunks", 0), row["source"], row["doc_id"][:12]]
            for row in self.manifest_rows()
        ]

    def index_status(self) -> str:
        """One line on what is indexed, for the top of the Documents tab."""
        rows = self.manifest_rows()
        if not rows:
            return "**No documents are indexed yet.** Add files below; they are ready to ask about once indexed."
        chunks = sum(row.get("chunks", 0) for row in rows)
        return f"**{len(rows)} documents** indexed ({chunks} passages) in `{self.service.store.directory}`."

    def filter_choices(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Forces named in the indexed documents, and the documents as (label, id) pairs."""
        rows = self.manifest_rows()
        forces = sorted({force for row in rows for force in row.get("forces", [])})
        documents = [(f"{row.get('title') or row['source']} ({row['source']})", row["doc_id"]) for row in rows]
        return forces, documents

    def refresh(self, clear_removal: bool = True):
        """Documents table, status and every document/force selector, from the live index."""
        import gradio as gr

        forces, documents = self.filter_choices()
        return (
            self.documents_table(),
            self.index_status(),
            gr.update(choices=forces),
            gr.update(choices=documents),
            gr.update(choices=documents, value=None) if clear_removal else gr.update(choices=documents),
        )

    # ---------------------------------------------------------------- asking

    def _filters(self, kinds, forces, documents):
        return SearchFilters(tuple(kinds or ()), tuple(forces or ()), tuple(documents or ()))

    def _ask_errors(self):
        return BadQuestion, BadFilter, MissingIndex, ModelMismatch, ModelUnavailable, LLMError

    def answer(self, message: str, conversation: Conversation | None, kinds=(), forces=(), documents=(),
               k: int | None = None) -> AskResult:
        """Answer a chat message (a follow-up is read in the context of the previous question)."""
        conversation = conversation or Conversation()
        question = standalone_question(message, conversation.previous_question)
        try:
            answer = self.service.ask(question, k=int(k) if k else None,
                                      filters=self._filters(kinds, forces, documents))
        except MissingIndex:
            text = "No documents are indexed yet: add some in the Documents tab, then ask again."
            return AskResult({"role": "assistant", "content": text}, conversation, error_html(text), failed=True)
        except self._ask_errors() as error:
            text = f"Can't ask that: {error}"
            reply = {"role": "assistant", "content": escape_markdown(text)}
            return AskResult(reply, conversation, error_html(text), failed=True)
        asked_as = question if question != message.strip() else None
        reply = {"role": "assistant", "content": chat_reply(answer, asked_as)}
        updated = Conversation(previous_question=question, answer=answer, exports=self._export(answer))
        choices = source_choices(answer)
        page = self.page_for(answer, choices[0][1]) if choices else None
        return AskResult(reply, updated, sources_html(answer), choices, page)

    def echo(self, message: str, history: list | None):
        """First step of a chat turn: show the question at once, keep it pending, clear the box."""
        import gradio as gr

        message = (message or "").strip()
        if not message:
            gr.Warning("Type a question first.")
            return gr.skip(), "", gr.skip()
        return (history or []) + [{"role": "user", "content": escape_markdown(message)}], message, ""

    def ask(self, message: str, history: list | None, conversation: Conversation | None,
            kinds=None, forces=None, documents=None, k=None):
        """Second step of a chat turn: the chat with the reply, state, sources, page selector,
        page view and exports. `history` already ends with the question (see `echo`)."""
        import gradio as gr

        if not (message or "").strip():
            return (gr.skip(),) * 9
        result = self.answer(message, conversation, kinds, forces, documents, k)
        exports = None if result.failed else result.conversation.exports
        answer = result.conversation.answer
        refused = not result.failed and answer is not None and answer.refused
        page = self._page_updates(result.page)
        return (
            (history or []) + [result.reply],
            result.conversation,
            result.sources_html,
            gr.update(choices=result.source_choices,
                      value=result.source_choices[0][1] if result.source_choices else None,
                      visible=bool(result.source_choices),
                      label=RELATED_PICKER_LABEL if refused else PICKER_LABEL),
            *page,
            gr.update(value=exports[0] if exports else None, visible=bool(exports)),
            gr.update(value=exports[1] if exports else None, visible=bool(exports)),
        )

    def new_conversation(self):
        """Clear the chat, the sources and the page view."""
        import gradio as gr

        return (
            [], Conversation(), SOURCES_EMPTY, gr.update(choices=[], value=None, visible=False),
            *self._page_updates(None),
            gr.update(value=None, visible=False), gr.update(value=None, visible=False),
            "",
        )

    # ---------------------------------------------------------------- pages

    def page_for(self, answer: Answer, choice: str) -> PageView | None:
        """The page view of citation number `choice` of an answer (or of a refusal's related passage)."""
        cited = answer.related if answer.refused else answer.citations
        citation = next((c for c in cited if str(c.n) == str(choice)), None)
        if citation is None:
            return None
        document = self.service.data().documents.get(citation.doc_id)
        if document is None:
            return PageView(caption=f"{citation.source} is no longer in the index")
        # Where it was ingested from first; any file found is used only if its sha256 matches.
        origin = [Path(document.origin).parent] if document.origin else []
        folders = [*origin, self.service.store.uploads, *self.settings.app.source_folders]
        view = page_view(document, citation.page, citation.quote, folders)
        if answer.refused:
            view.caption = f"Related passage, not evidence. {view.caption}"
        return view

    def _page_updates(self, view: PageView | None):
        import gradio as gr

        if view is None:
            return (gr.update(value=None, visible=False), gr.update(value="", visible=False),
                    gr.update(value=""))
        return (
            gr.update(value=view.image, visible=view.image is not None),
            gr.update(value=view.html, visible=view.image is None and bool(view.html)),
            gr.update(value=escape_markdown(view.caption)),
        )

    def open_source(self, choice: str | None, conversation: Conversation | None):
        """Show the cited page chosen in the selector."""
        if not choice or conversation is None or conversation.answer is None:
            return self._page_updates(None)
        return self._page_updates(self.page_for(conversation.answer, choice))

    # ---------------------------------------------------------------- API

    def ask_api(self, question: str, kind: str = "", force: str = "", k: int = 0) -> dict:
        """Answer a question from the indexed documents, with citations (document, page, quote).

        Parameters:
            question: the question, in full (no chat context)
            kind: only documents of this kind (comma-separated for several): inspection_report,
                pcc_response, force_response, board_paper, news, other
            force: only passages about this force (comma-separated for several), e.g. "Cleveland Police"
            k: passages to draw the answer from; 0 uses the default
        Returns:
            the `scrutiny ask --json` object: question, answer, refused, citations, related, timings_ms
        """
        import gradio as gr

        def listed(value: str) -> tuple[str, ...]:
            return tuple(part.strip() for part in (value or "").split(",") if part.strip())

        try:
            answer = self.service.ask(question, k=int(k) if k else None,
                                      filters=self._filters(listed(kind), listed(force), ()))
        except self._ask_errors() as error:
            raise gr.Error(str(error), print_exception=False) from error
        return answer.to_dict()

    # ---------------------------------------------------------------- documents

    def _stage(self, files: list[str], staging: Path) -> tuple[list[UploadOutcome], dict[str, Path]]:
        """Copy accepted uploads into `staging` under safe names; rejected ones get their reason."""
        outcomes: list[UploadOutcome] = []
        staged: dict[str, Path] = {}
        limit = self.settings.app.upload_max_mb * BYTES_PER_MB
        for file in files:
            original = Path(str(file))
            outcome = UploadOutcome(name=original.name)
            outcomes.append(outcome)
            try:
                outcome.stored_as = safe_upload_name(original.name)
                size = original.stat().st_size
                if size > limit:
                    raise UploadRejected(f"the file is {size / BYTES_PER_MB:.1f} MB, over the "
                                         f"{self.settings.app.upload_max_mb:g} MB upload limit")
                if outcome.stored_as in staged:
                    raise UploadRejected(f"another file in this upload is also named {outcome.stored_as}")
            except UploadRejected as error:
                outcome.reason = str(error)
                continue
            except OSError as error:
                outcome.reason = f"the upload could not be read ({error.strerror or error}); try again"
                continue
            target = staging / outcome.stored_as
            shutil.copyfile(original, target)
            staged[outcome.stored_as] = target
        return outcomes, staged

    def add_files(self, files: list[str] | None, progress=None) -> list[UploadOutcome]:
        """Store uploaded files in the index folder and index them; one outcome per file.

        Files wait in a staging folder until indexed: a file that fails is deleted with its
        reason reported, so nothing already indexed or stored is replaced by a bad upload.
        """
        files = [f for f in (files or []) if f]
        if not files:
            return []
        uploads = self.service.store.uploads
        staging = uploads / STAGING_FOLDER / uuid.uuid4().hex
        try:
            staging.mkdir(parents=True)
        except OSError as error:
            reason = f"the index folder {self.service.store.directory} cannot be written ({error.strerror or error})"
            return [UploadOutcome(name=Path(str(f)).name, reason=reason) for f in files]
        try:
            if progress is not None:
                progress(0.0, desc=f"Saving {len(files)} file(s)")
            outcomes, staged = self._stage(files, staging)
            if not staged:
                return outcomes
            if progress is not None:
                progress(0.1, desc=f"Reading and indexing {len(staged)} file(s)")
            try:
                report = self.service.ingest(list(staged.values()), show_progress=progress is not None)
            except (MissingIndex, ModelMismatch, ModelUnavailable) as error:
                for outcome in outcomes:
                    if outcome.stored_as in staged:
                        outcome.reason = str(error)
                return outcomes
            failures = {failure["source"]: failure["reason"] for failure in report.failed}
            result = {name: kind for kind in ("added", "replaced", "reread", "unchanged")
                      for name in getattr(report, kind)}
            indexed_sources = {row["source"] for row in self.manifest_rows()}
            for outcome in outcomes:
                if outcome.stored_as not in staged:
                    continue
                if outcome.stored_as in result:
                    outcome.outcome = result[outcome.stored_as]
                    kept = uploads / outcome.stored_as
                    # an unchanged file is kept only when it is missing under the name it is indexed as
                    if outcome.outcome != "unchanged" or (not kept.exists() and kept.name in indexed_sources):
                        os.replace(staged[outcome.stored_as], kept)
                else:
                    outcome.reason = failures.get(outcome.stored_as, "it was not indexed (no reason given)")
            return outcomes
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            _forget_uploads(files)

    @staticmethod
    def outcomes_html(outcomes: list[UploadOutcome]) -> str:
        """The per-file result list shown under the upload box."""
        if not outcomes:
            return ""
        words = {"added": "added", "replaced": "replaced the earlier version",
                 "reread": "already indexed, read again by this version of Scrutiny",
                 "unchanged": "already indexed, unchanged"}
        items = []
        for outcome in outcomes:
            name = html.escape(outcome.name)
            renamed = (f" (stored as {html.escape(outcome.stored_as)})"
                       if outcome.stored_as and outcome.stored_as != outcome.name else "")
            if outcome.outcome == "failed":
                reason = html.escape(outcome.reason)
                items.append(f'<li class="failed">✗ <b>{name}</b>{renamed}: not added: {reason}</li>')
            else:
                items.append(f'<li class="ok">✓ <b>{name}</b>{renamed}: {words[outcome.outcome]}</li>')
        failed = sum(o.outcome == "failed" for o in outcomes)
        summary = f"{len(outcomes) - failed} of {len(outcomes)} file(s) indexed"
        summary += f", {failed} failed" if failed else ""
        return f'<div class="upload-results"><b>{summary}</b><ul>{"".join(items)}</ul></div>'

    def upload(self, files, progress=None):
        """Upload event: results, then the refreshed documents table, status and selectors."""
        import gradio as gr

        outcomes = self.add_files(files, progress)
        return (self.outcomes_html(outcomes), gr.update(value=None), *self.refresh())

    def remove(self, doc_id: str | None):
        """Remove event: a message, then the refreshed documents table, status and selectors."""
        if not doc_id:
            return ("Nothing removed: choose a document, then confirm.", *self.refresh(clear_removal=False))
        try:
            removed = self.service.remove(doc_id)
        except (MissingIndex, ValueError) as error:
            return (f"Not removed: {error}", *self.refresh())
        for document in removed:
            stored = find_original(document.source, document.id, [self.service.store.uploads])
            if stored is not None and stored.parent == self.service.store.uploads:
                stored.unlink(missing_ok=True)
        names = ", ".join(document.source for document in removed) or "nothing"
        return (f"Removed {names} from the index.", *self.refresh())


def _forget_uploads(files: list) -> None:
    """Delete Gradio's cached copies of uploaded files once they are stored or refused.

    Gradio keeps every upload in its cache folder for an hour; a refused file (wrong type, too
    large, unreadable) would stay there, and an accepted one is a copy of what `uploads/` holds.
    Only files inside Gradio's cache are touched.
    """
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    for file in files:
        cached = Path(str(file)).resolve()
        if cached.is_relative_to(cache) and cached != cache:
            cached.unlink(missing_ok=True)
            if cached.parent != cache:
                try:
                    cached.parent.rmdir()  # the per-upload folder, when now empty
                except OSError:
                    pass


def clear_staging(store: IndexStore) -> None:
    """Remove uploads a stopped server left waiting in `uploads/.incoming/` (never indexed)."""
    shutil.rmtree(store.uploads / STAGING_FOLDER, ignore_errors=True)


def _busy_when_full(queue) -> None:
    """Tell API clients a full queue as "busy, try again in a moment", not Gradio's "Queue is full"
    (the browser page already shows its own "busy" message)."""
    push = getattr(queue, "push", None)
    if push is None:
        return

    async def push_or_say_busy(*args, **kwargs):
        success, message, state = await push(*args, **kwargs)
        return (success, BUSY_MESSAGE, state) if state == "queue_full" else (success, message, state)

    queue.push = push_or_say_busy


def _progress_handler(method):
    """Wrap a handler so Gradio injects a progress tracker that also follows the ingester's bars."""
    import gradio as gr

    def handler(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - how Gradio asks for a tracker
        return method(files, progress)

    handler.__doc__ = method.__doc__
    return handler


def build_app(service, export_folder: Path | None = None):
    """The Gradio Blocks page over `service`: Ask, Documents and Draft tabs, and the `ask` API."""
    import gradio as gr

    clear_staging(service.store)  # the app starts: nothing can be waiting to be indexed
    app = ScrutinyApp(service, export_folder)
    settings = service.settings
    ask_limit = settings.app.ask_concurrency
    forces, documents = app.filter_choices()

    with gr.Blocks(title=f"{APP_TITLE}: inspection reports", analytics_enabled=False,
                   delete_cache=(FILE_CACHE_SECONDS, FILE_CACHE_SECONDS)) as blocks:
        conversation = gr.State(Conversation())
        pending = gr.State("")  # the question being answered
        gr.Markdown(f"## {APP_TITLE}: cited answers from inspection reports and responses")
        gr.Markdown(INTRO, elem_classes=["scrutiny-intro"])
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                ask = build_ask_tab(settings, forces, documents)
            with gr.Tab("Documents", id="documents"):
                docs = build_documents_tab(app, settings, documents)
            with gr.Tab("Draft a response", id="draft"):
                build_draft_tab(service)

        answer_outputs = [ask.chat, conversation, ask.sources, ask.source_picker, ask.page_image, ask.page_text, ask.page_caption,
                          ask.export_md, ask.export_docx]
        answer_inputs = [pending, ask.chat, conversation, ask.kinds, ask.force_filter, ask.document_filter, ask.passages]
        # UI events are private and named, so the public API is just `ask` (under that exact name).
        # A turn is two steps: the question shows at once, then the answer replaces the spinner.
        for name, trigger in (("chat_submit", ask.question.submit), ("chat_click", ask.ask_button.click)):
            trigger(app.echo, [ask.question, ask.chat], [ask.chat, pending, ask.question], api_name=f"{name}_echo",
                    api_visibility="private", queue=False).then(
                app.ask, answer_inputs, answer_outputs, api_name=name, api_visibility="private",
                concurrency_limit=ask_limit, concurrency_id=ASK_CONCURRENCY_ID, show_progress_on=[ask.chat],
            )
        ask.chat.clear(app.new_conversation, None, [*answer_outputs, ask.question], api_name="clear_conversation",
                   api_visibility="private")
        ask.new_chat.click(app.new_conversation, None, [*answer_outputs, ask.question], api_name="new_conversation",
                       api_visibility="private")
        ask.source_picker.input(app.open_source, [ask.source_picker, conversation], [ask.page_image, ask.page_text, ask.page_caption],
                            api_name="open_source", api_visibility="private", concurrency_limit=ask_limit,
                            concurrency_id=PAGE_CONCURRENCY_ID)
        refreshed = [docs.table, docs.status, ask.force_filter, ask.document_filter, docs.to_remove]
        docs.add_button.click(_progress_handler(app.upload), [docs.files], [docs.upload_results, docs.files, *refreshed],
                         api_name="upload", api_visibility="private", show_progress_on=[docs.upload_results])
        docs.remove_button.click(app.remove, [docs.to_remove], [docs.remove_result, *refreshed], api_name="remove",
                            api_visibility="private", js=CONFIRM_REMOVE_JS)
        blocks.load(app.refresh, None, refreshed, api_name="refresh_documents", api_visibility="private")
        gr.api(app.ask_api, api_name="ask", concurrency_limit=ask_limit, concurrency_id=ASK_CONCURRENCY_ID)
    blocks.queue(max_size=settings.app.queue_max_size)
    _busy_when_full(getattr(blocks, "_queue", None))
    blocks.scrutiny_app = app  # the handlers, for tests and the load test
    return blocks


def launch_options(settings, no_auth: bool = False) -> dict:
    """Keyword arguments for `Blocks.launch` from settings, after the exposure check."""
    import gradio as gr

    credentials = check_exposure(settings.app.host, settings.app.auth, no_auth)
    store = IndexStore(settings.index)
    return {
        "server_name": settings.app.host,
        "server_port": settings.app.port,
        "auth": credentials,
        "auth_message": AUTH_MESSAGE if credentials else None,
        "max_file_size": int(settings.app.upload_max_mb * BYTES_PER_MB),
        # stored uploads and index snapshots are never served as files
        "blocked_paths": [str(store.uploads.resolve()), str((store.directory / SNAPSHOTS).resolve())],
        "share": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "run_history": False,  # questions are not saved in the browser
        "footer_links": ["api"],
        "show_error": True,
        "css": CSS,
        "theme": gr.themes.Default(primary_hue="blue", neutral_hue="slate"),
    }


def _warm(service) -> None:
    """Load the embedding model and the index; failures surface on the first question instead."""
    try:
        service.embedder.warm()
        service.data()
    except Exception:  # noqa: BLE001 - a missing index or model is reported when asked
        pass


def launch(service, no_auth: bool = False, prevent_thread_lock: bool = False, quiet: bool = False):
    """Serve the app with the service's settings (host, port, auth, upload limit).

    Raises ValueError (one line) when a non-loopback host has neither --auth nor --no-auth,
    or when the port is taken. Returns the launched Blocks when `prevent_thread_lock` is set,
    else blocks until stopped.
    """
    settings = service.settings
    options = launch_options(settings, no_auth)  # checked before building anything
    blocks = build_app(service)
    # Load the model and the index while the page opens, not on the first question.
    threading.Thread(target=_warm, args=(service,), name="scrutiny-warm", daemon=True).start()
    try:
        blocks.launch(prevent_thread_lock=True, quiet=True, **options)
    except OSError as error:
        raise ValueError(f"cannot serve on {settings.app.host}:{settings.app.port}: the port is in use or not allowed; "
                         f"pass --port with a free port") from error
    if not quiet:
        shown = "127.0.0.1" if settings.app.host in ("0.0.0.0", "::") else settings.app.host
        print(f"Scrutiny is running at http://{shown}:{settings.app.port}/ (index {service.store.directory}); "
              f"press Ctrl+C to stop", file=sys.stderr)
    if not prevent_thread_lock:
        blocks.block_thread()
    return blocks


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for tests and load tests)."""
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_in_background(service, port: int | None = None):
    """Launch the app on 127.0.0.1 (a free port unless given) without blocking; returns (blocks, url).

    Uses the service's auth and upload settings; the caller closes the app with `blocks.close()`.
    """
    settings = service.settings.model_copy(update={"app": service.settings.app.model_copy(
        update={"host": "127.0.0.1", "port": port or free_port()})})
    options = launch_options(settings)
    blocks = build_app(service)
    blocks.launch(prevent_thread_lock=True, quiet=True, **options)
    return blocks, f"http://127.0.0.1:{settings.app.port}/"
