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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Before gradio is imported anywhere: no analytics, no version check, no telemetry, no MCP.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("GRADIO_MCP_SERVER", "False")

from scrutiny.app.answering.followup import standalone_question  # noqa: E402
from scrutiny.app.answering.llm import LLMError  # noqa: E402
from scrutiny.app.records import Answer  # noqa: E402
from scrutiny.app.retrieval.fusion import BadFilter, SearchFilters, section_forces  # noqa: E402
from scrutiny.app.service import BadQuestion  # noqa: E402
from scrutiny.app.web.ask_tab import COUNTER_JS, build_ask_tab  # noqa: E402
from scrutiny.app.web.conversations import (  # noqa: E402
    Conversation,
    ConversationStore,
    FeedbackLog,
    Rating,
    Turn,
    user_folder,
)
from scrutiny.app.web.documents_tab import UPLOAD_SUFFIXES, build_documents_tab  # noqa: E402
from scrutiny.app.web.draft_tab import build_draft_tab, report_choices  # noqa: E402
from scrutiny.app.web.export import (  # noqa: E402 - env first
    date_label,
    export_answer,
    kind_label,
    write_conversation_docx,
)
from scrutiny.app.web.findings_tab import build_findings_tab  # noqa: E402
from scrutiny.app.web.pages import PageView, find_original, page_view  # noqa: E402
from scrutiny.app.web.render import (  # noqa: E402
    APP_TITLE,
    CSS,
    INTRO,
    PAGE_JS,
    PICKER_LABEL,
    RELATED_PICKER_LABEL,
    SOURCES_EMPTY,
    chat_reply,
    chips_html,
    error_html,
    escape_markdown,
    notice_html,
    page_html,
    short_force,
    source_choices,
    sources_html,
    who_says,
)
from scrutiny.index.corrections import BadCorrection, Correction  # noqa: E402
from scrutiny.index.embedder import ModelUnavailable  # noqa: E402
from scrutiny.index.ingester import IngestProgress  # noqa: E402
from scrutiny.index.store import SEGMENTS, SNAPSHOTS, IndexData, IndexStore, MissingIndex, ModelMismatch  # noqa: E402
from scrutiny.ingest.findings import extract_findings  # noqa: E402
from scrutiny.ingest.forces import TERRITORIAL_FORCES, forces_in  # noqa: E402
from scrutiny.ingest.records import DocumentMemo  # noqa: E402

UPLOAD_NAME_CHARS = 120  # longest stored file name, extension included
STAGING_FOLDER = ".incoming"  # inside uploads/: files wait here until they are indexed
BYTES_PER_MB = 1024 * 1024
ASK_CONCURRENCY_ID = "ask"
PAGE_CONCURRENCY_ID = "page"
FILE_CACHE_SECONDS = 3600  # exported answers and page images are deleted from gradio's cache after this

EXAMPLE_QUESTIONS = 4  # questions to try shown under the box
NEARBY_FORCES_SHOWN = 8  # forces named when a refusal says what is indexed instead
report_findings = DocumentMemo(extract_findings)  # a report's findings, read once per loaded document

AUTH_MESSAGE = "Scrutiny: sign in with the user name and password you were given."
BUSY_MESSAGE = "Scrutiny is busy answering other questions; try again in a moment."
# Ask before removing; a cancelled removal reaches the handler as no choice.
CONFIRM_REMOVE_JS = "(choice) => (choice && confirm('Remove this document from the index?')) ? choice : null"


class UploadRejected(ValueError):
    """A file the app will not store (wrong type, too large); the message says why."""


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
    error: str = ""  # why, when it failed


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


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


