"""The coach's view in a real browser: Debian's chromium (headless, --no-sandbox as root) driven by
Selenium through Debian's /usr/bin/chromedriver (no downloads) against a real uvicorn server.

One browser session for the whole flow: pair with the code shown on the mat's own screen, open a
person's progress, change a cap (read back from disk by the product's own reader), open a
session's report, check a screenshot, and check that no request left this server.
"""
import io
import os
import shutil
import threading
import time

import pytest

from .conftest import TOKEN, free_port, headless_chromium, need_browser

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx.*")
ACCENT = (0x00, 0x72, 0xB2)          # the header's colour (static/footmat.css --accent)


class _Server:
    """uvicorn serving the app in a thread, on a free localhost port."""

    def __init__(self, app, port):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=15)


def _browser():
    return headless_chromium(1280, 900, "--metrics-recording-only")


def _loaded(driver, css) -> bool:
    return driver.execute_script(
        "const i = document.querySelector(arguments[0]); return !!i && i.complete && i.naturalWidth > 0;", css)


def test_a_coach_pairs_and_looks_at_progress_a_report_and_changes_a_cap(web_home, session_id, tmp_path):
    need_browser()
    from PIL import Image
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from trainer.sessions import people
    from trainer.web.app import create_app
    from trainer.web.context import make_context

    ctx = make_context(web_home, token=TOKEN)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _Server(create_app(ctx), port):
        driver = _browser()
        try:
            wait = WebDriverWait(driver, 60)
            driver.get(base + "/")                                       # unpaired: sent to the pairing page
            wait.until(lambda d: d.current_url.endswith("/pair"))
            code = driver.find_element(By.ID, "code").text               # the mat's own screen shows it
            assert code.replace(" ", "") == ctx.auth.code()
            assert driver.find_element(By.CSS_SELECTOR, "svg.qr").is_displayed()
            driver.find_element(By.ID, "code-input").send_keys(code)
            driver.find_element(By.ID, "name-input").send_keys("coach's tablet")
            driver.find_element(By.ID, "pair-button").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.people"))
            assert [d["name"] for d in ctx.auth.devices.all().values()] == ["coach's tablet"]

            driver.find_element(By.LINK_TEXT, "ann").click()             # a person's progress
            wait.until(lambda d: d.find_elements(By.ID, "person-name"))
            wait.until(lambda d: _loaded(d, "#progress"))

            Select(driver.find_element(By.ID, "cap-spiral")).select_by_value("4")   # a clinician's cap
            driver.find_element(By.ID, "exclude-one-leg").click()
            driver.find_element(By.ID, "save-caps").click()
            wait.until(lambda d: d.find_elements(By.ID, "saved"))
            person = people.load("ann")                                  # on disk, by the product's reader
            assert person.caps == {"max_level": {"spiral": 4}, "exclude": ["one-leg"]}
            assert Select(driver.find_element(By.ID, "cap-spiral")).first_selected_option.text == "4"

            driver.find_element(By.CSS_SELECTOR, f'a[href="/sessions/{session_id}"]').click()   # a session's report
            wait.until(lambda d: _loaded(d, "#report"))
            assert "stance" in driver.find_element(By.TAG_NAME, "main").text
            width = driver.execute_script("return document.querySelector('#report').naturalWidth")
            assert width == Image.open(web_home / "sessions" / session_id / "report.png").size[0]

            shot = driver.get_screenshot_as_png()
            (tmp_path / "report-page.png").write_bytes(shot)
            if os.environ.get("FOOTMAT_KEEP_SCREENSHOT"):
                shutil.copy(tmp_path / "report-page.png", os.environ["FOOTMAT_KEEP_SCREENSHOT"])
            resources = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)")
        finally:
            driver.quit()
    img = Image.open(io.BytesIO(shot)).convert("RGB")
    w, h = img.size
    assert 1200 <= w <= 1300 and 700 <= h <= 900, img.size
    small = img.resize((w // 4, h // 4))
    colours = small.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 50                                             # not a blank page
    counts = {c: n for n, c in colours}
    accent = sum(n for c, n in counts.items() if all(abs(a - b) <= 6 for a, b in zip(c, ACCENT)))
    assert accent > 0.01 * small.width * small.height                    # the header bar is drawn in its colour
    assert all(r.startswith(base + "/") for r in resources), resources   # nothing from outside this server
    assert [e["what"] for e in ctx.write_log.entries()] == ["pair", "caps"]
