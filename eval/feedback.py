"""Users' ratings in the app as eval cases: a thumbs-up answer becomes a known-answer case, a
thumbs-down one a case to review (`scrutiny feedback export`).

A thumbs-up case holds the question as it was answered (a follow-up rewritten), what the answer
must still contain (the first cited quote) and its evidence (every citation's document, page and
quote), in the format of eval/known_answers.jsonl, so `scrutiny eval --cases` runs it. An answer
given with filters is tagged `filtered` and keeps its filters: the runner asks without them.
A thumbs-down case carries the answer given and the user's note, and no evidence: someone who
knows the documents writes what the answer should have said before it joins a known-answer set.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrutiny.app.web.conversations import read_feedback

FEEDBACK_SPLIT = "test"  # written by users, never tuned against


def _filters_set(filters: dict) -> dict:
    return {key: value for key, value in (filters or {}).items() if value and key != "passages"}


def feedback_cases(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """(known-answer cases from thumbs-up, cases to review from thumbs-down), one per rated answer."""
    known: list[dict] = []
    review: list[dict] = []
    for record in records:
        answer = record.get("answer") or {}
        filters = _filters_set(record.get("filters") or {})
        tags = ["feedback", *(["filtered"] if filters else [])]
        case: dict = {"id": f"feedback-{record['id']}", "question": record.get("asked") or record["question"]}
        if filters:
            case["filters"] = filters
        if record.get("note"):
            case["note"] = record["note"]
        citations = answer.get("citations") or []
        if record["rating"] == "up" and not answer.get("refused") and citations:
            case.update({
                "answer_must_include": [[citations[0]["quote"]]],
                "evidence": [{"source": c["source"], "page": c["page"], "quote": c["quote"]} for c in citations],
                "answerable": True, "split": FEEDBACK_SPLIT, "tags": tags,
            })
            known.append(case)
        elif record["rating"] == "up" and answer.get("refused"):
            # a refusal the user agreed with: the documents don't answer it
            case.update({"answer_must_include": [], "evidence": [], "answerable": False,
                         "split": FEEDBACK_SPLIT, "tags": tags})
            known.append(case)
        else:
            case.update({"answer_must_include": [], "evidence": [], "answerable": not answer.get("refused"),
                         "split": FEEDBACK_SPLIT, "tags": [*tags, "to-review"], "answer_given": answer.get("answer", ""),
                         "cited": [{"source": c["source"], "page": c["page"], "quote": c["quote"]} for c in citations]})
            review.append(case)
    return known, review


def export_feedback(data_folder: Path, out: Path, review_out: Path | None = None) -> tuple[int, int, Path]:
    """Write the cases of every user's ratings under `data_folder`; returns (known, to review, review file)."""
    known, review = feedback_cases(read_feedback(data_folder))
    review_out = review_out or out.with_name(f"{out.stem}.review{out.suffix or '.jsonl'}")
    for path, cases in ((out, known), (review_out, review)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases), encoding="utf-8")
    return len(known), len(review), review_out
