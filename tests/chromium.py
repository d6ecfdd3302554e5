"""Headless Chromium for the browser tests: one driver per module, screenshots for a person to look at."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # gitignored
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")

# What a browser test module sets as its pytestmark: marked, and skipped with the reason where
# Chromium is absent.
NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="needs /usr/bin/chromium and /usr/bin/chromedriver "
                              "(apt-get install -y chromium chromium-driver)"),
]


@contextmanager
def chromium(window: str) -> Iterator:
    """A headless Chromium with a fresh profile, its downloads saved to `driver.downloads`."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--window-size={window}"):
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="scrutiny-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        downloads = Path(profile) / "downloads"
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
        driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)),
                                  options=options)
        driver.downloads = downloads  # type: ignore[attr-defined]  # an attribute of our own, read by the tests
        try:
            yield driver
        finally:
            driver.quit()


def wait(driver, seconds: float):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds)


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path
