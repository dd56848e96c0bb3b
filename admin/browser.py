"""Headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) and a local server
for the console: used by `inaam admin screenshots` and the browser tests.

Why: the console is tested and pictured in a real browser, with no browser download: Selenium is
pointed at /usr/bin/chromium and /usr/bin/chromedriver (CHROMIUM / CHROMEDRIVER override them).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask


def chromium_paths() -> tuple[str, str]:
    """(browser, driver) paths.

    Raises:
        FileNotFoundError: Chromium or its driver is not installed (apt install chromium chromium-driver).
    """
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for path in (browser, driver):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found: apt-get install chromium chromium-driver")
    return browser, driver


def make_driver(width: int = 1440, height: int = 1000) -> Any:
    """A headless Chromium WebDriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--lang=en-IN", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Run ``app`` on a free local port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def login(driver: Any, base: str, email: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()


def full_page_screenshot(driver: Any, path: str, width: int) -> None:
    """Resize the window to the page's height, then capture it."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 700)")
    driver.set_window_size(width, min(int(height) + 20, 4000))
    driver.save_screenshot(path)
