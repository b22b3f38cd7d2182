"""Sending a briefing or deciding a lot renders its PDFs before the store's write transaction.

While a PDF is being made (WeasyPrint takes about a second), other people keep saving: on
the embedded store a second process saves another record at once. The PDFs are made from
the record as it will be saved (its new version, its issue date): the attachment read back
with pypdf shows what was saved. Someone changing what the PDF shows between its rendering
and the transaction makes the action refused, nothing written, in the user's language.
"""
import datetime as dt
import io
import multiprocessing
import threading
import time

import pytest
from flask_babel import format_date, force_locale
from pypdf import PdfReader

from backoffice import documents, outbox, records, workflow
from backoffice.store.app import get_store
from test_workflow_requests import post_action

FORK = multiprocessing.get_context("fork")
_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
FUTURE = (_NOW + dt.timedelta(days=30)).strftime("%Y-%m-%dT12:00")
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
AGORA, BABEL, CIVIC, DELTA = "0123456749", "0417497106", "0200065765", "0300000016"
CRITERIA = [{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}]
STAFF = "staff@perspective.example"
STALE = {
    "en": "Someone else changed this record meanwhile; reload it and try again.",
    "nl": "Iemand anders heeft dit record intussen gewijzigd; laad het opnieuw en probeer het nog eens.",
}
# A save by someone else must not wait for a PDF being made: well under the second WeasyPrint takes.
QUICK = 0.5


@pytest.fixture
def framework(make):
    """Lots L1 and L2; three providers of both, writing French, Dutch, and both; a fourth of L2 alone, writing Dutch."""
    make.lot(description_fr="Accompagner le projet de bout en bout.")
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")
    for rank, (name, number, languages) in enumerate((("Agora Participation scrl", AGORA, ["fr"]),
                                                       ("Babel Dialoog vzw", BABEL, ["nl"]),
                                                       ("Civic Lab srl", CIVIC, ["fr", "nl"])), start=1):
        make.provider(name=name, enterprise_number=number, languages=languages,
                      lots=[{"lot": "L1", "rank": rank}, {"lot": "L2", "rank": rank}],
                      contact={"name": name, "email": f"offers@{name.split()[0].lower()}.example"})
    make.provider(name="Delta Dialogue", enterprise_number=DELTA, languages=["nl"], lots=[{"lot": "L2", "rank": 4}],
                  contact={"name": "Delta", "email": "offers@delta.example"})


@pytest.fixture
def ready(make, framework):
    """A ready briefing (French) on L1 and L2, the three providers invited, not sent yet."""
    request = make.request(status="briefing", lots=["L1", "L2"])
    return make.briefing(
        request=request["reference"], status="ready", lots=["L1", "L2"], objectives="Associer les riverains.",
        deliverables="Un rapport.", offer_deadline=FUTURE,
        invitations=[{"provider": number, "lot": "L1"} for number in (AGORA, BABEL, CIVIC)],
    )


def _offer(provider, lot, amount, prix, methode):
    return {"provider": provider, "lot": lot, "sent_on": _NOW.date().isoformat(), "response": "offer", "offer_amount": amount,
            "criterion_scores": [{"criterion": "Prix", "score": prix}, {"criterion": "Méthodologie", "score": methode}]}


@pytest.fixture
def offers_in(make, framework):
    """A mini-competition on L1 alone, its three offers in: Babel 83 > Agora 78 > Civic 65."""
    request = make.request(status="sent")
    return make.briefing(
        request=request["reference"], status="offers_received", budget_max="60000", objectives="Associer les riverains.",
        deliverables="Un rapport.", offer_deadline=PAST, award_route="mini_competition", award_criteria=CRITERIA,
        invitations=[_offer(AGORA, "L1", "20000", 90, 70), _offer(BABEL, "L1", "25000", 80, 85),
                     _offer(CIVIC, "L1", "18000", 50, 75)],
    )


def send(store, briefing, version):
    return workflow.move(store, "briefings", briefing, "sent", STAFF, version=version)


def award(store, briefing, version):
    return workflow.award_lot(store, briefing, "L1", BABEL, "", "", STAFF, version=version)


ACTIONS = {"send": ("ready", send), "award": ("offers_in", award)}


def pdf_text(content):
    """A PDF's text as a reader's viewer extracts it, spaces squeezed."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def attachments(store):
    """Each queued message's attachment: {(key, filename): text of the PDF}."""
    found = {}
    for message in store.find("outbox", {}):
        for attachment in message["attachments"]:
            found[(message["key"], attachment["filename"])] = pdf_text(outbox.attachment_content(attachment))
    return found


