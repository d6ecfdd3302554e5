"""Files read in a child process that can be stopped: a time and memory budget per file.

A parser can run away on a hostile file (a .docx that unpacks to gigabytes, a PDF whose page
tree never ends) where no check before parsing can see it. Each file is therefore read in a
child process with a time budget: a file over it is refused and the child killed, and the
next file is read by a fresh child. The child's address space is capped too, so a file that
needs more memory than the budget fails on its own instead of growing the server.

The child is started with "spawn", so it holds nothing of the parent (no embedding model, no
threads) and imports only the readers. It exits with its parent: on Linux the kernel kills it
when the parent dies (`kill -9` included).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from scrutiny.ingest.documents import load_document
from scrutiny.ingest.limits import BYTES_PER_MB, ReadingLimits
from scrutiny.ingest.records import Document, UnreadableDocument

DocumentReader = Callable[[Path, ReadingLimits], Document]

PR_SET_PDEATHSIG = 1  # prctl option: a signal for this process when its parent dies (Linux)
STOP_SECONDS = 5.0  # how long a child is given to exit after its pipe closes


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _cap_memory(memory_bytes: int) -> None:
    """Cap this process's address space, so a runaway parser gets MemoryError."""
    if not memory_bytes:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time budget still holds


def _serve(connection: Connection, read: DocumentReader, limits: ReadingLimits, memory_bytes: int) -> None:
    """The child: read each path sent, answer with ("ok", Document) or (kind, reason)."""
    # Ctrl-C reaches the whole process group: the parent reports it, the child just stops
    # when the parent closes the pipe or dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _cap_memory(memory_bytes)
    while True:
        try:
            path = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple = ("ok", read(Path(path), limits))
        except UnreadableDocument as error:
            reply = ("unreadable", str(error))
        except MemoryError:
            reply = ("memory", "")
        except OSError as error:
            reply = ("os", error.strerror or str(error))
        except Exception as error:  # noqa: BLE001 - a parser bug on one file must not stop the batch
            reply = ("bug", f"{type(error).__name__}: {error}")
        try:
            try:
                connection.send(reply)
            except MemoryError:
                connection.send(("memory", ""))
        except OSError:  # the parent has gone (interrupted, or it stopped waiting)
            return


class IsolatedReader:
    """Reads files into Documents in a child process, each within a time and memory budget.

    `read(path)` raises what `load_document` raises (UnreadableDocument, OSError), plus
    UnreadableDocument for a file over its budget. Use as a context manager; the child is
    started on the first read and replaced after one is killed. `reader` is what the child
    runs: a module-level function, since it is sent to the child by name.
    """

    def __init__(self, limits: ReadingLimits, seconds: float, memory_mb: float,
                 reader: DocumentReader = load_document):
        if seconds <= 0:
            raise ValueError("the time budget per file must be positive")
        self.reader = reader
        self.limits = limits
        self.seconds = seconds
        self.memory_mb = memory_mb
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def _start(self) -> Connection:
        if self._connection is not None and self._process is not None and self._process.is_alive():
            return self._connection
        self.close()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve, args=(child_end, self.reader, self.limits, int(self.memory_mb * BYTES_PER_MB)),
            name="scrutiny-reader", daemon=True,
        )
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        return parent_end

    def read(self, path: Path) -> Document:
        """The file as a Document, read in the child within the budget."""
        connection = self._start()
        connection.send(str(path))
        if not connection.poll(self.seconds):
            self.close(kill=True)
            raise UnreadableDocument(
                f"reading it took longer than {self.seconds:g} s (SCRUTINY_INGEST__FILE_SECONDS); "
                f"the file may be malformed, or raise the limit for a very large file"
            )
        try:
            kind, value = connection.recv()
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            self.close(kill=True)
            raise UnreadableDocument(
                f"the reader stopped while reading it (exit code {code}); the file may be malformed or need "
                f"more than {self.memory_mb:g} MB of memory (SCRUTINY_INGEST__FILE_MEMORY_MB)"
            ) from None
        if kind == "ok":
            return value
        if kind == "os":
            raise OSError(value)
        if kind == "memory":
            self.close(kill=True)  # a child that ran out of memory is not trusted with the next file
            raise UnreadableDocument(
                f"reading it needs more than {self.memory_mb:g} MB of memory (SCRUTINY_INGEST__FILE_MEMORY_MB)"
            )
        if kind == "bug":
            raise UnreadableDocument(f"could not be read ({value}); check the file opens")
        raise UnreadableDocument(value)

    def close(self, kill: bool = False) -> None:
        """Stop the child: at once when `kill`, else by closing its pipe."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()
        if process is None:
            return
        if kill:
            process.kill()
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