class ScrutinyApp:
    """The app's behaviour over one `Scrutiny` service; each public method is one event handler."""

    def __init__(self, service, export_folder: Path | None = None, data_folder: Path | None = None):
        self.service = service
        self.settings = service.settings
        self.data_folder = Path(data_folder or self.settings.app.data_folder)
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
        """Rows of the Documents tab: title, kind, date, forces, pages, passages, file (a corrected
        field is marked with ✎); the ids are in `index_details`."""
        rows = []
        for row in self.manifest_rows():
            corrected = set(row.get("corrected", ()))

            def mark(field: str, text: str, corrected=corrected) -> str:
                return f"{text} ✎" if field in corrected else text

            forces = [f for f in row.get("forces", []) if f in TERRITORIAL_FORCES] or row.get("forces", [])
            rows.append([row.get("title") or row["source"], mark("kind", kind_label(row.get("kind", ""))),
                         mark("date", date_label(row.get("date", ""))), mark("forces", ", ".join(forces)),
                         row.get("pages", 0), row.get("chunks", 0), row["source"]])
        return rows

    def index_status(self) -> str:
        """One line on what is indexed, for the top of the Documents tab."""
        rows = self.manifest_rows()
        if not rows:
            return "**No documents are indexed yet.** Add files below; they are ready to ask about once indexed."
        chunks = sum(row.get("chunks", 0) for row in rows)
        return f"**{len(rows)} documents** indexed ({chunks:,} passages)."

    def index_details(self) -> str:
        """Where the index is and each document's id, for the tab's (closed) details section."""
        lines = [f"Index folder: `{self.service.store.directory}`", ""]
        lines += [f"- `{row['doc_id'][:12]}` {escape_markdown(row['source'])}" for row in self.manifest_rows()]
        return "\n".join(lines)

    def filter_choices(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Forces named in the indexed documents, and the documents as (label, id) pairs."""
        rows = self.manifest_rows()
        forces = sorted({force for row in rows for force in row.get("forces", [])})
        documents = [(f"{row.get('title') or row['source']} ({row['source']})", row["doc_id"]) for row in rows]
        return forces, documents

    def refresh(self, clear_removal: bool = True):
        """Documents table, status and every document/force selector, from the live index, the
        Draft tab's reports among them (a removed report leaves it, an upload joins it)."""
        import gradio as gr

        forces, documents = self.filter_choices()
        reports = report_choices(self.service)
        return (
            self.documents_table(),
            self.index_status(),
            gr.update(choices=forces),
            gr.update(choices=documents),
            gr.update(choices=documents, value=None) if clear_removal else gr.update(choices=documents),
            gr.update(choices=reports, value=reports[0][1] if reports else None),
            self.index_details(),
            gr.update(choices=documents),
        )

    def correction_fields(self, doc_id: str | None):
        """The chosen document's kind, date and forces, to correct."""
        import gradio as gr

        row = next((r for r in self.manifest_rows() if r["doc_id"] == doc_id), None)
        if row is None:
            return gr.update(value=None), gr.update(value=""), gr.update(value=[])
        return (gr.update(value=row.get("kind")), gr.update(value=row.get("date", "")),
                gr.update(value=[f for f in row.get("forces", []) if f in TERRITORIAL_FORCES]))

    def correct(self, doc_id: str | None, kind: str | None, date: str | None, forces: list | None):
        """Save a correction of a document's kind, date and forces; a message, then the refreshed tab."""
        if not doc_id:
            return ("Choose a document to correct first.", *self.refresh(clear_removal=False))
        try:
            document = self.service.correct(doc_id, Correction(kind or None, (date or "").strip(), tuple(forces or ())))
        except (BadCorrection, ValueError, MissingIndex) as error:
            return (f"Not corrected: {error}", *self.refresh(clear_removal=False))
        return (f"Corrected {escape_markdown(document.source)}: {kind_label(document.kind)}, "
                f"{date_label(document.date)}, {escape_markdown(', '.join(document.forces) or 'no force')}. "
                f"Kept when the file is indexed again.", *self.refresh(clear_removal=False))

    # ---------------------------------------------------------------- asking

    def _filters(self, kinds, forces, documents):
        return SearchFilters(tuple(kinds or ()), tuple(forces or ()), tuple(documents or ()))

    def _ask_errors(self):
        return BadQuestion, BadFilter, MissingIndex, ModelMismatch, ModelUnavailable, LLMError

    def speakers(self, answer: Answer) -> dict[int, str]:
        """Who says each cited sentence and where ("HMICFRS report · Cleveland Police section · p.13")."""
        try:
            documents = self.service.data().documents
        except (MissingIndex, ModelMismatch, ModelUnavailable):
            documents = {}
        return {c.n: who_says(c, documents.get(c.doc_id)) for c in answer.citations}

    def covered_forces(self) -> set[str]:
        """The forces some indexed document is about: named in its title or in a section heading
        (a regional report's "Cleveland Police" chapter), not merely mentioned in passing. Worked
        out once per index snapshot: it walks every passage's heading (seconds at 100k passages)."""
        def covered(data: IndexData) -> set[str]:
            rows = data.rows().values()
            forces = {force for row in rows for force in forces_in(row["title"])}
            forces |= {force for section in {chunk.section for chunk in data.chunks} for force in section_forces(section)}
            return forces | {row["forces"][0] for row in rows if len(row["forces"]) == 1}

        try:
            return self.service.sentence_scorer().of_snapshot("covered forces", covered)
        except (MissingIndex, ModelMismatch, ModelUnavailable):
            return set()

    def missing_subjects(self, question: str) -> str:
        """For a refusal: the forces the question names that no indexed document covers, and what is indexed."""
        covered = self.covered_forces()
        absent = [f for f in forces_in(question) if f in TERRITORIAL_FORCES and f not in covered]
        if not absent:
            return ""
        indexed = sorted(f for f in covered if f in TERRITORIAL_FORCES)
        text = f"**No indexed document covers {escape_markdown(' or '.join(absent))}.**"
        if indexed:
            shown = ", ".join(indexed[:NEARBY_FORCES_SHOWN]) + (" and others" if len(indexed) > NEARBY_FORCES_SHOWN else "")
            text += f" The indexed documents are about {escape_markdown(shown)}."
        return text + " To ask about it, add its report or response in the **Documents** tab."

    def reply_for(self, number: int, turn: Turn) -> str:
        """The chat message of turn `number`: the answer with who says each sentence, or the refusal."""
        asked_as = turn.asked if turn.asked != turn.question.strip() else None
        missing = self.missing_subjects(turn.asked) if turn.answer.refused else ""
        return chat_reply(turn.answer, asked_as, number, self.speakers(turn.answer), missing)

    def answer(self, message: str, conversation: Conversation | None, kinds=(), forces=(), documents=(),
               k: int | None = None, written: bool = False) -> AskResult:
        """Answer a chat message (a follow-up is read in the context of the previous question)."""
        *_, result = self.answer_steps(message, conversation, kinds, forces, documents, k, written)
        assert isinstance(result, AskResult)  # the last step always is
        return result

    def answer_steps(self, message: str, conversation: Conversation | None, kinds=(), forces=(), documents=(),
                     k: int | None = None, written: bool = False) -> Iterator[Answer | AskResult]:
        """As `answer`; with `written` and an LLM configured, first the summary checked so far
        after each sentence the LLM writes, then the AskResult."""
        conversation = conversation or Conversation()
        question = standalone_question(message, conversation.previous_question)
        try:
            for answer, done in self.service.ask_steps(question, k=int(k) if k else None,
                                                       filters=self._filters(kinds, forces, documents),
                                                       llm=self.settings.llm.spec if written else ""):
                if not done:
                    yield answer
        except MissingIndex:
            text = "No documents are indexed yet: add some in the Documents tab, then ask again."
            yield AskResult({"role": "assistant", "content": text}, conversation, error_html(text), failed=True,
                            error=text)
            return
        except self._ask_errors() as error:
            text = f"Can't ask that: {error}"
            reply = {"role": "assistant", "content": escape_markdown(text)}
            yield AskResult(reply, conversation, error_html(text), failed=True, error=text)
            return
        number = len(conversation.turns)
        turn = Turn(message.strip(), question, answer,
                    {"kinds": list(kinds or ()), "forces": list(forces or ()), "documents": list(documents or ()),
                     "passages": int(k) if k else None})
        updated = conversation.with_turn(turn)
        updated.exports = self._export(answer)
        reply = {"role": "assistant", "content": self.reply_for(number, turn)}
        choices = source_choices(answer, number)
        page = self.page_for(answer, choices[0][1]) if choices else None
        yield AskResult(reply, updated, sources_html(answer, number), choices, page)

    def echo(self, message: str, history: list | None):
        """First step of a chat turn: show the question at once, keep it pending, clear the box.

        A question too long to ask stays in the box with the reason beside it; nothing else changes."""
        import gradio as gr

        message = (message or "").strip()
        if not message:
            gr.Warning("Type a question first.")
            return gr.skip(), "", gr.skip(), gr.skip()
        limit = self.settings.answering.max_question_chars
        if len(message) > limit:
            return (gr.skip(), "", gr.skip(),
                    notice_html(f"Not asked: the question is {len(message):,} characters long; keep it under "
                                f"{limit:,}. Your earlier answers and sources are still here."))
        return (history or []) + [{"role": "user", "content": escape_markdown(message)}], message, "", ""

    def use_example(self, sample, history: list | None):
        """An example question chosen: ask it (the same two steps as a typed question)."""
        question = sample[0] if isinstance(sample, list | tuple) and sample else str(sample or "")
        return self.echo(question, history)

    def ask(self, message: str, history: list | None, conversation: Conversation | None,
            kinds=None, forces=None, documents=None, k=None, written=False, request=None):
        """The Ask tab's outputs once the question is answered (the last of `ask_steps`)."""
        *_, outputs = self.ask_steps(message, history, conversation, kinds, forces, documents, k, written, request)
        return outputs

    def ask_steps(self, message: str, history: list | None, conversation: Conversation | None,
                  kinds=None, forces=None, documents=None, k=None, written=False, request=None):
        """Second step of a chat turn: the chat with the reply, state, sources, page selector, page
        view, exports, the question box, the notice and the saved conversations. `history` already
        ends with the question (see `echo`). When the question cannot be asked, the question goes
        back into the box, the reason shows under it, and the chat, sources, page and downloads of
        earlier answers stay as they were. A written summary shows in the chat sentence by sentence,
        each once its citations are checked, before the rest of the outputs follow."""
        import gradio as gr

        if not (message or "").strip():
            yield (gr.skip(),) * 11
            return
        number = len(conversation.turns) if conversation else 0
        for result in self.answer_steps(message, conversation, kinds, forces, documents, k, written):
            if isinstance(result, Answer):  # a written summary's checked sentences so far: the chat only
                writing = chat_reply(result, None, number, self.speakers(result), writing=True)
                yield ((history or []) + [{"role": "assistant", "content": writing}],) + (gr.skip(),) * 10
        assert isinstance(result, AskResult)  # the last step always is
        if result.failed:
            kept = list(history or [])
            if kept and kept[-1].get("role") == "user":
                kept = kept[:-1]  # the echoed question leaves the chat and returns to the box
            yield (kept, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                   message, notice_html(f"{result.error} (Your question is back in the box.)"), gr.skip())
            return
        self._save(result.conversation, request)
        exports = result.conversation.exports
        answer = result.conversation.answer
        refused = answer is not None and answer.refused
        yield (
            (history or []) + [result.reply],
            result.conversation,
            result.sources_html,
            gr.update(choices=result.source_choices,
                      value=result.source_choices[0][1] if result.source_choices else None,
                      visible=bool(result.source_choices),
                      label=RELATED_PICKER_LABEL if refused else PICKER_LABEL),
            *self._page_updates(result.page),
            gr.update(value=exports[0] if exports else None, visible=bool(exports)),
            gr.update(value=exports[1] if exports else None, visible=bool(exports)),
            gr.skip(),
            "",
            gr.update(choices=self.saved_conversations(request)),
        )

    def regenerate(self, history: list | None, conversation: Conversation | None, kinds=None, forces=None,
                   documents=None, k=None, written=False, request=None):
        """The Ask tab's outputs once the last question is asked again (the last of `regenerate_steps`)."""
        *_, outputs = self.regenerate_steps(history, conversation, kinds, forces, documents, k, written, request)
        return outputs

    def regenerate_steps(self, history: list | None, conversation: Conversation | None, kinds=None, forces=None,
                         documents=None, k=None, written=False, request=None):
        """Ask the last question again (with the filters now set), replacing its answer."""
        import gradio as gr

        if conversation is None or not conversation.turns:
            gr.Warning("Nothing to ask again yet.")
            yield (gr.skip(),) * 11
            return
        last = conversation.turns[-1]
        yield from self.ask_steps(last.question, (history or [])[:-1], conversation.without_last_turn(), kinds,
                                  forces, documents, k, written, request)

    def edit_last(self, history: list | None, conversation: Conversation | None):
        """Take the last question back into the box to edit it; its answer leaves the chat."""
        import gradio as gr

        if conversation is None or not conversation.turns:
            gr.Warning("Nothing to edit yet.")
            return gr.skip(), gr.skip(), gr.skip()
        return (history or [])[:-2], conversation.without_last_turn(), conversation.turns[-1].question

    def new_conversation(self):
        """Clear the chat, the sources and the page view."""
        import gradio as gr

        return (
            [], Conversation(), SOURCES_EMPTY, gr.update(choices=[], value=None, visible=False),
            *self._page_updates(None),
            gr.update(value=None, visible=False), gr.update(value=None, visible=False),
            "", "", gr.skip(),
        )

    def chips(self, kinds, forces, documents) -> str:
        """The active filters as chips beside the question box."""
        names = dict((doc_id, label) for label, doc_id in self.filter_choices()[1])
        return chips_html(kinds, forces, [names.get(doc_id, doc_id) for doc_id in documents or ()])

    def example_questions(self) -> list[str]:
        """Questions to try, built from what the indexed reports hold: the findings each report makes
        for a force, and the PCC responses indexed."""
        try:
            documents = sorted(self.service.data().documents.values(), key=lambda d: d.date or "", reverse=True)
        except (MissingIndex, ModelMismatch, ModelUnavailable):
            return []
        questions: list[str] = []
        wording = {"area_for_improvement": "What areas for improvement did HMICFRS give {}?",
                   "recommendation": "What did HMICFRS recommend for {}?",
                   "cause_of_concern": "What causes of concern did HMICFRS find for {}?"}
        for document in documents:
            if document.kind == "inspection_report":
                made = {(f.kind, f.subject) for f in report_findings(document) if f.subject in TERRITORIAL_FORCES}
                for kind, subject in sorted(made):
                    if kind in wording and not any(subject in q for q in questions):
                        questions.append(wording[kind].format(subject))
                        break
            elif document.kind == "pcc_response" and document.forces:
                questions.append(f"What did the {short_force(document.forces[0])} PCC say in response to the "
                                 f"inspection?")
            if len(questions) >= EXAMPLE_QUESTIONS:
                break
        return list(dict.fromkeys(questions))[:EXAMPLE_QUESTIONS]

    def refresh_examples(self):
        """The questions to try, from the documents indexed now."""
        import gradio as gr

        examples = self.example_questions()
        return gr.update(samples=[[question] for question in examples], visible=bool(examples))

    # ---------------------------------------------------------------- saved conversations and feedback

    def user_folder(self, request=None) -> Path:
        """The signed-in user's folder under the data folder (`local` without sign-in)."""
        return user_folder(self.data_folder, getattr(request, "username", None))

    def _save(self, conversation: Conversation, request=None) -> None:
        try:
            ConversationStore(self.user_folder(request)).save(conversation)
        except OSError as error:  # a read-only data folder must not cost the answer
            print(f"scrutiny: conversation not saved: {error}", file=sys.stderr)

    def saved_conversations(self, request=None) -> list[tuple[str, str]]:
        return ConversationStore(self.user_folder(request)).listing()

    def refresh_saved(self, request=None):
        import gradio as gr

        return gr.update(choices=self.saved_conversations(request), value=None)

    def open_conversation(self, conversation_id: str | None, request=None):
        """Reopen a saved conversation: its chat, and the last answer's sources, page and downloads."""
        import gradio as gr

        if not conversation_id:
            return (gr.skip(),) * 8 + ("Choose a conversation first.",)
        try:
            conversation = ConversationStore(self.user_folder(request)).open(conversation_id)
        except ValueError as error:
            return (gr.skip(),) * 8 + (f"Not opened: {error}",)
        history = conversation.history(self.reply_for)
        number = len(conversation.turns) - 1
        answer = conversation.turns[-1].answer
        conversation.exports = self._export(answer)
        choices = source_choices(answer, number)
        page = self.page_for(answer, choices[0][1]) if choices else None
        return (
            history, conversation, sources_html(answer, number),
            gr.update(choices=choices, value=choices[0][1] if choices else None, visible=bool(choices),
                      label=RELATED_PICKER_LABEL if answer.refused else PICKER_LABEL),
            *self._page_updates(page),
            gr.update(value=conversation.exports[0], visible=True),
            gr.update(value=conversation.exports[1], visible=True),
            f"Opened “{escape_markdown(conversation.title)}” ({len(conversation.turns)} questions).",
        )

    def conversation_file(self, conversation_id: str | None, request=None):
        """The chosen conversation as Word (every question, answer and footnoted quote) for download."""
        import gradio as gr

        if not conversation_id:
            return gr.update(value=None, visible=False)
        try:
            conversation = ConversationStore(self.user_folder(request)).open(conversation_id)
        except ValueError:
            return gr.update(value=None, visible=False)
        folder = self.export_folder / uuid.uuid4().hex[:12]
        stem = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:48] or "conversation"
        path = write_conversation_docx(conversation.title, [(t.asked, t.answer) for t in conversation.turns],
                                       folder / f"scrutiny-{stem}.docx")
        return gr.update(value=str(path), visible=True)

    def rename_conversation(self, conversation_id: str | None, title: str, request=None):
        import gradio as gr

        try:
            if not conversation_id:
                raise ValueError("choose a conversation first")
            ConversationStore(self.user_folder(request)).rename(conversation_id, title)
        except ValueError as error:
            return gr.skip(), gr.skip(), f"Not renamed: {error}"
        return (gr.update(choices=self.saved_conversations(request), value=conversation_id), "",
                f"Renamed to “{escape_markdown(' '.join(title.split()))}”.")

    def delete_conversation(self, conversation_id: str | None, request=None):
        import gradio as gr

        if not conversation_id:
            return gr.skip(), "Choose a conversation first.", gr.skip()
        try:
            ConversationStore(self.user_folder(request)).delete(conversation_id)
        except ValueError as error:
            return gr.skip(), f"Not deleted: {error}", gr.skip()
        return (gr.update(choices=self.saved_conversations(request), value=None), "Deleted.",
                gr.update(value=None, visible=False))

    def rate(self, conversation: Conversation | None, message_index, liked, request=None):
        """A thumbs up or down on the answer at chat message `message_index`: stored with the
        question, filters, answer and citations. Returns the status line and the rating (for a note)."""
        import gradio as gr

        if isinstance(message_index, list | tuple):
            message_index = message_index[0]
        number = int(message_index) // 2  # each turn is a question and its answer
        if conversation is None or not 0 <= number < len(conversation.turns):
            return "That answer is no longer in this conversation.", gr.skip()
        if liked in ("Like", "Dislike"):
            liked = liked == "Like"
        if not isinstance(liked, bool):  # the rating was taken back
            return "Rating removed.", None
        rating = Rating(f"{conversation.id}-{number}", liked, conversation.turns[number], conversation.id)
        FeedbackLog(self.user_folder(request)).add(rating)
        return (f"Thank you: {'👍' if liked else '👎'} saved for “{escape_markdown(rating.turn.question[:80])}”. "
                "Add a note below if you like."), rating

    def add_note(self, note: str, rating: Rating | None, request=None):
        """Attach a note to the last rating (a newer line for the same answer replaces the older)."""
        import gradio as gr

        note = " ".join((note or "").split())
        if rating is None:
            return "Rate an answer with 👍 or 👎 first.", gr.skip(), gr.skip()
        if not note:
            return "Type a note first.", gr.skip(), gr.skip()
        rating = Rating(rating.id, rating.liked, rating.turn, rating.conversation_id, note)
        FeedbackLog(self.user_folder(request)).add(rating)
        return "Note saved with your rating.", "", rating

    # ---------------------------------------------------------------- pages

    def page_for(self, answer: Answer, choice: str) -> PageView | None:
        """The page view of citation `choice` ("turn:n" or "n") of an answer (or of a refusal's related passage)."""
        number = str(choice).rsplit(":", 1)[-1]
        cited = answer.related if answer.refused else answer.citations
        citation = next((c for c in cited if str(c.n) == number), None)
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
        view.caption = f"[{citation.n}] {view.caption}"
        return view

    def _page_updates(self, view: PageView | None):
        import gradio as gr

        if view is None:
            return gr.update(value=""), gr.update(value="")
        return gr.update(value=page_html(view, uuid.uuid4().hex[:12])), gr.update(value=escape_markdown(view.caption))

    def _turn_of(self, choice: str | None, conversation: Conversation | None) -> tuple[int, str] | None:
        """(turn, "turn:n") of a page request such as "2:1" or "2:1:<nonce>"; None when it names no answer."""
        parts = str(choice or "").split(":")
        if conversation is None or not conversation.turns or not parts[0].isdigit():
            return None
        if len(parts) == 1:  # an old-style "n": the last answer's citation n
            return len(conversation.turns) - 1, f"{len(conversation.turns) - 1}:{parts[0]}"
        number = int(parts[0])
        if not 0 <= number < len(conversation.turns) or not parts[1].isdigit():
            return None
        return number, f"{number}:{parts[1]}"

    def open_source(self, choice: str | None, conversation: Conversation | None):
        """Show the cited page chosen in the selector."""
        found = self._turn_of(choice, conversation)
        if found is None or conversation is None:
            return self._page_updates(None)
        number, value = found
        return self._page_updates(self.page_for(conversation.turns[number].answer, value))

    def open_citation(self, request_value: str | None, conversation: Conversation | None):
        """A [n] in the chat or a source card chosen: that answer's sources, the selector on n and
        the page, scrolled to the highlight in the browser."""
        import gradio as gr

        found = self._turn_of(request_value, conversation)
        if found is None or conversation is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        number, value = found
        answer = conversation.turns[number].answer
        choices = source_choices(answer, number)
        if value not in {v for _, v in choices}:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (sources_html(answer, number),
                gr.update(choices=choices, value=value, visible=True,
                          label=RELATED_PICKER_LABEL if answer.refused else PICKER_LABEL),
                *self._page_updates(self.page_for(answer, value)))

    # ---------------------------------------------------------------- API

    def ask_api(self, question: str, kind: str = "", force: str = "", k: int = 0, written: bool = False) -> dict:
        """Answer a question from the indexed documents, with citations (document, page, quote).

        Parameters:
            question: the question, in full (no chat context)
            kind: only documents of this kind (comma-separated for several): inspection_report,
                pcc_response, force_response, board_paper, news, other
            force: only passages about this force (comma-separated for several), e.g. "Cleveland Police"
            k: passages to draw the answer from; 0 uses the default
            written: a written summary by the configured LLM, every sentence checked against the passage
                it cites (the quoted answer when it fails; ignored when no LLM is configured)
        Returns:
            the `scrutiny ask --json` object: question, answer, refused, citations, related, timings_ms
        """
        import gradio as gr

        def listed(value: str) -> tuple[str, ...]:
            return tuple(part.strip() for part in (value or "").split(",") if part.strip())

        try:
            *_, (answer, _done) = self.service.ask_steps(question, k=int(k) if k else None,
                                                         filters=self._filters(listed(kind), listed(force), ()),
                                                         llm=self.settings.llm.spec if written else "")
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
                progress(0.0, desc=f"Saving {_files(len(files))} …")
            outcomes, staged = self._stage(files, staging)
            if not staged:
                return outcomes
            if progress is not None:
                progress(0.0, desc=f"Reading {_files(len(staged))} …")
            try:
                report = self.service.ingest(list(staged.values()), show_progress=False,
                                             on_progress=_progress_words(progress) if progress is not None else None)
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