# A second writer while the PDF is being made ---------------------------------------------------


def _act_slowly(app, action, briefing, started, release, results):
    """Run the action with a PDF rendering that waits (at most 3 s) for `release` once it started."""
    real = documents.pdf_bytes

    def slow(html):
        if not started.is_set():
            started.set()
            release.wait(3)
        return real(html)

    documents.pdf_bytes = slow  # in this process (or thread) only for the action's duration; put back below
    try:
        with app.test_request_context():
            saved = ACTIONS[action][1](get_store(app), briefing, briefing["version"])
            results.put(saved["status"])
    except workflow.Refused as refused:
        results.put(str(refused.message))
    finally:
        documents.pdf_bytes = real


@pytest.mark.parametrize("action", list(ACTIONS))
def test_another_writer_saves_at_once_while_the_pdf_is_being_made(request, app, engine, store, make, action):
    briefing = request.getfixturevalue(ACTIONS[action][0])
    other = make.request(project_title="Une autre demande")
    started, release, results = FORK.Event(), FORK.Event(), FORK.Queue()
    # The real peer: on the embedded store, another process with its own connection; mongomock
    # lives in one process, where its transaction is a lock every other thread waits on.
    if engine == "sqlite":
        actor = FORK.Process(target=_act_slowly, args=(app, action, briefing, started, release, results))
    else:
        actor = threading.Thread(target=_act_slowly, args=(app, action, briefing, started, release, results))
    actor.start()
    try:
        assert started.wait(30), "the PDF was never rendered"
        begun = time.monotonic()
        with app.test_request_context():
            records.update("requests", other, records.editable_data("requests", other) | {"project_title": "Renommée"},
                           "someone@perspective.example", other["version"], store=store)
        waited = time.monotonic() - begun
    finally:
        release.set()
        actor.join(60)

    assert waited < QUICK, f"the save waited {waited:.2f} s for the PDF to be made"
    assert results.get(timeout=5) in ("sent", "offers_received", "awarded")
    assert store.get("requests", other["_id"])["project_title"] == "Renommée"
    saved = store.get("briefings", briefing["_id"])
    assert saved["version"] == briefing["version"] + 1
    assert store.count("outbox") == 3


# Every PDF is made while the store's write lock is free ----------------------------------------


def lock_is_free(store, engine):
    """Whether another writer could take the store's write lock right now (without waiting for it)."""
    if engine == "sqlite":
        import sqlite3

        peer = sqlite3.connect(store.path, timeout=0, isolation_level=None)
        try:
            peer.execute("BEGIN IMMEDIATE")
            peer.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:  # "database is locked": a transaction holds it
            return False
        finally:
            peer.close()
    # mongomock's transaction is a lock every operation of another thread waits on.
    reader = threading.Thread(target=store.count, args=("lots",))
    reader.start()
    reader.join(1)
    free = not reader.is_alive()
    reader.join(30)
    return free


def watch_renderings(monkeypatch, store, engine):
    """Note, for each PDF made, whether the write lock was free then: a list of booleans."""
    real, seen = documents.pdf_bytes, []

    def rendering(html):
        seen.append(lock_is_free(store, engine))
        return real(html)

    monkeypatch.setattr(documents, "pdf_bytes", rendering)
    return seen


def invite_after_sending(store, briefing, version):
    sent = send(store, briefing, version)
    return workflow.invite(store, sent, [(DELTA, "L2")], STAFF, version=sent["version"])


def close(store, briefing, version):
    return workflow.close_lot(store, briefing, "L1", "Budget retiré par la commune.", STAFF, version=version)


@pytest.mark.parametrize(("fixture", "act", "pdfs"), [
    ("ready", send, 1), ("ready", invite_after_sending, 2), ("offers_in", award, 3), ("offers_in", close, 3),
], ids=["send", "invite", "award", "close-lot"])
def test_every_pdf_is_made_while_other_writers_can_write(request, app, engine, store, monkeypatch, fixture, act, pdfs):
    briefing = request.getfixturevalue(fixture)
    seen = watch_renderings(monkeypatch, store, engine)

    with app.test_request_context():
        act(store, briefing, briefing["version"])

    assert seen == [True] * pdfs
    assert len(attachments(store)) == (4 if act is invite_after_sending else 3)


def test_the_lock_probe_sees_a_transaction(app, engine, store):
    """The probe above can fail: inside a transaction, it says the lock is taken."""
    with store.transaction():
        store.next_sequence("probe")
        assert not lock_is_free(store, engine)
    assert lock_is_free(store, engine)


