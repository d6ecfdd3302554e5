"""Issue 17 in headless Chromium: one click to the highlighted quote, the force filter, the Draft
tab's list, an error that keeps the evidence, a saved conversation reopened, feedback exported.

Fake embedder (fast); screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import json

import pytest

from scrutiny.app.web.app import start_in_background
from scrutiny.tests.chromium import NEEDS_CHROMIUM, chromium, screenshot
from scrutiny.tests.chromium import wait as chromium_wait

WAIT_S = 90
ANSWER_EVERYTHING = -1e9
HIGHLIGHT_IN_VIEW_JS = """
const view = document.querySelector('#scrutiny-page .page-view');
const mark = view && view.querySelector('.page-highlight, mark');
if (!mark) return null;
const m = mark.getBoundingClientRect(), v = view.getBoundingClientRect();
return {top: m.top, bottom: m.bottom, viewTop: v.top, viewBottom: v.bottom, window: window.innerHeight};
"""

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def browser():
    with chromium("1400,1000") as driver:
        yield driver


@pytest.fixture
def served(fake_corpus_service, corpus_dir):
    fake_corpus_service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    fake_corpus_service.settings.app.source_folders = [corpus_dir]
    blocks, url = start_in_background(fake_corpus_service)
    try:
        yield url, blocks.scrutiny_app
    finally:
        blocks.close()


def wait(driver, seconds=WAIT_S):
    return chromium_wait(driver, seconds)


def ask(driver, question: str) -> None:
    """Type a question, ask it and wait for its sources."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    answers = len(driver.find_elements(By.CSS_SELECTOR, "#scrutiny-chat .message-row, #scrutiny-chat .message"))
    box = wait(driver).until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#scrutiny-question textarea")))
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "scrutiny-ask").click()
    wait(driver).until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#scrutiny-chat .message-row, #scrutiny-chat .message")) > answers + 1)
    wait(driver).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#scrutiny-sources .source-card")))


