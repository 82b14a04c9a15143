"""Reading one raw email (RFC 5322 bytes, as IMAP returns it or a provider's webhook rebuilds it) into
what the case tracker keeps: who wrote, to which address, the new text (quoted history trimmed),
and the attachments. Pure functions over Python's email package (policy.default); no database.

Whatever the message looks like, parsing never raises: a header that cannot be read is treated as
missing, a body in an unknown charset is decoded with replacement characters, and a message whose
structure cannot be read at all (MIME nested a thousand deep overflows the parser's recursion, found by a
review) comes back with its headers only, no text or attachments, and `unreadable` saying why: it is
kept and refused, never lost or retried forever."""
import datetime as dt
import hashlib
import html
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from .filenames import kept_name, safe_name
from .quoted import trim_quoted

MESSAGE_ID_MAX = 250
SUBJECT_MAX = 300
TEXT_MAX = 20000
HTML_MAX = 500_000  # an HTML body is read this far at most (the regexes stay cheap on hostile input)
FILENAME_MAX = 200

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self):
        return len(self.content)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str  # the From address (addr-spec), "" when there is none
    sender_name: str
    recipients: tuple  # every address it was sent to, the envelope recipient first
    subject: str
    text: str  # the new text: quoted history and signature trimmed
    sent_at: object  # the Date header as an aware datetime, or None
    raw_size: int
    attachments: tuple = field(default_factory=tuple)
    automatic: str = ""  # why this is no person writing (an auto-reply, a delivery report), or ""
    # Message-IDs the message refers to (In-Reply-To, References, and the returned message's own inside a
    # delivery report): what links a bounce to the email it returns.
    references: tuple = field(default_factory=tuple)
    # A delivery status notification's (RFC 3464) recipients whose Action is "failed", as (address, why) pairs:
    # what a bounce must name (mailin.services.bounce_refusal). Empty for anything else (a read receipt, a delay).
    failed_recipients: tuple = field(default_factory=tuple)
    # The Return-Path a mail server wrote on delivery (the envelope sender): "" for the null path <> every
    # delivery report is sent with (RFC 3464), None when there is none (a provider's webhook may drop it).
    return_path: object = None
    unreadable: str = ""  # why the body and attachments could not be read (only the headers were), else ""


UNREADABLE_DEEP = "its structure is nested too deeply to read"
UNREADABLE = "its structure could not be read"


def parse_message(raw, *, envelope_recipient=None, unreadable=""):
    """`raw` is the message's bytes; `envelope_recipient` the address the provider delivered it to,
    when it says (it may differ from To: a Bcc, a forward); `unreadable`, when the caller already knows
    the body could not be read (why): the headers only."""
    if unreadable:
        return _headers_only(raw, envelope_recipient, unreadable)
    try:
        return _parse(raw, envelope_recipient)
    except RecursionError:
        reason = UNREADABLE_DEEP
    except Exception:  # noqa: BLE001 - whatever else the parser trips on: the message is still kept
        logger.exception("inbound message of %s bytes could not be parsed; kept with its headers only", len(raw))
        reason = UNREADABLE
    return _headers_only(raw, envelope_recipient, reason)


def _parse(raw, envelope_recipient):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    sender_name, sender = (_storable(part) for part in _sender(msg))
    return ParsedMail(
        message_id=_message_id(msg),
        sender=sender,
        sender_name=sender_name,
        recipients=tuple(_storable(r) for r in _recipients(msg, envelope_recipient)),
        subject=_clip(_header(msg, "Subject"), SUBJECT_MAX),
        text=_clip(trim_quoted(_body_text(msg)), TEXT_MAX),
        sent_at=_date(msg),
        raw_size=len(raw),
        attachments=tuple(_attachments(msg)),
        automatic=_automatic(msg, sender),
        references=tuple(_storable(r) for r in _references(msg)),
        failed_recipients=tuple((_storable(a), _storable(why)) for a, why in _failed_recipients(msg)),
        return_path=_storable(parseaddr(path)[1]) if (path := _raw_header(msg, "Return-Path")) else None,
    )


