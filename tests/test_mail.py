"""E-mail through the outbox, delivered to a real SMTP server (aiosmtpd) on a loopback port."""
import datetime as dt
import email
import email.policy
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from backoffice import mailings
from backoffice.store.app import get_store
from test_workflow_requests import post_action

FUTURE = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).strftime("%Y-%m-%dT12:00")
AGORA, BABEL, CIVIC = "0123456749", "0417497106", "0200065765"


class Inbox:
    """What the SMTP server received: one parsed message per recipient."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for recipient in envelope.rcpt_tos:
            self.messages.append((recipient, parsed))
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on loopback; `smtp.stop()` / `smtp.start()` take it down and up on the same port."""
    inbox = Inbox()
    port = free_port()

    class Server:
        def __init__(self):
            self.port = port
            self.inbox = inbox
            self.controller = None

        def start(self):
            self.controller = Controller(inbox, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing_app(app, smtp):
    """The app sending through the loopback server."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_FROM="participation@centrale.example", MAIL_TIMEOUT=5)
    return app


@pytest.fixture
def briefing(make):
    """A ready briefing (French) for lot L1, three providers invited: French, Dutch, and one working in both."""
    make.lot()
    for name, number, languages in (("Agora Participation scrl", AGORA, ["fr"]), ("Babel Dialoog vzw", BABEL, ["nl"]),
                                     ("Civic Lab srl", CIVIC, ["nl", "fr"])):
        make.provider(name=name, enterprise_number=number, languages=languages, lots=[{"lot": "L1", "rank": 1}],
                      contact={"name": name, "email": f"offers@{name.split()[0].lower()}.example"})
    request = make.request(status="briefing")
    return make.briefing(
        request=request["reference"], status="ready", objectives="Associer les riverains.", deliverables="Un rapport.",
        offer_deadline=FUTURE, invitations=[{"provider": number, "lot": "L1"} for number in (AGORA, BABEL, CIVIC)],
    )


def send(client, briefing):
    return post_action(client, "briefings", "move", briefing, to="sent")


def stored(store):
    return {message["to"]: message for message in store.find("outbox", {})}


def test_sending_a_briefing_mails_each_invited_provider_in_its_language_with_the_pdf(mailing_app, client, store, smtp, briefing):
    outcome = send(client, briefing)

    assert outcome.successes == ["The status was changed."]
    received = dict(smtp.inbox.messages)
    assert sorted(received) == ["offers@agora.example", "offers@babel.example", "offers@civic.example"]
    assert received["offers@agora.example"]["Subject"].strip() == f"Invitation à remettre offre\u00a0: cahier des charges {briefing['reference']}"
    assert received["offers@babel.example"]["Subject"].strip() == f"Uitnodiging tot het indienen van een offerte: bestek {briefing['reference']}"
    # Working in both languages: written to in the briefing's own (French).
    assert received["offers@civic.example"]["Subject"].strip().startswith("Invitation à remettre offre")
    assert "Geachte mevrouw, geachte heer" in received["offers@babel.example"].get_body(("plain",)).get_content()
    assert received["offers@agora.example"]["From"] == "participation@centrale.example"
    for message in received.values():
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f"{briefing['reference']}.pdf"
        assert attachment.get_content_type() == "application/pdf"
        pages = PdfReader(io.BytesIO(attachment.get_content())).pages
        assert briefing["reference"] in pages[0].extract_text()
    for message in stored(store).values():
        assert message["status"] == "sent" and message["tries"] == 1 and message["last_error"] == ""


def test_the_record_and_the_outbox_show_each_message(mailing_app, client, client_as, store, smtp, briefing):
    send(client, briefing)

    page = client.get(f"/admin/briefings/details/?id={briefing['_id']}").get_data(as_text=True)
    assert "E-mails" in page and "offers@babel.example" in page
    assert page.count("<td>Sent</td><td>1</td>") == 3
    outbox = client.get("/admin/outbox/").get_data(as_text=True)
    assert outbox.count("offers@") == 3
    manager = client_as("manager", "manager@centrale.example")
    assert manager.get("/admin/outbox/").get_data(as_text=True).count("offers@") == 3
    assert manager.form_post("/admin/outbox/send/", {}, form_url="/admin/outbox/").status_code == 403


def test_a_stopped_server_leaves_the_messages_waiting_and_outbox_send_delivers_each_once(mailing_app, client, store, runner, smtp, briefing):
    smtp.stop()

    outcome = send(client, briefing)

    assert outcome.successes == ["The status was changed."]
    messages = stored(store)
    assert len(messages) == 3
    for message in messages.values():
        assert message["status"] == "failed" and message["tries"] == 1
        assert message["last_error"].startswith("The mail server could not be reached (127.0.0.1:")
    page = client.get(f"/admin/briefings/details/?id={briefing['_id']}").get_data(as_text=True)
    assert page.count("The mail server could not be reached") == 3
    assert "127.0.0.1" not in page  # no host name on a page: the detail stays in the record

    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    again = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "3 sent, 0 failed." in result.output and "0 sent, 0 failed." in again.output
    assert sorted(recipient for recipient, _message in smtp.inbox.messages) == [
        "offers@agora.example", "offers@babel.example", "offers@civic.example"]
    for message in stored(store).values():
        assert message["status"] == "sent" and message["tries"] == 2


def test_the_same_action_never_mails_twice(mailing_app, client, store, smtp, briefing):
    send(client, briefing)
    sent = store.find_one("briefings", {"_id": briefing["_id"]})

    with mailing_app.test_request_context():
        again = mailings.briefing_messages(get_store(mailing_app), sent)

    assert again == []
    assert len(smtp.inbox.messages) == 3 and store.count("outbox", {}) == 3


def test_without_a_mail_server_messages_stay_queued_with_a_preview_and_the_pdf(app, client, store, runner, briefing):
    send(client, briefing)

    messages = stored(store)
    assert {message["status"] for message in messages.values()} == {"queued"}
    outbox = client.get("/admin/outbox/?lang=nl").get_data(as_text=True)
    assert "Er is geen mailserver ingesteld" in outbox
    message = messages["offers@babel.example"]
    preview = client.get(f"/admin/outbox/message/?id={message['_id']}").get_data(as_text=True)
    assert "Geachte mevrouw, geachte heer" in preview
    pdf = client.get(f"/admin/outbox/attachment/?id={message['_id']}&n=0")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("attachment;")
    assert briefing["reference"] in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert client.get("/admin/outbox/attachment/?id=nonsense&n=x").status_code == 404
    assert client.get(f"/admin/outbox/attachment/?id={message['_id']}&n=7").status_code == 404
    result = runner.invoke(args=["outbox", "send"])
    assert "No MAIL_SERVER is set: 3 message(s) stay in the outbox." in result.output
    assert {message["status"] for message in stored(store).values()} == {"queued"}


def test_a_provider_invited_after_the_briefing_went_out_gets_it_too(mailing_app, client, store, smtp, make, briefing):
    make.provider(name="Delta Dialogue", enterprise_number="0300000016", languages=["nl"], lots=[{"lot": "L1", "rank": 4}],
                  contact={"name": "Delta", "email": "offers@delta.example"})
    send(client, briefing)
    sent = store.find_one("briefings", {"_id": briefing["_id"]})

    post_action(client, "briefings", "invite", sent, invite="0300000016|L1")

    assert sorted(recipient for recipient, _message in smtp.inbox.messages)[-1] == "offers@delta.example"
    assert len(smtp.inbox.messages) == 4
