"""What the app keeps for a user: conversations (each answer with its sources) and feedback.

Both live in the app's data folder (`settings.app.data_folder`), one subfolder per signed-in
user (`local` without sign-in):

    <data folder>/<user>/conversations/<id>.json   one conversation, rewritten after each turn
    <data folder>/<user>/feedback.jsonl            one line per rating or note, appended

A conversation file holds every turn's question, the question as answered (follow-ups
rewritten), the filters and the whole answer with its citations, so a reopened conversation
shows the same sources. `scrutiny feedback export` (eval/feedback.py) reads the feedback lines.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from scrutiny.app.records import Answer
from scrutiny.index.atomic import write_atomically

LOCAL_USER = "local"
TITLE_CHARS = 80
CONVERSATIONS = "conversations"
FEEDBACK_FILE = "feedback.jsonl"
CONVERSATION_ID = re.compile(r"^[0-9a-f]{12}$")


def user_folder(data_folder: Path, user: str | None) -> Path:
    """The folder of one user's conversations and feedback (a safe name made of the user name)."""
    name = re.sub(r"[^\w.-]", "_", user or LOCAL_USER).strip("._") or LOCAL_USER
    return Path(data_folder).expanduser() / name


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Turn:
    """One question and its answer, with what it was asked with."""

    question: str  # as typed
    asked: str  # as answered: a follow-up rewritten as a standalone question
    answer: Answer
    filters: dict = field(default_factory=dict)  # kinds, forces, documents, passages

    def to_record(self) -> dict:
        return {"question": self.question, "asked": self.asked, "filters": self.filters,
                "answer": self.answer.to_dict()}

    @classmethod
    def from_record(cls, record: dict) -> Turn:
        return cls(record["question"], record.get("asked") or record["question"],
                   Answer.from_dict(record["answer"]), dict(record.get("filters") or {}))


@dataclass
class Conversation:
    """One chat: its turns in order; the last turn's question is what a follow-up builds on."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str = ""
    created: str = field(default_factory=_now)
    turns: list[Turn] = field(default_factory=list)
    exports: tuple[str, str] | None = None  # the last answer's Markdown and Word files

    @property
    def previous_question(self) -> str:
        return self.turns[-1].asked if self.turns else ""

    @property
    def answer(self) -> Answer | None:
        """The last answer (None before the first)."""
        return self.turns[-1].answer if self.turns else None

    def with_turn(self, turn: Turn) -> Conversation:
        """A copy with `turn` added (the state of the browser session is never changed in place)."""
        return Conversation(self.id, self.title or turn.question[:TITLE_CHARS], self.created, [*self.turns, turn])

    def without_last_turn(self) -> Conversation:
        return Conversation(self.id, self.title, self.created, self.turns[:-1])

    def history(self, reply) -> list[dict]:
        """The chat's messages: each turn's question and `reply(turn_number, turn)`."""
        messages: list[dict] = []
        for number, turn in enumerate(self.turns):
            messages.append({"role": "user", "content": turn.question})
            messages.append({"role": "assistant", "content": reply(number, turn)})
        return messages

    def to_record(self) -> dict:
        return {"id": self.id, "title": self.title, "created": self.created, "updated": _now(),
                "turns": [turn.to_record() for turn in self.turns]}

    @classmethod
    def from_record(cls, record: dict) -> Conversation:
        return cls(record["id"], record.get("title", ""), record.get("created", ""),
                   [Turn.from_record(turn) for turn in record.get("turns", [])])


class ConversationStore:
    """A user's saved conversations: listed, saved, renamed, opened and deleted by id."""

    def __init__(self, folder: Path):
        self.folder = Path(folder) / CONVERSATIONS

    def _path(self, conversation_id: str) -> Path:
        if not CONVERSATION_ID.match(conversation_id or ""):
            raise ValueError(f"'{conversation_id}' is not a conversation id")
        return self.folder / f"{conversation_id}.json"

    def save(self, conversation: Conversation) -> None:
        """Write the conversation (atomically: a crash leaves the previous version)."""
        if not conversation.turns:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(conversation.id)
        text = json.dumps(conversation.to_record(), ensure_ascii=False)
        write_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))

    def listing(self) -> list[tuple[str, str]]:
        """(label, id) of each saved conversation, most recently changed first."""
        if not self.folder.is_dir():
            return []
        rows = []
        for path in self.folder.glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            turns = len(record.get("turns", []))
            label = f"{record.get('title') or 'Untitled'} ({turns} question{'s' if turns != 1 else ''}, " \
                    f"{(record.get('updated') or '')[:16].replace('T', ' ')})"
            rows.append((path.stat().st_mtime, label, record.get("id", path.stem)))
        return [(label, conversation_id) for _, label, conversation_id in sorted(rows, reverse=True)]

    def open(self, conversation_id: str) -> Conversation:
        """A saved conversation; ValueError when there is none with that id."""
        path = self._path(conversation_id)
        try:
            return Conversation.from_record(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as error:
            raise ValueError(f"conversation {conversation_id} cannot be opened ({error})") from error

    def rename(self, conversation_id: str, title: str) -> Conversation:
        title = " ".join((title or "").split())[:TITLE_CHARS]
        if not title:
            raise ValueError("type a new name first")
        conversation = self.open(conversation_id)
        conversation.title = title
        self.save(conversation)
        return conversation

    def delete(self, conversation_id: str) -> None:
        self._path(conversation_id).unlink(missing_ok=True)


@dataclass
class Rating:
    """A user's thumbs up or down on one answer, with an optional note."""

    id: str
    liked: bool
    turn: Turn
    conversation_id: str
    note: str = ""

    def to_record(self) -> dict:
        return {"id": self.id, "time": _now(), "rating": "up" if self.liked else "down", "note": self.note,
                "conversation": self.conversation_id, "question": self.turn.question, "asked": self.turn.asked,
                "filters": self.turn.filters, "answer": self.turn.answer.to_dict()}


class FeedbackLog:
    """A user's ratings as JSON lines; a later line with the same id replaces an earlier one."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FEEDBACK_FILE

    def add(self, rating: Rating) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(rating.to_record(), ensure_ascii=False) + "\n")


def read_feedback(data_folder: Path) -> list[dict]:
    """Every user's ratings under a data folder, the latest line of each rating id, oldest first."""
    latest: dict[str, dict] = {}
    for path in sorted(Path(data_folder).expanduser().glob(f"*/{FEEDBACK_FILE}")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("id") and record.get("rating") in ("up", "down"):
                latest.pop(record["id"], None)
                latest[record["id"]] = {**record, "user": path.parent.name}
    return list(latest.values())