def _headers_only(raw, envelope_recipient, reason):
    """What the headers say of a message whose body could not be read (the body stays one unparsed
    string, so no structure is walked): who, to whom, the subject, the Message-ID; no text, no files."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        sender_name, sender = (_storable(part) for part in _sender(msg))
        message_id = _message_id(msg)
    except Exception:  # noqa: BLE001 - not even the headers: an id from the bytes, nothing else
        msg, sender_name, sender = EmailMessage(policy=policy.default), "", ""
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()}@mailin.invalid>"
    return ParsedMail(
        message_id=message_id,
        sender=sender,
        sender_name=sender_name,
        recipients=tuple(_storable(r) for r in _recipients(msg, envelope_recipient)),
        subject=_clip(_header(msg, "Subject"), SUBJECT_MAX),
        text="",
        sent_at=_date(msg),
        raw_size=len(raw),
        automatic=_automatic(msg, sender),
        references=tuple(_storable(r) for r in _references(msg)),
        unreadable=reason,
    )


# --- headers -------------------------------------------------------------------------------------
def _header(msg, name):
    """A header's decoded text, or "" when it is missing or cannot be read."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header is treated as missing
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _raw_header(msg, name):
    """The header's text without the registry's parsing (for address lists the parser rejects)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _storable(text):
    """Text a row can hold. A raw email may carry any byte: PostgreSQL text cannot hold NUL, and raw 8-bit
    bytes in a header (UTF-8 sent unencoded, "From: Zoë <...>") come out of the parser as lone
    surrogates, which no UTF-8 encoder accepts; they are read back as UTF-8 (an invalid byte becomes
    U+FFFD)."""
    if not isinstance(text, str):
        return text
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate the parser did not make (one spelled out in an encoded word)
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "")


def _clip(text, limit):
    text = _storable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message_id(msg):
    """The Message-ID as sent; without one (or an absurd one), a stable id made from what the message
    says, so the same message delivered twice is still recognised: its addresses, date and subject and
    each part's type and decoded content, not its bytes (a provider's webhook rebuilds the MIME on each
    retry with a new random boundary)."""
    value = _storable(_header(msg, "Message-ID").strip())
    if value and len(value) <= MESSAGE_ID_MAX and " " not in value:
        return value
    digest = hashlib.sha256(value.encode() if value else b"")
    for name in ("From", "To", "Cc", "Date", "Subject"):
        digest.update(b"\n" + _storable(_header(msg, name)).encode())
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001 - a broken part counts by its raw text
            payload = str(part.get_payload()).encode("utf-8", "replace")
        digest.update(b"\n" + part.get_content_type().encode("ascii", "replace") + hashlib.sha256(payload).digest())
    return f"<sha256.{digest.hexdigest()}@mailin.invalid>"


def _sender(msg):
    try:
        header = msg["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
    except Exception:  # noqa: BLE001 - fall back to the lenient parser below
        addresses = ()
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].display_name or "", addresses[0].addr_spec
    name, addr = parseaddr(_raw_header(msg, "From"))
    return name, addr if "@" in addr else ""


def _recipients(msg, envelope_recipient):
    found = []
    if envelope_recipient:
        found.append(str(envelope_recipient).strip())
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        values = [str(v) for key, v in msg.raw_items() if key.lower() == name.lower()]
        for _, addr in getaddresses(values):
            if "@" in addr:
                found.append(addr.strip())
    seen, unique = set(), []
    for addr in found:
        if addr.lower() not in seen:
            seen.add(addr.lower())
            unique.append(addr)
    return tuple(unique)


def _date(msg, now=None):
    """The Date header as an aware moment in UTC (an offset past PostgreSQL's ±15:59, "+23:59", is the same
    moment), or None: unreadable, without a zone, or outside a sane range (from 2000 to a day after now)."""
    try:
        header = msg["Date"]
        value = getattr(header, "datetime", None)
        if value is None or value.tzinfo is None:
            return None
        in_utc = value.astimezone(dt.timezone.utc)
    except Exception:  # noqa: BLE001 - an unreadable date is no date
        return None
    latest = (now or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(days=1)
    return in_utc if _EARLIEST_DATE <= in_utc <= latest else None


_EARLIEST_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def _automatic(msg, sender):
    """Why the message was written by a machine (RFC 3834 auto-replies, delivery reports), or ""."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return "an automatic reply"
    if msg.get_content_type() == "multipart/report":
        return "a delivery report"
    if sender.split("@")[0].lower() in ("mailer-daemon", "postmaster"):
        return "a delivery report"
    # Found by an audit: each of these still posted an out-of-office or a list's mail as the client writing.
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond") or _header(msg, "X-Autogenerated"):
        return "an automatic reply"
    if _header(msg, "Precedence").lower() in ("bulk", "junk", "auto_reply", "list") or \
            _header(msg, "X-Precedence").lower() in ("bulk", "junk", "auto_reply", "list"):
        return "bulk mail"
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "mailing-list mail"
    if _raw_header(msg, "Return-Path").strip() == "<>":  # RFC 3834: a responder writes from the null path
        return "an automatic reply"
    return ""


