"""What a coach sees on the pages (in-process, no browser): the links between them, the save
confirmation where the page opens after a save, and wide tables in their own scroller."""
import pytest

from trainer.sessions import people

from .conftest import TOKEN

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx.*")
HTML = {"authorization": f"Bearer {TOKEN}", "accept": "text/html"}


def test_after_saving_caps_the_confirmation_is_in_the_programme_section_the_page_opens_at(client):
    r = client.post("/people/ann/caps", headers=HTML, data={"max_spiral": "3"})
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=caps#programme")
    assert people.load("ann").caps["max_level"] == {"spiral": 3}              # read back by the product
    page = client.get(r.headers["location"].split("#")[0], headers=HTML).text
    assert page.index('id="programme"') < page.index('id="saved"') < page.index('id="caps-form"')
    assert "Saved the caps." in page


def test_a_sessions_person_links_to_their_page_and_the_report_to_its_full_size(client, session_id):
    page = client.get(f"/sessions/{session_id}", headers=HTML).text
    assert '<a href="/people/ann">ann</a>' in page
    assert f'<a href="/sessions/{session_id}/report.png" title="Open the report at full size"><img id="report"' in page
    assert "<h1>stance · ann" in page
    home = client.get("/", headers=HTML).text
    assert '<a href="/people/ann">ann</a>' in home and '<div class="scroll"><table class="sessions">' in home
    assert '<a href="/live">Live</a>' in home


def test_times_are_the_mats_local_time(client, session_id, monkeypatch):
    import time

    from trainer.sessions.format import load_meta

    started = load_meta(client.app.state.ctx.home / "sessions" / session_id)["started_at"]    # UTC, "…Z"
    monkeypatch.setenv("TZ", "Asia/Kolkata")                    # UTC+05:30, no summer time
    time.tzset()
    try:
        page = client.get(f"/sessions/{session_id}", headers=HTML).text
        listing = client.get("/sessions", headers=HTML).text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    from datetime import datetime, timedelta

    local = datetime.fromisoformat(started.replace("Z", "+00:00")).replace(tzinfo=None) + timedelta(hours=5, minutes=30)
    assert f'{local:%Y-%m-%d %H:%M} IST' in page and f"{local:%Y-%m-%d %H:%M:%S} IST" in page
    assert f">{local:%Y-%m-%d %H:%M}</a>" in listing and "(UTC)" not in listing