def _progress_words(progress) -> Callable[[IngestProgress], None]:
    """An ingest listener that shows each step on Gradio's progress bar in words
    ("Embedding 120 passages: 64 done, 31 passages/s, about 2 s left")."""

    def show(step: IngestProgress) -> None:
        progress(step.fraction, desc=step.words())

    return show


def _progress_handler(method):
    """Wrap a handler so Gradio injects a progress tracker (the ingest tells it each step)."""
    import gradio as gr

    def handler(files, progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a tracker
        return method(files, progress)

    handler.__doc__ = method.__doc__
    return handler


def _with_request(method, extra: dict | None = None):
    """`method` as a Gradio handler that is handed the request (for the signed-in user) and any
    event data named in `extra`; Gradio finds them by their annotations, which must be real
    classes (this module's annotations are strings)."""
    import inspect

    import gradio as gr

    if inspect.isgeneratorfunction(method):  # Gradio streams a handler's yields only from a generator function
        def handler(*args, **kwargs):
            yield from method(*args, **kwargs)
    else:
        def handler(*args, **kwargs):
            return method(*args, **kwargs)

    names = [name for name in inspect.signature(method).parameters]
    parameters = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=None if name == "request" or name in (extra or {}) else inspect.Parameter.empty)
                  for name in names]
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = {"request": gr.Request, **(extra or {})}
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

    def rate(conversation, data=None, request=None):
        return app.rate(conversation, data.index if data else None, data.liked if data else None, request)

    rate.__annotations__ = {"data": gr.LikeData, "request": gr.Request}

    with gr.Blocks(title=f"{APP_TITLE}: inspection reports", analytics_enabled=False,
                   delete_cache=(FILE_CACHE_SECONDS, FILE_CACHE_SECONDS)) as blocks:
        conversation = gr.State(Conversation())
        pending = gr.State("")  # the question being answered
        last_rating = gr.State(None)  # the rating a note is added to
        gr.Markdown(f"## {APP_TITLE}: cited answers from inspection reports and responses")
        gr.Markdown(INTRO, elem_classes=["scrutiny-intro"])
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                ask = build_ask_tab(settings, forces, documents, app.example_questions())
            with gr.Tab("Documents", id="documents"):
                docs = build_documents_tab(app, settings, documents)
            with gr.Tab("Draft a response", id="draft"):
                draft_report = build_draft_tab(service)
            with gr.Tab("Findings", id="findings"):
                build_findings_tab(service)

        page_outputs = [ask.page, ask.page_caption]
        answer_outputs = [ask.chat, conversation, ask.sources, ask.source_picker, *page_outputs,
                          ask.export_md, ask.export_docx, ask.question, ask.notice, ask.saved]
        filters = [ask.kinds, ask.force_filter, ask.document_filter, ask.passages]
        answer_inputs = [pending, ask.chat, conversation, *filters, ask.written]
        ask_handler = _with_request(app.ask_steps)
        private = {"api_visibility": "private"}
        asking = {"concurrency_limit": ask_limit, "concurrency_id": ASK_CONCURRENCY_ID,
                  "show_progress_on": [ask.chat], **private}
        # UI events are private and named, so the public API is just `ask` (under that exact name).
        # A turn is two steps: the question shows at once, then the answer replaces the spinner.
        echo_outputs = [ask.chat, pending, ask.question, ask.notice]
        for name, trigger in (("chat_submit", ask.question.submit), ("chat_click", ask.ask_button.click)):
            trigger(app.echo, [ask.question, ask.chat], echo_outputs, api_name=f"{name}_echo", queue=False,
                    **private).then(ask_handler, answer_inputs, answer_outputs, api_name=name, **asking)
        ask.examples.click(app.use_example, [ask.examples, ask.chat], echo_outputs, api_name="example_echo",
                           queue=False, **private).then(ask_handler, answer_inputs, answer_outputs,
                                                        api_name="example", **asking)
        ask.regenerate.click(_with_request(app.regenerate_steps), [ask.chat, conversation, *filters, ask.written],
                             answer_outputs,
                             api_name="regenerate", **asking)
        ask.edit_last.click(app.edit_last, [ask.chat, conversation], [ask.chat, conversation, ask.question],
                            api_name="edit_last", **private)
        ask.question.change(None, [ask.question], [ask.counter], js=COUNTER_JS, queue=False, **private)
        for chosen in (ask.kinds, ask.force_filter, ask.document_filter):
            chosen.change(app.chips, [ask.kinds, ask.force_filter, ask.document_filter], [ask.chips], queue=False,
                          **private)
        cleared = [*answer_outputs]
        ask.chat.clear(app.new_conversation, None, cleared, api_name="clear_conversation", **private)
        ask.new_chat.click(app.new_conversation, None, cleared, api_name="new_conversation", **private)
        ask.source_picker.input(app.open_source, [ask.source_picker, conversation], page_outputs,
                                api_name="open_source", concurrency_limit=ask_limit,
                                concurrency_id=PAGE_CONCURRENCY_ID, **private)
        ask.cite_request.change(app.open_citation, [ask.cite_request, conversation],
                               [ask.sources, ask.source_picker, *page_outputs], api_name="open_citation",
                               concurrency_limit=ask_limit, concurrency_id=PAGE_CONCURRENCY_ID, **private)
        # saved conversations and feedback
        opened = [ask.chat, conversation, ask.sources, ask.source_picker, *page_outputs, ask.export_md,
                  ask.export_docx, ask.saved_status]
        ask.open_saved.click(_with_request(app.open_conversation), [ask.saved], opened, api_name="open_saved",
                             **private)
        ask.saved.change(_with_request(app.conversation_file), [ask.saved], [ask.export_saved],
                         api_name="conversation_file", **private)
        ask.rename_saved.click(_with_request(app.rename_conversation), [ask.saved, ask.new_title],
                               [ask.saved, ask.new_title, ask.saved_status], api_name="rename_saved", **private)
        ask.delete_saved.click(_with_request(app.delete_conversation), [ask.saved],
                               [ask.saved, ask.saved_status, ask.export_saved], api_name="delete_saved",
                               js="(choice) => (choice && confirm('Delete this saved conversation?')) ? choice : null",
                               **private)
        ask.chat.like(rate, [conversation], [ask.feedback_status, last_rating], api_name="rate", **private)
        ask.feedback_button.click(_with_request(app.add_note), [ask.feedback_note, last_rating],
                                  [ask.feedback_status, ask.feedback_note, last_rating], api_name="feedback_note",
                                  **private)
        # documents, and every list that names them
        refreshed = [docs.table, docs.status, ask.force_filter, ask.document_filter, docs.to_remove, draft_report,
                     docs.details, docs.to_correct]
        docs.add_button.click(_progress_handler(app.upload), [docs.files], [docs.upload_results, docs.files, *refreshed],
                              api_name="upload", show_progress_on=[docs.files], **private)
        docs.remove_button.click(app.remove, [docs.to_remove], [docs.remove_result, *refreshed], api_name="remove",
                                 js=CONFIRM_REMOVE_JS, **private)
        docs.to_correct.change(app.correction_fields, [docs.to_correct], [docs.kind, docs.date, docs.forces],
                               api_name="correction_fields", **private)
        docs.correct_button.click(app.correct, [docs.to_correct, docs.kind, docs.date, docs.forces],
                                  [docs.correct_result, *refreshed], api_name="correct", **private)
        blocks.load(app.refresh, None, refreshed, api_name="refresh_documents", **private)
        blocks.load(_with_request(app.refresh_saved), None, [ask.saved], api_name="refresh_saved", **private)
        blocks.load(app.refresh_examples, None, [ask.examples], api_name="refresh_examples", **private)
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
        "blocked_paths": [str(store.uploads.resolve()), str((store.directory / SNAPSHOTS).resolve()),
                          str((store.directory / SEGMENTS).resolve())],
        "share": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "run_history": False,  # questions are not saved in the browser
        "footer_links": ["api"],
        "show_error": True,
        "css": CSS,
        "js": PAGE_JS,
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
