"""Documents: upload/download and text-extraction throughput on a 10 MB PDF, and how much the search index grows
per 1,000 attached documents. Prints figures; not a test.

    .venv/bin/python bench/documents.py                 # 10 MB PDF, 1,000 documents of 4 pages
    .venv/bin/python bench/documents.py --pdf-mb 10 --documents 1000 --pages 4 --repeat 3

1. Builds a PDF of about --pdf-mb MB with pypdf: text pages (40 lines of Dutch-looking prose each, uncompressed
   content streams, like a long report) up to about 60% of the size, the rest one incompressible stream (like
   the scanned images in a real report).
2. Times, --repeat times (best and median): the checks and extraction alone (sniff + pypdf text of every page),
   a whole upload through the form (POST multipart as staff: CSRF, checks, extraction, temp file + fsync +
   rename, rows, commit, outbox), and a download (GET, streamed from DOCUMENTS_DIR).
3. Builds the search index for the same practices without documents, then with --documents attached documents of
   --pages pages (about 4,200 characters of text each; rows written directly, then `flask search reindex`), and
   prints the size of the index directory before and after.
SQLite in a temporary folder; the machine is shared, so compare runs rather than trusting absolute numbers.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "jeugdhulp",
    "wachtlijst",
    "gemeente",
    "regio",
    "jongeren",
    "gezin",
    "ouders",
    "school",
    "wijkteam",
    "zorgaanbieder",
    "evaluatie",
    "resultaat",
    "thuiszitter",
    "pleegzorg",
    "gezinshuis",
    "doorbraak",
    "samenwerking",
    "financiering",
    "transformatie",
    "casus",
    "professional",
    "onderwijs",
    "toegang",
    "verwijzing",
    "huisarts",
    "praktijkondersteuner",
    "jeugdbescherming",
    "veiligheid",
    "participatie",
    "cliëntervaring",
    "monitor",
    "indicator",
    "nulmeting",
    "streefwaarde",
    "aanpak",
    "methodiek",
    "training",
    "coaching",
]


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def big_pdf(target_mb: float, seed: int = 1) -> tuple[bytes, int]:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    rng = random.Random(seed)
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    text_budget = int(target_mb * 1024 * 1024 * 0.6)
    used, pages = 0, 0
    while used < text_budget:
        page = writer.add_blank_page(width=595, height=842)
        ops = ["BT", "/F1 9 Tf", "11 TL", "40 800 Td"]
        for _ in range(40):
            ops.append(f"({prose(rng, 14)}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        data = "\n".join(ops).encode("latin-1", "replace")
        stream.set_data(data)
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        used += len(data)
        pages += 1
    out = io.BytesIO()
    writer.write(out)
    padding = int(target_mb * 1024 * 1024) - out.tell()
    if padding > 0:
        junk = DecodedStreamObject()
        junk.set_data(os.urandom(padding))
        writer._root_object[NameObject("/Padding")] = writer._add_object(junk)
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue(), pages


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-mb", type=float, default=10)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import select

    from exchange import create_app
    from exchange.documents import extraction, sniffing
    from exchange.documents.models import Document, DocumentPage, Kind
    from exchange.extensions import db
    from exchange.practices import services as practice_services
    from exchange.reference.models import CyclePhase, Region, Theme
    from exchange.reference.seeding import load_reference, read_reference_file
    from tests import world
    from tests.web import login

    pdf, pdf_pages = big_pdf(args.pdf_mb)
    mb = len(pdf) / (1024 * 1024)
    print(f"PDF: {mb:.1f} MB, {pdf_pages} text pages")

    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        base = Path(tmp)
        app = create_app(
            "config.TestConfig",
            INSTANCE_PATH=str(base / "instance"),
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{base / 'bench.db'}",
            SEARCH_INDEX_DIR=str(base / "index"),
            MAIL_FOLDER=str(base / "mail"),
            WTF_CSRF_ENABLED=True,
        )
        with app.app_context():
            db.create_all()
            load_reference(read_reference_file())
            db.session.commit()
            cast = world.build_cast()
            region = db.session.scalar(select(Region).where(Region.code == cast.region.code))
            theme = db.session.scalar(select(Theme).order_by(Theme.id))
            phase = db.session.scalar(select(CyclePhase).order_by(CyclePhase.position))
            practices = []
            for i in range(max(1, args.documents // 20) + 1):
                made = practice_services.create_practice(
                    cast.staff,
                    region,
                    practice_services.PracticeData(
                        title=f"Praktijk {i}",
                        summary="Samen werken aan minder wachttijd.",
                        themes=[theme],
                        phase=phase,
                    ),
                )
                practice_services.publish_practice(cast.staff, made)
                practices.append(made.id)
            db.session.commit()
            staff_email = cast.staff.email
        runner = app.test_cli_runner()
        assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0

        # 1. checks + extraction only
        def extract():
            sniffed = sniffing.sniff(pdf)
            extraction.extract(pdf, sniffed.media_type)

        with app.app_context():
            t = timed(extract, args.repeat)
        print(
            f"checks + extraction: best {min(t):.2f} s, median {statistics.median(t):.2f} s "
            f"= {mb / min(t):.1f} MB/s, {pdf_pages / min(t):.0f} pages/s"
        )

        # 2. upload through the form, 3. download
        client = app.test_client()
        with app.app_context():
            login(client, staff_email)
        uploads, downloads = [], []
        for i in range(args.repeat):
            content = pdf + f"%{i:04d}\n".encode()  # a different checksum each time (a comment after %%EOF)
            path = f"/praktijken/{practices[0]}/documenten/nieuw"
            token = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text
            ).group(1)
            start = time.perf_counter()
            answer = client.post(
                path,
                data={
                    "csrf_token": token,
                    "title": f"Evaluatie {i}",
                    "kind": "evaluatie",
                    "document_date": "2021-11-01",
                    "language": "nl",
                    "file": (io.BytesIO(content), "evaluatie.pdf"),
                },
                content_type="multipart/form-data",
            )
            uploads.append(time.perf_counter() - start)
            assert answer.status_code == 302, answer.text[:2000]
            with app.app_context():
                document_id = db.session.scalar(select(Document.id).order_by(Document.id.desc()))
            start = time.perf_counter()
            got = client.get(f"/praktijken/{practices[0]}/documenten/{document_id}/bestand")
            body = got.get_data()
            got.close()
            downloads.append(time.perf_counter() - start)
            assert body == content
        print(
            f"upload (POST, checks, extraction, store, commit, index): best {min(uploads):.2f} s, median "
            f"{statistics.median(uploads):.2f} s = {mb / min(uploads):.1f} MB/s"
        )
        print(
            f"download (GET, streamed): best {min(downloads) * 1000:.0f} ms, median "
            f"{statistics.median(downloads) * 1000:.0f} ms = {mb / min(downloads):.0f} MB/s"
        )

        # 4. index growth per N documents
        with app.app_context():
            db.session.execute(DocumentPage.__table__.delete())
            db.session.execute(Document.__table__.delete())
            db.session.commit()
        assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
        before = dir_size(base / "index")
        rng = random.Random(7)
        with app.app_context():
            for n in range(args.documents):
                practice_id = practices[n // 20]
                document = Document(
                    practice_id=practice_id,
                    title=f"Rapport {n}",
                    kind=Kind.EVALUATION,
                    document_date=date(2021, 1, 1),
                    language="nl",
                    filename=f"rapport-{n}.pdf",
                    media_type="application/pdf",
                    size=1000,
                    sha256=f"{n:064x}",
                    paged=True,
                    pages=[DocumentPage(number=p + 1, text=prose(rng, 400)) for p in range(args.pages)],
                )
                db.session.add(document)
            app.config["SEARCH_APPLY_ON_COMMIT"] = False
            db.session.commit()
            chars = sum(len(t) for (t,) in db.session.execute(select(DocumentPage.text)))
        start = time.perf_counter()
        assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
        took = time.perf_counter() - start
        after = dir_size(base / "index")
        growth = (after - before) / args.documents * 1000
        print(
            f"index: {before / 1024:.0f} kB without documents, {after / 1024:.0f} kB with {args.documents} "
            f"documents of {args.pages} pages ({chars / args.documents:.0f} characters each); growth "
            f"{growth / (1024 * 1024):.2f} MB per 1,000 documents; full reindex {took:.1f} s"
        )


if __name__ == "__main__":
    main()
