"""Each PDF the centre sends, drawn by poppler (pdftoppm) as a reader's viewer would: A4, inked, watermarked when a draft.

With UPDATE_SCREENSHOTS=1 the first page of each is saved to docs/screenshots/ for the README;
otherwise to the git-ignored test-artifacts/.
"""
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from backoffice import awards, documents, seeding
from backoffice.store.app import get_store

ROOT = Path(__file__).resolve().parent.parent
UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"


@pytest.fixture
def demo(app, store):
    with app.app_context():
        assert not seeding.seed(get_store(app), app.config["SEEDS_DIR"]).errors
    return store


def picture(pdf, name, engine, page=1):
    """Page `page` of a PDF as PNG, drawn by pdftoppm; returns the image."""
    folder = ROOT / "docs" / "screenshots" if UPDATE and engine == "mongomock" else ROOT / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f".{name}-{engine}.pdf"
    source.write_bytes(pdf)
    target = folder / (name if folder.name == "screenshots" else f"{name}-{engine}")
    try:
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile", str(source), str(target)],
                       check=True, capture_output=True, timeout=60)
    finally:
        source.unlink()
    return Image.open(f"{target}.png").convert("RGB")


def assert_a4_and_inked(image):
    width, height = image.size
    assert abs(width / height - 210 / 297) < 0.01
    colours = image.getcolors(maxcolors=1_000_000)
    dark = sum(count for count, (red, green, blue) in colours if red + green + blue < 200)
    assert dark > 0.005 * width * height  # text, not a blank page


def reddish(image):
    """How many pixels carry the watermark's red tint."""
    return sum(count for count, (red, green, blue) in image.getcolors(maxcolors=1_000_000) if red - green > 25 and red - blue > 25)


def test_the_briefing_pdf_draws_as_a4_with_a_watermark_only_on_a_draft(app, engine, client, demo):
    sent = demo.find_one("briefings", {"status": "sent", "language": "fr"})
    draft = demo.find_one("briefings", {"status": "draft", "language": "nl"})

    final = picture(client.get(f"/admin/briefings/pdf/?id={sent['_id']}").data, "briefing-pdf-fr", engine)
    marked = picture(client.get(f"/admin/briefings/pdf/?id={draft['_id']}").data, "briefing-pdf-draft-nl", engine)

    assert_a4_and_inked(final)
    assert_a4_and_inked(marked)
    assert reddish(final) < 50
    assert reddish(marked) > 1000


def test_the_letters_draw_as_a4(app, engine, demo):
    briefing = next(doc for doc in demo.find("briefings", {"award_route": "mini_competition"})
                    if any(award.get("outcome") == "awarded" for award in doc.get("awards", []))
                    and sum(item.get("response") == "offer" for item in doc["invitations"]) > 1)
    award = next(item for item in briefing["awards"] if item["outcome"] == "awarded")
    ranking = awards.ranking(briefing, award["lot"])
    other = next(offer.provider for offer in ranking if offer.provider != award["provider"])

    with app.test_request_context():
        winner = demo.find_one("providers", {"enterprise_number": award["provider"]})
        loser = demo.find_one("providers", {"enterprise_number": other})
        _subject, award_pdf = documents.letter_pdf(get_store(app), briefing, award, winner, "award", ranking, "nl")
        _subject, regret_pdf = documents.letter_pdf(get_store(app), briefing, award, loser, "regret", ranking, "fr")

    assert_a4_and_inked(picture(award_pdf, "letter-award-nl", engine))
    assert_a4_and_inked(picture(regret_pdf, "letter-regret-fr", engine))