# What a stored one may be: RFC 6838's names (Word's and Excel's subtypes are 54 to 62 characters long: found
# by an audit, a limit of 49 refused every .docx and .xlsx), within the column's 100 characters.
_CONTENT_TYPE = re.compile(r"(?=.{3,100}$)[a-z0-9][a-z0-9.+_-]{0,126}/[a-z0-9][a-z0-9.+_-]{0,126}")
_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")


def _references(msg):
    """Message-IDs named by In-Reply-To and References, and by the headers of a message a delivery
    report returns (message/rfc822 or text/rfc822-headers), in order, without repeats."""
    found = [*_MSG_ID.findall(_raw_header(msg, "In-Reply-To")), *_MSG_ID.findall(_raw_header(msg, "References"))]
    try:
        parts = list(msg.walk())
    except Exception:  # noqa: BLE001 - a broken structure names nothing
        parts = []
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                found.extend(_MSG_ID.findall(_raw_header(inner, "Message-ID")))
        elif kind == "text/rfc822-headers":
            text = _content(part)
            match = re.search(r"^message-id:\s*(<[^<>\s]{1,250}>)", text if isinstance(text, str) else "",
                              re.IGNORECASE | re.MULTILINE)
            if match:
                found.append(match.group(1))
    return list(dict.fromkeys(found))[:20]


FAILED_RECIPIENTS_MAX = 50  # per-recipient blocks read from one report at most


def _failed_recipients(msg):
    """The (address, why) of each recipient a delivery status notification says failed (RFC 3464: a
    multipart/report whose own message/delivery-status part has a per-recipient block with "Action: failed";
    its Final-Recipient, and its Original-Recipient when it differs, "rfc822; address"). Nothing for a
    delay, relay, delivery or expansion notice, a read receipt (message/disposition-notification), a
    report nested inside a forwarded email, or a message that merely looks like a report (a subject, a
    mailer-daemon sender)."""
    if msg.get_content_type() != "multipart/report":
        return []
    found = []
    for part in msg.iter_parts():
        if part.get_content_type() not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        for block in _status_blocks(part)[1:FAILED_RECIPIENTS_MAX + 1]:  # the first block is the per-message one
            if _header(block, "Action").lower().split(" ")[0] != "failed":
                continue
            why = _header(block, "Diagnostic-Code") or (f"status {_header(block, 'Status')}"
                                                        if _header(block, "Status") else "delivery failed")
            for name in ("Final-Recipient", "Original-Recipient"):
                address = _typed_address(_header(block, name))
                if address:
                    found.append((address, _clip(why, 300)))
    return found[:FAILED_RECIPIENTS_MAX]


def _status_blocks(part):
    """The header blocks of a delivery-status part: the parser splits message/delivery-status into them;
    message/global-delivery-status (RFC 6533) comes as one message (the first block its headers, the rest
    its body) and is split here."""
    payload = part.get_payload()
    if part.get_content_type() == "message/delivery-status" and isinstance(payload, list):
        return payload
    try:
        text = payload[0].as_bytes().decode("utf-8", "replace") if isinstance(payload, list) and payload else ""
    except Exception:  # noqa: BLE001 - a part that cannot be written back names no recipient
        text = ""
    parser = BytesParser(policy=policy.default)
    blocks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())[: FAILED_RECIPIENTS_MAX + 1]
    return [parser.parsebytes(block.encode("utf-8", "replace"), headersonly=True) for block in blocks]


def _typed_address(value):
    """The address of a Final-Recipient/Original-Recipient field ("rfc822; someone@example.org"), or ""."""
    kind, _, address = value.partition(";")
    if kind.strip().lower() not in ("rfc822", "utf-8"):
        return ""
    address = parseaddr(address.strip())[1] or address.strip().strip("<>")
    return address if "@" in address and len(address) <= 254 else ""


# --- body ----------------------------------------------------------------------------------------
def _content(part):
    try:
        return part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset or broken encoding: decode what is there
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _body_text(msg):
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        body = None
    if body is None:
        return ""
    text = _content(body)
    if not isinstance(text, str):
        return ""
    if body.get_content_subtype() == "html":
        return html_to_text(text)
    return _inline_texts(msg, body) or text


def _inline_texts(msg, body):
    """The whole text of a body written around an inline picture (multipart/mixed: text, the picture, more
    text, as Apple Mail sends it): every inline plain-text part in order, or None when `body` is the only
    one. get_body() gives only the first, and the text after the picture was lost."""
    if msg.get_content_type() != "multipart/mixed":
        return None
    try:
        parts = [p for p in msg.iter_parts() if p.get_content_type() == "text/plain" and not p.get_filename()
                 and p.get_content_disposition() != "attachment"]
    except Exception:  # noqa: BLE001 - a malformed part: keep the first text
        return None
    if len(parts) < 2 or not any(p is body for p in parts):
        return None
    return "\n\n".join(t.strip() for t in (_content(p) for p in parts) if isinstance(t, str) and t.strip())


