"""The IMAP way in, against a real IMAP server (dovecot, started for these tests): the sweep reads the
folder, posts each reply once, and moves what it processed away; a message it cannot take moves to
the failed folder instead of blocking the mailbox."""

import pytest

from cases.models import CaseEvent
from cases.services.client_mail import WROTE
from mailin import sweeps
from mailin.addresses import reply_address
from mailin.models import InboundMessage, Outcome
from notifications import sweeps as registered_sweeps
from tests.mailin.conftest import email_bytes
from tests.mailin.imap_server import DovecotServer


@pytest.fixture(scope="module")
def dovecot():
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, settings):
    """The sweep pointed at the test server, with every folder emptied first."""
    with dovecot.client() as client:
        for folder in ("Processed", "Failed"):
            if client.folder_exists(folder):
                client.delete_folder(folder)
        client.select_folder("INBOX")
        uids = client.search(["ALL"])
        if uids:
            client.delete_messages(uids)
            client.expunge()
    settings.MAILIN_IMAP_HOST = "127.0.0.1"
    settings.MAILIN_IMAP_PORT = dovecot.port
    settings.MAILIN_IMAP_SSL = False
    settings.MAILIN_IMAP_STARTTLS = False
    settings.MAILIN_IMAP_USER = dovecot.user
    settings.MAILIN_IMAP_PASSWORD = dovecot.password
    settings.MAILIN_IMAP_FOLDER = "INBOX"
    settings.MAILIN_IMAP_DONE_FOLDER = "Processed"
    settings.MAILIN_IMAP_FAILED_FOLDER = "Failed"
    settings.MAILIN_IMAP_BATCH_SIZE = 50
    return dovecot


def test_the_sweep_posts_each_reply_and_moves_it_to_the_processed_folder(mailbox, case):
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="The shop is up, mail still down."))
    mailbox.deliver(email_bytes(to="support@reply.cases.example", sender="new@client.example",
                                text="We have a new problem."))

    processed = sweeps.sweep_client_mailbox()

    assert processed == 2
    assert mailbox.count("INBOX") == 0 and mailbox.count("Processed") == 2
    assert "mail still down" in CaseEvent.objects.get(case=case, verb=WROTE).note
    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == [Outcome.NEW_CASE, Outcome.POSTED]


def test_one_message_in_the_mailbox_twice_creates_one_timeline_entry(mailbox, case):
    raw = email_bytes(to=reply_address(case.reference), text="Sent twice by my phone.")
    mailbox.deliver(raw)
    mailbox.deliver(raw)

    sweeps.sweep_client_mailbox()

    assert CaseEvent.objects.filter(case=case, verb=WROTE).count() == 1
    assert InboundMessage.objects.get().deliveries == 2
    assert mailbox.count("INBOX") == 0 and mailbox.count("Processed") == 2


def test_a_second_run_finds_nothing_to_do(mailbox, case):
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="Any news?"))
    sweeps.sweep_client_mailbox()

    assert sweeps.sweep_client_mailbox() == 0
    assert CaseEvent.objects.filter(case=case, verb=WROTE).count() == 1


def test_a_message_that_cannot_be_processed_moves_to_the_failed_folder(mailbox, case, monkeypatch):
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="First"))
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="Second"))
    calls = []

    def fail_first(raw, **kwargs):
        calls.append(raw)
        if len(calls) == 1:
            raise ValueError("cannot read this one")
        return mail_receive(raw, **kwargs)

    from mailin.services import mail_receive
    monkeypatch.setattr(sweeps, "mail_receive", fail_first)

    processed = sweeps.sweep_client_mailbox()

    assert processed == 1
    assert mailbox.count("Failed") == 1 and mailbox.count("Processed") == 1 and mailbox.count("INBOX") == 0


def test_the_registered_sweep_reads_the_mailbox(mailbox, case):
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="Through beat."))

    assert registered_sweeps.SWEEPS["client_mailbox"]() == 1


def test_without_a_mailbox_configured_the_sweep_does_nothing(settings):
    settings.MAILIN_IMAP_HOST = ""

    assert sweeps.sweep_client_mailbox() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_post_each_message_once(mailbox, rep, dennis):
    from tests.cases.helpers import open_case, race

    case = open_case(rep, dennis)
    for i in range(4):
        mailbox.deliver(email_bytes(to=reply_address(case.reference), text=f"Message number {i} from Dennis."))
    results = race([sweeps.sweep_client_mailbox] * 2, timeout=60)

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert CaseEvent.objects.filter(case=case, verb=WROTE).count() == 4
    assert InboundMessage.objects.count() == 4
    assert mailbox.count("INBOX") == 0


def test_a_message_over_the_size_limit_is_noted_from_its_headers_without_reading_its_body(mailbox, case, settings):
    """Found by an audit of earlier notes: a message of any size was read whole into the worker's memory. Its
    size is asked first; one over MAILIN_MAX_MESSAGE_BYTES is kept and noted from its headers, as a webhook's."""
    settings.MAILIN_MAX_MESSAGE_BYTES = 4000
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="Huge photo attached. " + "x" * 8000))
    mailbox.deliver(email_bytes(to=reply_address(case.reference), text="A short note."))

    processed = sweeps.sweep_client_mailbox()

    big, small = sorted(InboundMessage.objects.all(), key=lambda m: m.outcome != Outcome.REFUSED)
    assert processed == 2 and mailbox.count("Processed") == 2
    assert big.outcome == Outcome.REFUSED and "too large" in big.note and big.text == ""
    assert small.outcome == Outcome.POSTED
    assert "Huge photo" not in " ".join(CaseEvent.objects.filter(case=case).values_list("note", flat=True))
