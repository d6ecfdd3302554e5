"""The app as a PCC officer sees it: headless Chromium driven by selenium.

Screenshots go to tests/artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import time

import pytest

from scrutiny.app.web.app import start_in_background
from scrutiny.index.embedder import HashingEmbedder
from scrutiny.tests import badfiles
from scrutiny.tests.chromium import NEEDS_CHROMIUM, chromium, screenshot
from scrutiny.tests.chromium import wait as chromium_wait

WINDOW = "1500,2100"  # tall enough for the answer, its sources and the cited page in one screenshot
PAGE_LOAD_S = 60
ANSWER_S = 180  # a cold real model on a shared 2-core machine
EMBED_PAUSE_S = 5  # long enough for the page to show the step, on a slow machine too

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium with a fresh profile for this module's tests."""
    with chromium(WINDOW) as driver:
        yield driver


def wait(driver, seconds=PAGE_LOAD_S):
    return chromium_wait(driver, seconds)


@pytest.mark.slow
def test_a_question_shows_its_citations_with_page_numbers_and_the_cited_page(browser, real_service, corpus_dir):
    from docx import Document as WordDocument
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    from scrutiny.eval.runner import default_cases_path, load_cases

    case = next(c for c in load_cases(default_cases_path()) if c["answerable"])
    expected = real_service.ask(case["question"])  # what the page must show (and a warm model)
    assert expected.citations, "the real index should answer the first answerable eval case"
    folders = real_service.settings.app.source_folders
    real_service.settings.app.source_folders = [corpus_dir]  # where the original PDFs are
    blocks, url = start_in_background(real_service)
    try:
        browser.get(url)
        box = wait(browser).until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#scrutiny-question textarea")))
        box.send_keys(case["question"])
        browser.find_element(By.ID, "scrutiny-ask").click()
        wait(browser, ANSWER_S).until(
            seen.presence_of_element_located((By.CSS_SELECTOR, "#scrutiny-sources .source-card")))
        wait(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#scrutiny-page .page-view img")))
        panel = browser.find_element(By.ID, "scrutiny-sources").text
        for citation in expected.citations:
            assert f"[{citation.n}]" in panel and f"page {citation.page}" in panel
            assert citation.title in panel
        assert browser.find_elements(By.CSS_SELECTOR, "#scrutiny-sources mark")
        caption = browser.find_element(By.ID, "scrutiny-page-caption").text
        assert f"PDF page {expected.citations[0].page} " in caption and "highlighted" in caption
        chat = browser.find_element(By.ID, "scrutiny-chat").text
        assert "[1]" in chat
        assert screenshot(browser, "ui-answer.png").stat().st_size > 0

        browser.find_element(By.ID, "scrutiny-export-docx").click()
        wait(browser).until(lambda _: list(browser.downloads.glob("*.docx")))
        word = next(browser.downloads.glob("*.docx"))
        text = "\n".join(p.text for p in WordDocument(str(word)).paragraphs)
        assert all(f"page {citation.page}" in text for citation in expected.citations)
    finally:
        blocks.close()
        real_service.settings.app.source_folders = folders


def test_an_encrypted_pdf_upload_is_reported_with_its_reason(browser, fake_corpus_service, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    locked = badfiles.write_encrypted_pdf(tmp_path, "locked-inspection.pdf")
    blocks, url = start_in_background(fake_corpus_service)
    try:
        browser.get(url)
        tab = wait(browser).until(seen.element_to_be_clickable(
            (By.XPATH, "//button[@role='tab' and contains(., 'Documents')]")))
        tab.click()
        chooser = wait(browser).until(
            seen.presence_of_element_located((By.CSS_SELECTOR, "#scrutiny-upload input[type=file]")))
        chooser.send_keys(str(locked))
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "scrutiny-upload"), locked.stem))
        browser.find_element(By.ID, "scrutiny-add").click()
        failure = wait(browser, ANSWER_S).until(
            seen.visibility_of_element_located((By.CSS_SELECTOR, "#scrutiny-upload-results .failed")))
        assert locked.name in failure.text and "encrypted" in failure.text
        assert locked.name not in [row["source"] for row in fake_corpus_service.documents()]
        assert screenshot(browser, "ui-upload-failure.png").stat().st_size > 0
    finally:
        blocks.close()


def test_removing_a_document_asks_first(browser, fake_corpus_service):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as seen

    target = fake_corpus_service.documents()[0]
    count = len(fake_corpus_service.documents())
    blocks, url = start_in_background(fake_corpus_service)
    try:
        browser.get(url)
        wait(browser).until(seen.element_to_be_clickable(
            (By.XPATH, "//button[@role='tab' and contains(., 'Documents')]"))).click()
        chooser = wait(browser).until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#scrutiny-remove-choice input")))
        chooser.click()
        chooser.send_keys(target["source"])
        wait(browser).until(seen.element_to_be_clickable((By.XPATH, f"//li[contains(., '{target['source']}')]")))
        chooser.send_keys(Keys.ENTER)
        for accept in (False, True):
            browser.find_element(By.ID, "scrutiny-remove").click()
            alert = wait(browser).until(seen.alert_is_present())
            alert.accept() if accept else alert.dismiss()
            wait(browser).until(seen.text_to_be_present_in_element(
                (By.ID, "scrutiny-documents-message"), "Removed" if accept else "Nothing removed"))
            assert len(fake_corpus_service.documents()) == (count - 1 if accept else count)
        assert target["source"] not in [row["source"] for row in fake_corpus_service.documents()]
    finally:
        blocks.close()


class SlowFakeEmbedder(HashingEmbedder):
    """The fake embedder, slow enough for the page to show the embedding step."""

    def encode(self, texts, progress=None):
        time.sleep(EMBED_PAUSE_S)
        return super().encode(texts, progress)


def test_an_upload_shows_its_progress_in_words(browser, fake_settings, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    from scrutiny.app.service import Scrutiny

    service = Scrutiny(fake_settings, embedder=SlowFakeEmbedder())
    notes = tmp_path / "notes.txt"
    notes.write_text("The unit must improve how it records disruptions of organised crime groups.\n")
    blocks, url = start_in_background(service)
    try:
        browser.get(url)
        wait(browser).until(seen.element_to_be_clickable(
            (By.XPATH, "//button[@role='tab' and contains(., 'Documents')]"))).click()
        chooser = wait(browser).until(
            seen.presence_of_element_located((By.CSS_SELECTOR, "#scrutiny-upload input[type=file]")))
        chooser.send_keys(str(notes))
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "scrutiny-upload"), notes.stem))
        browser.find_element(By.ID, "scrutiny-add").click()
        wait(browser).until(lambda page: "Embedding 1 passage: 0 done" in page.find_element(By.TAG_NAME, "body").text)
        assert screenshot(browser, "ui-upload-progress.png").stat().st_size > 0
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "scrutiny-upload-results"), "1 of 1 file(s) indexed"))
    finally:
        blocks.close()