# The PDF shows what was saved ------------------------------------------------------------------


def long_date(day, language):
    with force_locale(language):
        return format_date(day, "long")


def test_the_briefing_attached_shows_the_saved_reference_version_and_issue_date(client, app, store, ready):
    outcome = post_action(client, "briefings", "move", ready, to="sent")

    assert outcome.successes == ["The status was changed."]
    sent = store.get("briefings", ready["_id"])
    [entry] = sent["status_history"]
    assert (sent["status"], sent["version"], entry["to"]) == ("sent", ready["version"] + 1, "sent")
    with app.test_request_context():
        issued = long_date(entry["at"].date(), "fr")
    found = attachments(store)
    assert sorted(key for key, _name in found) == [f"briefing:{ready['reference']}:{number}" for number in sorted((AGORA, BABEL, CIVIC))]
    for (key, filename), text in found.items():
        assert filename == f"{ready['reference']}.pdf"
        assert f"{ready['reference']} — version {sent['version']} du {issued}" in text  # the running header
        assert f"Version et date d'émission version {sent['version']} du {issued}" in text
        assert "Conception" in text and "BROUILLON" not in text

    # Invited once the briefing is out: its PDF is the briefing as saved with that invitation.
    post_action(client, "briefings", "invite", sent, invite=f"{DELTA}|L2")

    invited = store.get("briefings", ready["_id"])
    assert invited["version"] == sent["version"] + 1
    [text] = [text for (key, _name), text in attachments(store).items() if key.endswith(f":{DELTA}")]
    assert f"version {invited['version']} du {issued}" in text


def test_the_letters_attached_show_the_saved_decision(client, app, store, offers_in):
    outcome = post_action(client, "briefings", "award", offers_in, lot="L1", provider=BABEL, amount="", reason="")

    assert outcome.successes == ["The lot was awarded."]
    saved = store.get("briefings", offers_in["_id"])
    [decision] = saved["awards"]
    assert (saved["status"], decision["provider"]) == ("awarded", BABEL)
    with app.test_request_context():
        dates = {language: long_date(decision["awarded_on"].date(), language) for language in ("fr", "nl")}
    found = {filename: text for (_key, filename), text in attachments(store).items()}
    reference = offers_in["reference"]
    assert sorted(found) == sorted([f"{reference}-L1-award-{BABEL}.pdf", f"{reference}-L1-regret-{AGORA}.pdf",
                                    f"{reference}-L1-regret-{CIVIC}.pdf"])
    winner = found[f"{reference}-L1-award-{BABEL}.pdf"]  # Babel writes Dutch
    assert reference in winner and f"Brussel, {dates['nl']}" in winner
    assert "aan u gegund wordt voor € 25.000,00 exclusief btw" in winner
    for provider, rank in ((AGORA, 2), (CIVIC, 3)):
        letter = found[f"{reference}-L1-regret-{provider}.pdf"]
        assert reference in letter and f"Bruxelles, le {dates['fr']}" in letter
        assert f"Votre classement {rank} sur 3 offres" in letter
        assert "attribué à un autre prestataire, Babel Dialoog vzw" in letter


# Changed between the rendering and the transaction ---------------------------------------------


def meanwhile(monkeypatch, change):
    """Once the first PDF is made, run `change()`: a colleague saving at that very moment."""
    real = documents.pdf_bytes
    made = []

    def rendering(html):
        pdf = real(html)
        if not made:
            change()
        made.append(html)
        return pdf

    monkeypatch.setattr(documents, "pdf_bytes", rendering)
    return made


def colleague_saves(app, store, collection, record, **changes):
    """Save `changes` to the record as another person would, through its schema."""
    def change():
        current = store.get(collection, record["_id"])
        records.update(collection, current, records.editable_data(collection, current) | changes,
                       "colleague@perspective.example", current["version"], store=store)
    return change


def everything_about(store, briefing):
    """What the action must leave as the colleague left it: both records, the audit trail, the outbox."""
    request = store.find_one("requests", {"reference": briefing["request"]})
    return (store.get("briefings", briefing["_id"]), request, store.find("audit", {}), store.find("outbox", {}))


@pytest.fixture
def sent(app, store, ready):
    """The ready briefing, sent: its three providers are mailed."""
    with app.test_request_context():
        return send(store, ready, ready["version"])


SENDING = {
    "send": ("ready", "move", {"to": "sent"}),
    "invite": ("sent", "invite", {"invite": f"{DELTA}|L2"}),
    "award": ("offers_in", "award", {"lot": "L1", "provider": BABEL, "amount": "", "reason": ""}),
    "close-lot": ("offers_in", "close-lot", {"lot": "L1", "reason": "Budget retiré."}),
}


