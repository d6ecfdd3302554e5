#!/usr/bin/env python
"""Validate eval/known_answers.jsonl against the corpus.

Usage:
    python eval/check_known_answers.py [--file PATH] [--corpus DIR] [-v]

Checks
  * every line is a JSON object with the required keys and types; ids unique
  * answerable cases have evidence and answer groups; unanswerable ones have
    neither and carry the "unanswerable" tag
  * counts: >= 48 cases, >= 10 unanswerable, >= 6 multi_doc cases with
    evidence from the HMICFRS report AND a response, each source covering at
    least one answer group; both splits used and roughly balanced
  * every evidence quote occurs on its cited page (PDF: pypdf text of that
    1-based page; DOCX: one paragraph/table cell; HTML: one block inside
    <article>), after collapsing whitespace and folding curly quotes
  * every answer_must_include group has an alternative in the concatenated
    text of the cited evidence pages, and (stricter) near one of the quotes
Exit status 0 when everything passes, 1 otherwise.  Standalone: needs only
pypdf, python-docx and beautifulsoup4.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "known_answers.jsonl"
DEFAULT_CORPUS = Path("/work/shared/corpus")
if not DEFAULT_CORPUS.is_dir():  # fall back to the copy inside the repo
    DEFAULT_CORPUS = HERE.parent / "data" / "corpus"

REPORT = "hmicfrs-peel-2021-22-north-east-soc-inspection.pdf"
CLEVELAND_RESPONSE = "cleveland-pcc-response-north-east-soc-inspection.docx"
RESPONSES = {
    CLEVELAND_RESPONSE,
    "cambridgeshire-constabulary-board-paper-rocu-inspection-2021.pdf",
    "nottinghamshire-pcc-response-rocu-inspection-2021.pdf",
    "police-professional-2022-12-08-north-east-soc.html",
}
ALLOWED_TAGS = {"keyword", "paraphrase", "numeric", "date", "who", "grade", "list",
                "box", "multi_doc", "unanswerable", "natural"}
SPLITS = {"calibrate", "test"}
MIN_TOTAL, MIN_UNANSWERABLE, MIN_REPORT_PLUS_RESPONSE = 48, 10, 6
QUOTE_WORDS = (5, 15)      # advisory range: outside it -> warning
QUOTE_WORDS_HARD = (3, 25)  # outside it -> error
NEAR = 400                  # chars either side of a quote for the proximity check

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u00ad": "",
})


def norm(text: str) -> str:
    """Fold curly quotes/odd hyphens, collapse whitespace (incl. NBSP), lowercase."""
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip().lower()


class Corpus:
    """Page texts (and paragraph blocks for DOCX/HTML), normalised, cached."""

    def __init__(self, root: Path):
        self.root = root
        self._pages: dict[str, list[str]] = {}
        self._blocks: dict[str, list[str]] = {}

    def _load(self, source: str) -> None:
        path = self.root / source
        if not path.is_file():
            raise FileNotFoundError(path)
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            reader = pypdf.PdfReader(str(path))
            self._pages[source] = [norm(p.extract_text() or "") for p in reader.pages]
            self._blocks[source] = []
        elif suffix == ".docx":
            d = docx.Document(str(path))
            blocks = [p.text for p in d.paragraphs]
            for table in d.tables:
                for row in table.rows:
                    blocks.extend(cell.text for cell in row.cells)
            blocks = [norm(b) for b in blocks if b.strip()]
            self._blocks[source] = blocks
            self._pages[source] = [" ".join(blocks)]
        elif suffix in (".html", ".htm"):
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            article = soup.find("article")
            if article is None:
                raise ValueError(f"{source}: no <article> element")
            blocks = [norm(el.get_text(" ")) for el in
                      article.find_all(["p", "h1", "h2", "h3", "h4", "li", "blockquote"])]
            self._blocks[source] = [b for b in blocks if b]
            self._pages[source] = [norm(article.get_text(" "))]
        else:
            raise ValueError(f"unsupported source type: {source}")

    def pages(self, source: str) -> list[str]:
        if source not in self._pages:
            self._load(source)
        return self._pages[source]

    def page(self, source: str, page: int) -> str:
        pages = self.pages(source)
        if not 1 <= page <= len(pages):
            raise IndexError(f"{source} has {len(pages)} page(s); cited page {page}")
        return pages[page - 1]

    def quote_found(self, source: str, page: int, quote: str) -> bool:
        q = norm(quote)
        if self._blocks.get(source):  # DOCX / HTML: must sit inside one block
            return any(q in b for b in self._blocks[source])
        return q in self.page(source, page)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    corpus = Corpus(args.corpus)
    errors: list[str] = []
    warnings: list[str] = []
    cases: list[dict] = []

    for lineno, line in enumerate(args.file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {lineno}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: invalid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {lineno}: not a JSON object")
            continue
        obj["_line"] = lineno
        cases.append(obj)

    ids = Counter(c.get("id") for c in cases)
    for cid, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {cid!r} ({n} times)")

    report_plus_response = 0
    for c in cases:
        cid = c.get("id", f"line {c['_line']}")

        def err(msg: str) -> None:
            errors.append(f"{cid}: {msg}")

        # ---- shape
        for key, typ in (("id", str), ("question", str), ("answer_must_include", list),
                         ("evidence", list), ("answerable", bool), ("split", str), ("tags", list)):
            if not isinstance(c.get(key), typ):
                err(f"key {key!r} missing or not {typ.__name__}")
        if errors and errors[-1].startswith(f"{cid}: key"):
            continue
        if not re.fullmatch(r"q\d{2,}", c["id"]):
            err("id should look like q01")
        if not c["question"].strip():
            err("empty question")
        if c["split"] not in SPLITS:
            err(f"split {c['split']!r} not in {sorted(SPLITS)}")
        tags = c["tags"]
        bad_tags = set(tags) - ALLOWED_TAGS
        if bad_tags or not tags:
            err(f"bad/empty tags {sorted(bad_tags)}")
        if len(set(tags)) != len(tags):
            err("duplicate tags")
        groups = c["answer_must_include"]
        evidence = c["evidence"]

        if not c["answerable"]:
            if groups or evidence:
                err("unanswerable case must have empty answer_must_include and evidence")
            if "unanswerable" not in tags:
                err("unanswerable case lacks the 'unanswerable' tag")
            if "multi_doc" in tags:
                err("unanswerable case tagged multi_doc")
            continue

        if "unanswerable" in tags:
            err("answerable case tagged 'unanswerable'")
        if not groups:
            err("answerable case with no answer_must_include groups")
        if not evidence:
            err("answerable case with no evidence")
        for g in groups:
            if not (isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)):
                err(f"group {g!r} must be a non-empty list of non-empty strings")

        # ---- evidence
        page_texts: dict[tuple[str, int], str] = {}
        spans: list[tuple[str, int, str, int]] = []  # (source, page, norm quote, position)
        for e in evidence:
            if not isinstance(e, dict) or not {"source", "page", "quote"} <= set(e):
                err(f"evidence entry {e!r} needs source/page/quote")
                continue
            src, page, quote = e["source"], e["page"], e["quote"]
            if not isinstance(page, int) or isinstance(page, bool):
                err(f"{src}: page {page!r} is not an int")
                continue
            if Path(src).suffix.lower() in (".docx", ".html", ".htm") and page != 1:
                err(f"{src}: DOCX/HTML quotes are on page 1 (got {page})")
            try:
                text = corpus.page(src, page)
            except (FileNotFoundError, IndexError, ValueError) as exc:
                err(str(exc))
                continue
            page_texts[(src, page)] = text
            nwords = len(quote.split())
            if not QUOTE_WORDS_HARD[0] <= nwords <= QUOTE_WORDS_HARD[1]:
                err(f"quote has {nwords} words: {quote!r}")
            elif not QUOTE_WORDS[0] <= nwords <= QUOTE_WORDS[1]:
                warnings.append(f"{cid}: quote has {nwords} words (advised {QUOTE_WORDS}): {quote!r}")
            if "\x7f" in quote or "\u2022" in quote:
                err(f"quote contains a bullet marker: {quote!r}")
            if not corpus.quote_found(src, page, quote):
                err(f"quote not found on {src} p{page}: {quote!r}")
                continue
            spans.append((src, page, norm(quote), text.find(norm(quote))))

        # ---- answer groups
        concat = " \n ".join(page_texts.values())
        group_sources: list[set[str]] = []
        for g in groups:
            alts = [norm(a) for a in g]
            if not any(a in concat for a in alts):
                err(f"no alternative of group {g!r} occurs on the cited evidence pages")
            near = any(
                a in page_texts[(s, p)][max(0, pos - NEAR): pos + len(q) + NEAR]
                for s, p, q, pos in spans for a in alts
            )
            if spans and not near:
                err(f"group {g!r} not within {NEAR} chars of any evidence quote")
            group_sources.append({s for (s, p), t in page_texts.items() if any(a in t for a in alts)})

        # ---- multi-document cases
        sources = {e.get("source") for e in evidence if isinstance(e, dict)}
        if "multi_doc" in tags:
            if len(sources) < 2:
                err("tagged multi_doc but evidence comes from one document")
            for s in sources:
                if not any(s in gs for gs in group_sources):
                    err(f"multi_doc: no answer group found in evidence from {s}")
            if REPORT in sources and sources & RESPONSES:
                report_plus_response += 1

    # ---- counts
    answerable = [c for c in cases if c.get("answerable") is True]
    unanswerable = [c for c in cases if c.get("answerable") is False]
    if len(cases) < MIN_TOTAL:
        errors.append(f"only {len(cases)} cases (need >= {MIN_TOTAL})")
    if len(unanswerable) < MIN_UNANSWERABLE:
        errors.append(f"only {len(unanswerable)} unanswerable cases (need >= {MIN_UNANSWERABLE})")
    if report_plus_response < MIN_REPORT_PLUS_RESPONSE:
        errors.append(f"only {report_plus_response} report+response multi_doc cases "
                      f"(need >= {MIN_REPORT_PLUS_RESPONSE})")
    cited = {e["source"] for c in answerable for e in c["evidence"] if isinstance(e, dict) and "source" in e}
    for f in sorted(p.name for p in args.corpus.iterdir() if p.is_file()):
        if f not in cited:
            errors.append(f"corpus document never cited: {f}")
    split_counts = Counter(c.get("split") for c in cases)
    for s in SPLITS:
        share = split_counts[s] / max(1, len(cases))
        if not 0.4 <= share <= 0.6:
            errors.append(f"split {s!r} has {split_counts[s]}/{len(cases)} cases (want 40-60%)")
        n_una = sum(1 for c in unanswerable if c.get("split") == s)
        if n_una < 3:
            errors.append(f"split {s!r} has only {n_una} unanswerable cases")
    tag_split = Counter((t, c.get("split")) for c in cases for t in c.get("tags", []))
    for t in ALLOWED_TAGS:
        total = tag_split[(t, "calibrate")] + tag_split[(t, "test")]
        if total == 0:
            errors.append(f"tag {t!r} never used")
        elif total >= 2 and (tag_split[(t, "calibrate")] == 0 or tag_split[(t, "test")] == 0):
            errors.append(f"tag {t!r} appears in only one split")

    # ---- summary
    print(f"{args.file}: {len(cases)} cases, {len(answerable)} answerable, "
          f"{len(unanswerable)} unanswerable, {report_plus_response} report+response multi_doc")
    print("split:", dict(sorted(split_counts.items())),
          "| unanswerable by split:", dict(sorted(Counter(c.get('split') for c in unanswerable).items())))
    if args.verbose:
        print("tag         calibrate  test")
        for t in sorted(ALLOWED_TAGS):
            print(f"  {t:<12}{tag_split[(t, 'calibrate')]:>6}{tag_split[(t, 'test')]:>6}")
        by_src = Counter(e["source"] for c in answerable for e in c["evidence"])
        for s, n in sorted(by_src.items()):
            print(f"  evidence from {s}: {n}")
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"FAILED ({len(errors)} errors)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
