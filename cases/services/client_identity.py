"""One client, one record: a client is shared between cases, so a caller already on file is picked, not
typed in again. Found by an audit: intake created a second Dennis Hale from his own email written with
capitals, and his history (the client page, "third complaint this quarter", where his emails land) split
in two. The address is the client's identity (the inbound mail goes to the client who has it,
services.client_mail), so no two clients share one; a phone number may be shared (a switchboard, a family
line), so intake asks before a second client is added on one.

The checks read the clients on file, so two reps adding the same caller at the same moment (or two emails
from one new sender read by two workers) would each find nobody and both add one: every path that adds a
client or changes an address first holds the identities it is about to write (`hold_identities`) until
its transaction ends, so the second waits for the first and then finds its client."""
from django.db import connection

from ..errors import CaseRuleError
from ..models import Client
from ..text import digits


def hold_identities(*, email="", phone=""):
    """Until the current transaction ends, only this one may add or re-address a client with this email
    address (any capitals) or this phone number (any format): a PostgreSQL advisory lock per identity, taken
    in one order so two writers never wait on each other. Elsewhere (SQLite for `make run`) writes are
    serialised by the database itself."""
    keys = sorted({f"client-email:{email.strip().lower()}" if (email or "").strip() else "",
                   f"client-phone:{digits(phone)}" if digits(phone or "") else ""} - {""})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for key in keys:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def client_with_email(email, *, other_than=None):
    """The client on file with this address (any capitals), other than `other_than`; None if none."""
    if not (email or "").strip():
        return None
    found = Client.objects.filter(email__iexact=email.strip())
    if other_than is not None:
        found = found.exclude(pk=other_than.pk)
    return found.order_by("pk").first()


def client_with_phone(phone):
    """The client on file with this number, however either was written ("+44 20 7946 0000" is
    "+442079460000": Client.phone_digits); None if none."""
    number = digits(phone)
    return Client.objects.filter(phone_digits=number).order_by("pk").first() if number else None


def ensure_email_not_on_file(client):
    """Refuses an address another client has (at intake, and when a client's details are edited)."""
    hold_identities(email=client.email)
    other = client_with_email(client.email, other_than=client if client.pk else None)
    if other is not None:
        raise CaseRuleError(f"{other} is already on file with this email address: pick them as the client, "
                            "or correct the address.", field="email")


SHARES_PHONE = "Another person who shares this phone number"


def ensure_new_client_not_on_file(client, *, shares_phone=False):
    """A new client is not one already on file: refused by their address, and by their phone number unless
    the rep says the caller shares it with the client on file (`shares_phone`)."""
    hold_identities(email=client.email, phone=client.phone)
    ensure_email_not_on_file(client)
    other = None if shares_phone else client_with_phone(client.phone)
    if other is not None:
        raise CaseRuleError(f"{other} is already on file with this phone number: pick them as the client, or, "
                            f"if this caller is someone else, tick “{SHARES_PHONE}”.", field="phone")
