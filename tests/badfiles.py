"""Factories that write awkward input files into a folder, for the ingest robustness tests.

Each factory takes a directory and returns the path it wrote. The good files carry a few
distinctive words so a test can find them in the index afterwards.
"""

from __future__ import annotations

import random
from pathlib import Path

GOOD_PARAGRAPHS = [
    "Cleveland Police has improved its response to serious and organised crime.",
    "The regional unit should review how it records disruptions against organised crime groups.",
    "Inspectors found a backlog of financial investigations awaiting review by the unit.",
]
SCAN_WORDS = ("INSPECTION", "EVIDENCE", "BACKLOG")  # drawn into the scanned page's image


def write_text_pdf(directory: Path, name: str = "good.pdf", pages: int = 2,
                   paragraphs: list[str] | None = None) -> Path:
    """A small PDF with a real text layer (reportlab), one paragraph set per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = Path(directory) / name
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setTitle("Inspection of serious and organised crime")
    _, height = A4
    for page in range(1, pages + 1):
        y = height - 100
        sheet.setFont("Helvetica-Bold", 16)
        sheet.drawString(72, y, f"Part {page}: findings")
        sheet.setFont("Helvetica", 11)
        for paragraph in paragraphs or GOOD_PARAGRAPHS:
            y -= 30
            sheet.drawString(72, y, paragraph)
        sheet.showPage()
    sheet.save()
    return path


def write_encrypted_pdf(directory: Path, name: str = "locked.pdf", user_password: str = "secret",
                        owner_password: str = "owner-secret", algorithm: str = "AES-256") -> Path:
    """A text PDF encrypted with pypdf's writer (RC4-40, RC4-128, AES-128 or AES-256)."""
    from pypdf import PdfReader, PdfWriter

    plain = write_text_pdf(directory, f".plain-{name}")
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    path = Path(directory) / name
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


