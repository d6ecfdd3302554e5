"""Load test of the app: many gradio_client sessions asking through the `ask` API at once.

`run_load(service)` launches the app on a free local port, runs 20 concurrent sessions of 5
questions each (by default) and reports errors and latency percentiles; eval/bench can call it.
The figures describe this machine at this moment: a report, not a pass/fail test.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

# Questions of the kind PCC staff ask; the load test measures serving, not answer quality.
DEFAULT_QUESTIONS = (
    "What did the inspection find about serious and organised crime?",
    "What recommendations were made to the force?",
    "How does the regional organised crime unit work with local forces?",
    "What did the PCC say in response to the inspection?",
    "Were there concerns about financial investigation capacity?",
)
MAX_ERRORS_KEPT = 5


@dataclass
class LoadReport:
    """What a load test measured: request count, errors and end-to-end latency."""

    sessions: int
    questions_per_session: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    wall_s: float
    ask_concurrency: int
    error_messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _session(url: str, questions: list[str], auth) -> tuple[list[float], list[str]]:
    """One client asking its questions in turn; latencies in ms and error messages."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    try:
        client = Client(url, auth=auth, verbose=False)
    except Exception as error:  # noqa: BLE001 - a session that cannot connect counts its questions as errors
        return [], [f"connect: {error}"] * len(questions)
    for question in questions:
        started = time.perf_counter()
        try:
            result = client.predict(question, api_name="/ask")
            if not isinstance(result, dict) or "answer" not in result:
                raise ValueError(f"unexpected reply {str(result)[:80]!r}")
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            errors.append(f"{type(error).__name__}: {error}")
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return latencies, errors


def run_load(service, sessions: int = 20, questions_per_session: int = 5,
             questions: tuple[str, ...] = DEFAULT_QUESTIONS, url: str | None = None) -> LoadReport:
    """Ask `sessions` x `questions_per_session` questions concurrently through the app's API.

    Launches the app over `service` on a free local port unless `url` names a running one,
    and warms the service first, so the figures are those of a running app under load.
    """
    from scrutiny.app.web.app import parse_auth, start_in_background

    blocks = None
    if url is None:
        blocks, url = start_in_background(service)
    auth = parse_auth(service.settings.app.auth)
    # Steady state is measured: the model and index load before the clock starts (start-up
    # is `cold ask` in the benchmark), as they do while a user opens the page.
    service.embedder.warm()
    for question in questions:
        service.ask(question)
    plans = [
        [questions[(s + i) % len(questions)] for i in range(questions_per_session)] for s in range(sessions)
    ]
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            results = list(pool.map(lambda plan: _session(url, plan, auth), plans))
    finally:
        if blocks is not None:
            blocks.close()
    wall = time.perf_counter() - started
    latencies = [ms for session_latencies, _ in results for ms in session_latencies]
    errors = [message for _, session_errors in results for message in session_errors]
    p50, p95, top = (np.percentile(latencies, [50, 95, 100]).tolist() if latencies else [0.0, 0.0, 0.0])
    return LoadReport(
        sessions=sessions, questions_per_session=questions_per_session, requests=sessions * questions_per_session,
        errors=len(errors), p50_ms=round(p50, 1), p95_ms=round(p95, 1), max_ms=round(top, 1), wall_s=round(wall, 2),
        ask_concurrency=service.settings.app.ask_concurrency, error_messages=errors[:MAX_ERRORS_KEPT],
    )


def run_load_test(index: Path, sessions: int = 20, questions_per_session: int = 5) -> dict:
    """`run_load` over the index at `index` with default settings, as a JSON-ready dict (eval/bench)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    return run_load(Scrutiny(Settings(index=Path(index))), sessions, questions_per_session).to_dict()


def main() -> None:
    """`python -m scrutiny.eval.loadtest [INDEX]`: print a load report as JSON."""
    import json
    import sys

    from scrutiny.app.settings import Settings

    index = Path(sys.argv[1]) if len(sys.argv) > 1 else Settings().index
    print(json.dumps(run_load_test(index), indent=2))


if __name__ == "__main__":
    main()