@pytest.mark.parametrize("action", list(SENDING))
@pytest.mark.parametrize("changed", ["briefing", "request"])
def test_a_change_made_while_the_pdf_is_made_refuses_the_action_and_writes_nothing(
        request, client, app, store, monkeypatch, action, changed):
    fixture, endpoint, fields = SENDING[action]
    briefing = request.getfixturevalue(fixture)
    request_doc = store.find_one("requests", {"reference": briefing["request"]})
    if changed == "briefing":  # the record itself: a new version
        change = colleague_saves(app, store, "briefings", briefing, objectives="Associer les riverains et les écoles.")
    else:  # a record the PDFs show (the request's title is on the briefing and the letters)
        change = colleague_saves(app, store, "requests", request_doc, project_title="Parc de l'École, phase 2")
    made = meanwhile(monkeypatch, change)
    client.get("/admin/?lang=nl")
    trail_before = {entry["_id"] for entry in store.find("audit", {})}
    mails_before = store.find("outbox", {})

    outcome = post_action(client, "briefings", endpoint, briefing, **fields)

    assert made, "no PDF was made"
    assert outcome.errors == [STALE["nl"]]
    kept, request_now, trail, mails = everything_about(store, briefing)
    assert kept["status"] == briefing["status"] and not kept.get("awards")
    assert len(kept["invitations"]) == len(briefing["invitations"])
    assert kept["version"] == briefing["version"] + (changed == "briefing")
    assert request_now["status"] == request_doc["status"]
    # The colleague's save is the one new entry of the trail: the action wrote none.
    new = [(entry["actor"], entry["collection"]) for entry in trail if entry["_id"] not in trail_before]
    assert new == [("colleague@perspective.example", changed + "s")]
    assert mails == mails_before
    # Tried again on what is there now, it goes through, and the PDF shows the colleague's change.
    monkeypatch.undo()
    client.get("/admin/?lang=en")
    again = post_action(client, "briefings", endpoint, kept, **fields)
    assert again.errors == []
    queued_before = {message["key"] for message in mails_before}
    new_mails = [text for (key, _name), text in attachments(store).items() if key not in queued_before]
    assert len(new_mails) == (1 if action == "invite" else 3)
    shown = "Associer les riverains et les écoles." if changed == "briefing" else "Parc de l'École, phase 2"
    if action in ("send", "invite") or changed == "request":  # the letters do not show the objectives
        assert all(shown in text for text in new_mails)


def test_a_change_nothing_attached_shows_lets_the_action_through(client, app, store, make, monkeypatch, ready):
    other = make.request(project_title="Une autre demande")
    meanwhile(monkeypatch, colleague_saves(app, store, "requests", other, project_title="Renommée"))

    outcome = post_action(client, "briefings", "move", ready, to="sent")

    assert outcome.successes == ["The status was changed."]
    assert store.get("briefings", ready["_id"])["status"] == "sent" and store.count("outbox") == 3


# The guard: before any rendering, and again inside the transaction ------------------------------


def test_a_send_its_guard_refuses_makes_no_pdf(client, app, store, make, monkeypatch, framework):
    request_doc = make.request(status="briefing")
    briefing = make.briefing(request=request_doc["reference"], status="ready", objectives="O.", deliverables="D.",
                             offer_deadline=PAST, invitations=[{"provider": AGORA, "lot": "L1"}])
    made = meanwhile(monkeypatch, lambda: None)

    outcome = post_action(client, "briefings", "move", briefing, to="sent")

    assert outcome.errors and "already past" in outcome.errors[0]
    assert made == [] and store.count("outbox") == 0
    assert store.get("briefings", briefing["_id"])["status"] == "ready"


def test_the_guard_is_asked_again_inside_the_transaction(app, store, monkeypatch, ready):
    # The offer deadline passes while the PDF is being made: the send is then refused, nothing written.
    deadline = ready["offer_deadline"]
    made = meanwhile(monkeypatch, lambda: monkeypatch.setattr(workflow.guards, "now", lambda: deadline + dt.timedelta(minutes=1)))
    before = everything_about(store, ready)

    with app.test_request_context():
        with pytest.raises(workflow.Refused) as refused:
            send(store, ready, ready["version"])
        reason = workflow.guards.can_move("briefings", ready, None, "sent")

    assert made and reason is not None
    assert refused.value.message == reason  # the deadline's own refusal, not a conflict
    assert everything_about(store, ready) == before