# Every pattern here stops at the next "<" (or finds a closing tag with str.find from where it stands), so a
# hostile body is read in one pass. Found by an audit: `<[^>]+>` and `<(head)\b.*?</head>` rescanned to the end
# from every unclosed "<", and 150 KB of "<" took 20 s (500 KB, the most read, minutes), blocking the intake.
_GMAIL_QUOTE = re.compile(r"<div[^<>]*class=\"?(gmail_quote|moz-cite-prefix)[^<>]*>", re.IGNORECASE)
_DROPPED = re.compile(r"<(script|style|head)\b", re.IGNORECASE)  # with what is inside them
_QUOTED = re.compile(r"<(blockquote)\b", re.IGNORECASE)
_BREAKS = re.compile(r"<br\s*/?>|</(p|div|li|tr|h[1-6])>", re.IGNORECASE)
_TAGS = re.compile(r"<[^<>]+>")


def _cut_elements(markup, opening):
    """`markup` without each element whose opening tag `opening` finds (group 1: its name), from there to the
    first closing tag of its name after it, as `<name\b.*?</name>` would, case aside. An opening with no
    closing after it stays, and so do the later ones of that name, which cannot close either: one pass,
    whatever the input."""
    lower = markup.lower()
    out, pos, search_from, unclosed = [], 0, 0, set()
    while (found := opening.search(markup, search_from)) is not None:
        name = found.group(1).lower()
        end = -1 if name in unclosed else lower.find(f"</{name}>", found.end())
        if end < 0:
            unclosed.add(name)
            search_from = found.end()
            continue
        out.append(markup[pos:found.start()])
        pos = search_from = end + len(name) + 3
    out.append(markup[pos:])
    return "".join(out)


def html_to_text(markup):
    """Readable text from an HTML-only email: quoted blocks, scripts and styles dropped, block ends
    turned into line breaks, tags removed, entities decoded. Read in one pass (above)."""
    markup = _cut_elements(markup[:HTML_MAX], _DROPPED)
    markup = _cut_elements(markup, _QUOTED)
    quote = _GMAIL_QUOTE.search(markup)  # a reply's quoted history: everything from there on
    if quote is not None:
        markup = markup[:quote.start()]
    markup = _BREAKS.sub("\n", markup)
    return html.unescape(_TAGS.sub("", markup))


# --- attachments ---------------------------------------------------------------------------------
def _safe_filename(name, content_type):
    name = safe_name(name) or kept_name("", content_type)  # a part with no name: "attachment.pdf"
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILENAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:FILENAME_MAX]
    return name


def _parts(part, top=True):
    """The parts that may be attachments: every leaf, and an email forwarded as an attachment
    (message/rfc822) whole, never the parts inside it (its text would otherwise pass for no attachment
    at all and vanish)."""
    if not top and part.get_content_maintype() == "message":
        yield part
    elif part.is_multipart():
        for child in part.iter_parts():
            yield from _parts(child, top=False)
    else:
        yield part


def _forwarded_bytes(part):
    """The forwarded email as an .eml file: the nested message, or its bytes when it came encoded."""
    inner = part.get_payload()
    if isinstance(inner, list) and inner and hasattr(inner[0], "as_bytes"):
        return inner[0].as_bytes()
    return part.get_payload(decode=True) or b""


def _attachments(msg):
    """Every part with a file name or marked as an attachment, except the body the text came from."""
    body_ids = set()
    for kind in ("plain", "html"):
        try:
            body = msg.get_body(preferencelist=(kind,))
        except Exception:  # noqa: BLE001
            body = None
        if body is not None:
            body_ids.add(id(body))
    for part in _parts(msg):
        if id(part) in body_ids:
            continue
        forwarded = part.get_content_maintype() == "message"  # an email forwarded as an attachment
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001
            filename, disposition = None, None
        if not filename and disposition != "attachment" and not forwarded:
            continue
        content_type = part.get_content_type()
        if not _CONTENT_TYPE.fullmatch(content_type):  # any byte may come in a header (a NUL, a long one)
            content_type = "application/octet-stream"
        try:
            content = _forwarded_bytes(part) if forwarded else (part.get_payload(decode=True) or b"")
        except Exception:  # noqa: BLE001
            content = b""
        yield Attachment(filename=_safe_filename(_storable(filename), content_type), content_type=content_type,
                         content=content)

