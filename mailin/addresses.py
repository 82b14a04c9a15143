"""The reply address that identifies a case: `case+<reference>.<signature>@<MAILIN_DOMAIN>`.

Outbound email puts it in Reply-To; a reply that comes back to it is posted on that case, and only on
that case. The signature is an HMAC of the reference (django.core.signing, with this module's own
salt and the project's SECRET_KEY, SECRET_KEY_FALLBACKS accepted while keys rotate), so nobody can
write to `case+C-000124.…` by editing the reference of an address they were given. It is written in
lower-case base32: mail systems may change the case of an address's local part.

A reply address is forever (a client may answer months later); a case's address only ever leads
to that case, and the rules for posting (the sender must be the case's client, the case must be
open) are the cases app's, applied when the message arrives."""
import base64
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare


SALT = "mailin.reply-address"
SIGNATURE_LENGTH = 20  # base32 characters: 100 bits
_SHAPE = re.compile(r"^(?P<local>[^+@\s]+)\+(?P<reference>[A-Za-z0-9-]{1,20})\.(?P<signature>[A-Za-z2-7]{8,64})"
                    r"@(?P<domain>[^@\s]+)$")


@dataclass(frozen=True)
class ReplyAddress:
    reference: str
    valid: bool  # the signature verifies for this reference


def _signature(reference, key):
    signer = signing.Signer(key=key, salt=SALT, algorithm="sha256")
    digest = signing.b64_decode(signer.signature(reference.lower()).encode())
    return base64.b32encode(digest).decode().rstrip("=").lower()[:SIGNATURE_LENGTH]


def reply_address(reference):
    """The address a client replies to about the case with this reference."""
    return (f"{settings.MAILIN_REPLY_LOCAL_PART}+{reference}.{_signature(reference, settings.SECRET_KEY)}"
            f"@{settings.MAILIN_DOMAIN}")


def read_reply_address(address):
    """What an address says: None when it is not one of our reply addresses at all (another address,
    another domain); otherwise the reference it names and whether its signature verifies."""
    match = _SHAPE.match((address or "").strip())
    if match is None:
        return None
    if match["local"].lower() != settings.MAILIN_REPLY_LOCAL_PART.lower():
        return None
    if match["domain"].lower().rstrip(".") != settings.MAILIN_DOMAIN.lower():
        return None
    reference, given = match["reference"], match["signature"].lower()
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    valid = any(constant_time_compare(given, _signature(reference, key)) for key in keys)
    return ReplyAddress(reference=reference, valid=valid)


def verify_reply_address(address):
    """The case reference this address was issued for, or None when it is not a reply address or
    its signature does not verify."""
    found = read_reply_address(address)
    return found.reference if found is not None and found.valid else None