def open_page(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    driver.get(url)
    wait(driver).until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#scrutiny-question textarea")))


def choose(driver, css: str, text: str) -> None:
    """Pick `text` in a Gradio dropdown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as seen

    field = wait(driver).until(seen.element_to_be_clickable((By.CSS_SELECTOR, f"{css} input")))
    field.click()
    field.send_keys(text)
    wait(driver).until(seen.element_to_be_clickable((By.XPATH, f"//ul//li[contains(., \"{text}\")]")))
    field.send_keys(Keys.ENTER)


def test_clicking_a_marker_shows_its_quote_highlighted_in_view(browser, served):
    from selenium.webdriver.common.by import By

    url, _ = served
    open_page(browser, url)
    ask(browser, "What is the SAR backlog in Cleveland and what did the PCC say about it?")
    links = browser.find_elements(By.CSS_SELECTOR, "#scrutiny-chat a[href*='#cite-0-']")
    assert links, "each [n] in the answer is a link to its page"
    last = links[-1]
    number = last.get_attribute("href").rsplit("-", 1)[-1]
    browser.execute_script("window.scrollTo(0, 0); arguments[0].scrollIntoView({block: 'center'});", last)
    last.click()
    wait(browser).until(lambda d: d.find_element(By.ID, "scrutiny-page-caption").text.startswith(f"[{number}]"))

    def highlight_in_view(driver):
        spot = driver.execute_script(HIGHLIGHT_IN_VIEW_JS)
        return spot if spot and 0 <= spot["top"] and spot["bottom"] <= spot["window"] \
            and spot["viewTop"] <= spot["top"] and spot["bottom"] <= spot["viewBottom"] else None

    assert wait(browser, 20).until(highlight_in_view)
    screenshot(browser, "ui-click-marker.png")
    # a source card opens its page too
    card = browser.find_element(By.CSS_SELECTOR, "#scrutiny-sources .source-card[data-cite='0:1']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", card)
    card.click()
    wait(browser).until(lambda d: d.find_element(By.ID, "scrutiny-page-caption").text.startswith("[1]"))
    assert wait(browser, 20).until(highlight_in_view)


def test_the_force_filter_keeps_other_forces_sections_out(browser, served):
    from selenium.webdriver.common.by import By

    url, _ = served
    open_page(browser, url)
    browser.find_element(By.XPATH, "//button[contains(., 'Filters: which documents')]").click()
    choose(browser, "#scrutiny-force-filter", "Cleveland Police")
    wait(browser).until(lambda d: "Force: Cleveland Police" in d.find_element(By.ID, "scrutiny-chips").text)
    ask(browser, "What did HMICFRS say about the SAR backlog?")
    cards = browser.find_elements(By.CSS_SELECTOR, "#scrutiny-sources .source-card .source-meta")
    assert cards
    for meta in cards:
        assert "Northumbria Police >" not in meta.text and "Durham Constabulary >" not in meta.text


def test_the_draft_list_follows_removals_and_reloads(browser, served, fake_corpus_service):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    url, _ = served
    report = next(row for row in fake_corpus_service.documents() if row["kind"] == "inspection_report")
    open_page(browser, url)
    browser.find_element(By.XPATH, "//button[@role='tab' and contains(., 'Documents')]").click()
    choose(browser, "#scrutiny-remove-choice", report["source"])
    browser.find_element(By.ID, "scrutiny-remove").click()
    wait(browser).until(seen.alert_is_present()).accept()
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "scrutiny-documents-message"), "Removed"))
    for reload in (False, True):
        if reload:
            open_page(browser, url)
        browser.find_element(By.XPATH, "//button[@role='tab' and contains(., 'Draft a response')]").click()
        field = wait(browser).until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#scrutiny-draft-report input")))
        wait(browser).until(lambda d, field=field: report["source"] not in (field.get_attribute("value") or ""))
        field.click()
        options = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "ul[role='listbox'] li")]
        assert options and not any(report["source"] in option for option in options)
        browser.find_element(By.TAG_NAME, "body").click()


def test_a_question_too_long_keeps_the_earlier_evidence_and_the_text(browser, served):
    from selenium.webdriver.common.by import By

    url, _ = served
    open_page(browser, url)
    ask(browser, "What is the SAR backlog in Cleveland?")
    before = browser.find_element(By.ID, "scrutiny-sources").text
    long_question = "Why is the backlog so large? " * 520  # 15,080 characters
    box = browser.find_element(By.CSS_SELECTOR, "#scrutiny-question textarea")
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", box, long_question)
    wait(browser).until(lambda d: "too long" in d.find_element(By.ID, "scrutiny-counter").text)
    browser.find_element(By.ID, "scrutiny-ask").click()
    wait(browser).until(lambda d: "Not asked" in d.find_element(By.ID, "scrutiny-ask-notice").text)
    screenshot(browser, "ui-too-long.png")
    assert browser.find_element(By.ID, "scrutiny-sources").text == before
    assert browser.find_elements(By.CSS_SELECTOR, "#scrutiny-page .page-view")
    assert browser.find_element(By.ID, "scrutiny-export-docx").is_displayed()
    assert box.get_attribute("value").strip() == long_question.strip()
    assert long_question[:60] not in browser.find_element(By.ID, "scrutiny-chat").text


def test_a_saved_conversation_reopens_with_its_sources(browser, served):
    from selenium.webdriver.common.by import By

    url, _ = served
    open_page(browser, url)
    ask(browser, "What is the SAR backlog in Cleveland?")
    sources = browser.find_element(By.ID, "scrutiny-sources").text
    open_page(browser, url)  # a new session, as the next day
    assert not browser.find_elements(By.CSS_SELECTOR, "#scrutiny-sources .source-card")
    browser.find_element(By.XPATH, "//button[contains(., 'Saved conversations')]").click()
    choose(browser, "#scrutiny-saved", "What is the SAR backlog in Cleveland?")
    browser.find_element(By.ID, "scrutiny-open-saved").click()
    wait(browser).until(lambda d: "Opened" in d.find_element(By.ID, "scrutiny-saved-status").text)
    wait(browser).until(lambda d: d.find_element(By.ID, "scrutiny-sources").text == sources)
    assert "What is the SAR backlog in Cleveland?" in browser.find_element(By.ID, "scrutiny-chat").text


def test_a_thumbs_up_becomes_an_eval_case(browser, served, tmp_path):
    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from scrutiny.app.cli import cli
    from scrutiny.eval.runner import load_cases, run_eval

    url, app = served
    open_page(browser, url)
    ask(browser, "What is the SAR backlog in Cleveland?")
    like = browser.find_element(By.CSS_SELECTOR, "#scrutiny-chat button[aria-label='Like'], "
                                                 "#scrutiny-chat button[title='Like']")
    like.click()
    wait(browser).until(lambda d: "saved" in d.find_element(By.ID, "scrutiny-feedback-status").text)
    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(cli, ["feedback", "export", "--out", str(out), "--data", str(app.data_folder)])
    assert result.exit_code == 0, result.output
    cases = load_cases(out)
    assert [case["question"] for case in cases] == ["What is the SAR backlog in Cleveland?"]
    assert json.loads(out.read_text().splitlines()[0])["evidence"]
    assert run_eval(app.service, cases)["metrics"]["cases"] == 1


class FirstPassageWriter:
    """A stand-in LLM that streams, word by word, the first two sentences of passage [1] it was
    given, each citing [1]: whatever the passages are, its sentences hold."""

    def stream(self, messages):
        import re

        from langchain_core.messages import AIMessageChunk

        from scrutiny.ingest.text import split_sentences

        passage = re.search(r'<passage n="1"[^>]*>\n(.*?)\n</passage>', messages[-1].content, re.S)
        assert passage, "the passages reach the model numbered and delimited"
        sentences = [" ".join(s.split()) for s in split_sentences(passage.group(1))][:2]
        for sentence in sentences:
            for word in f"{sentence.rstrip('.')} [1].".split():
                yield AIMessageChunk(content=word + " ")


def test_a_written_summary_streams_into_the_chat_labelled(browser, fake_corpus_service, corpus_dir, monkeypatch):
    from selenium.webdriver.common.by import By

    import scrutiny.app.answering.llm as llm_module

    monkeypatch.setattr(llm_module, "chat_model", lambda spec, settings: FirstPassageWriter())
    monkeypatch.setattr(fake_corpus_service.settings.llm, "spec", "openai:writer")
    fake_corpus_service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    blocks, url = start_in_background(fake_corpus_service)
    try:
        open_page(browser, url)
        box = browser.find_element(By.CSS_SELECTOR, "#scrutiny-written input[type=checkbox]")
        assert not box.is_selected()  # quoted answers stay the default
        box.click()
        ask(browser, "What did HMICFRS say about the SAR backlog in Cleveland?")
        chat = wait(browser).until(lambda d: next(
            (m for m in d.find_elements(By.CSS_SELECTOR, "#scrutiny-chat .message")
             if "Written by openai:writer" in m.text), None))
        assert "[1]" in chat.text and "is writing" not in chat.text
        screenshot(browser, "ui-written-summary.png")
    finally:
        blocks.close()