def write_truncated_pdf(directory: Path, source: Path, name: str = "truncated.pdf") -> Path:
    """The first half of a real PDF's bytes (a download cut short)."""
    data = Path(source).read_bytes()
    path = Path(directory) / name
    path.write_bytes(data[: len(data) // 2])
    return path


def write_garbage_pdf(directory: Path, name: str = "garbage.pdf", size: int = 4096) -> Path:
    """A `%PDF-` header followed by random bytes."""
    noise = random.Random(7).randbytes(size)
    path = Path(directory) / name
    path.write_bytes(b"%PDF-1.7\n" + noise)
    return path


def write_empty_file(directory: Path, name: str = "empty.pdf") -> Path:
    """A zero-byte file."""
    path = Path(directory) / name
    path.write_bytes(b"")
    return path


def write_html_as_pdf(directory: Path, name: str = "page.pdf") -> Path:
    """A web page saved with a .pdf name (what a browser does when a link is not the PDF)."""
    path = Path(directory) / name
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>Document moved</title></head>"
        "<body><p>The report you asked for has moved.</p></body></html>\n",
        encoding="utf-8",
    )
    return path


def write_random_docx(directory: Path, name: str = "random.docx", size: int = 4096) -> Path:
    """Random bytes named .docx."""
    path = Path(directory) / name
    path.write_bytes(random.Random(11).randbytes(size))
    return path


def write_unsupported(directory: Path, name: str = "notes.xyz") -> Path:
    """A text file with an extension Scrutiny does not read."""
    path = Path(directory) / name
    path.write_text("These notes are in a format nobody supports.\n", encoding="utf-8")
    return path


CP1252_TEXT = (
    "The Commissioner\u2019s response to the \u201cserious and organised crime\u201d inspection.\n\n"
    "The unit spent \u00a312,500 on training \u2013 a rise since last year.\n"
)


def write_cp1252_text(directory: Path, name: str = "windows.txt") -> Path:
    """A Windows-1252 text file with curly quotes, an en dash and a pound sign (not UTF-8)."""
    path = Path(directory) / name
    path.write_bytes(CP1252_TEXT.encode("cp1252"))
    return path


def write_scanned_pdf(directory: Path, name: str = "scanned.pdf", words: tuple[str, ...] = SCAN_WORDS) -> Path:
    """An image-only PDF (no text layer): large words drawn into a picture with PIL."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width_px, height_px = 1240, 1754  # A4 at 150 dpi
    image = Image.new("L", (width_px, height_px), color=255)
    draw = ImageDraw.Draw(image)
    import reportlab

    # Bitstream Vera ships inside reportlab, so the picture looks the same on every machine.
    font = ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"), 64)
    y = 200
    for word in words:
        draw.text((150, y), word, fill=0, font=font)
        y += 150
    path = Path(directory) / name
    sheet = canvas.Canvas(str(path), pagesize=A4)
    page_width, page_height = A4
    sheet.drawImage(ImageReader(image), 0, 0, width=page_width, height=page_height)
    sheet.showPage()
    sheet.save()
    return path


def write_good_text(directory: Path, name: str = "good.txt", marker: str = "") -> Path:
    """A plain UTF-8 text file of a few paragraphs (and an optional marker word)."""
    path = Path(directory) / name
    body = "\n\n".join(GOOD_PARAGRAPHS + ([f"Marker {marker}."] if marker else []))
    path.write_text(body + "\n", encoding="utf-8")
    return path


VOCABULARY = (
    "inspection force regional unit serious organised crime backlog review police commissioner "
    "response capacity training evidence disruption intelligence safeguarding partnership"
).split()


def write_text_corpus(directory: Path, count: int, paragraphs: int = 20, words: int = 60) -> list[Path]:
    """`count` distinct plain-text files of generated prose: bulk for slow-enough ingests."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    chooser = random.Random(count)
    paths = []
    for number in range(count):
        body = [
            " ".join(chooser.choice(VOCABULARY) for _ in range(words)) + f" (file {number}, part {part})."
            for part in range(paragraphs)
        ]
        path = directory / f"generated-{number:04d}.txt"
        path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def load_failing_first(path: Path, limits):
    """A reader whose parser crashes on first.txt (a library bug on one odd file), else the real one.

    Module-level, so the ingester's reader process can be given it by name."""
    from scrutiny.ingest.documents import load_document

    if Path(path).name == "first.txt":
        raise RecursionError("maximum recursion depth exceeded\nwhile parsing an object")
    return load_document(path, limits)


def load_slowly(path: Path, limits):
    """A reader that takes a minute over any file named slow*, else the real one (a parser stuck on a file)."""
    import time

    from scrutiny.ingest.documents import load_document

    if Path(path).name.startswith("slow"):
        time.sleep(60)
    return load_document(path, limits)


def write_docx_bomb(directory: Path, name: str = "bomb.docx", unpacked_mb: int = 144) -> Path:
    """A real .docx whose body is `unpacked_mb` MiB of empty paragraphs: a few hundred KB on disk
    (the probe's was 259 KB holding 144 MiB), thousands of times smaller than it unpacks."""
    import zipfile

    from docx import Document as WordDocument

    template = Path(directory) / f".template-{name}"
    word = WordDocument()
    word.add_paragraph("Inspection of a force.")
    word.save(str(template))
    path = Path(directory) / name
    body = b"<w:p/>" * (1024 * 1024 // 6)  # about 1 MiB of empty paragraphs
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                bomb.writestr(member, source.read(member))
                continue
            xml = source.read(member)
            head, tail = xml.split(b"<w:body>", 1)
            with bomb.open("word/document.xml", "w", force_zip64=True) as handle:
                handle.write(head + b"<w:body>")
                for _ in range(unpacked_mb):
                    handle.write(body)
                handle.write(tail)
    template.unlink()
    return path


def write_big_text(directory: Path, name: str = "big.txt", megabytes: int = 200) -> Path:
    """A plain-text file of `megabytes` MB of ordinary prose (one generated megabyte, repeated)."""
    generator = random.Random(megabytes)
    sentences = []
    size = 0
    while size < 1024 * 1024:
        sentence = " ".join(generator.choice(VOCABULARY) for _ in range(12)).capitalize() + ". "
        sentences.append(sentence)
        size += len(sentence)
    block = "".join(sentences).encode("utf-8")[: 1024 * 1024]
    path = Path(directory) / name
    with path.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
    return path
