"""The IMAP way in, for a team with a plain mailbox: a sweep (notifications/registry.py, every minute
with the others) reads MAILIN_IMAP_FOLDER, hands each message to mailin.services.mail_receive, and
moves what it processed to MAILIN_IMAP_DONE_FOLDER. It does nothing until MAILIN_IMAP_HOST is set.

Exactly once without any IMAP state of our own: a message is processed (committed) first and moved
after, so a crash in between leaves it in the folder and the next run finds its Message-ID already
received and only moves it. Two workers reading the same folder at once both call mail_receive; the
unique Message-ID lets one of them through, and moving an already moved message is a no-op. A
database error leaves the message for the next run; a message that cannot be processed at all is
moved to MAILIN_IMAP_FAILED_FOLDER (and logged), so it never blocks the folder."""
import logging

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.db import DatabaseError
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .services import mail_receive

logger = logging.getLogger(__name__)
FETCH_CHUNK = 20


def imap_configured():
    return bool(settings.MAILIN_IMAP_HOST)


def connect():
    """A logged-in IMAPClient (use it as a context manager: it logs out on leaving)."""
    client = IMAPClient(settings.MAILIN_IMAP_HOST, port=settings.MAILIN_IMAP_PORT, ssl=settings.MAILIN_IMAP_SSL,
                        timeout=settings.MAILIN_IMAP_TIMEOUT)
    try:
        if settings.MAILIN_IMAP_STARTTLS and not settings.MAILIN_IMAP_SSL:
            client.starttls()
        client.login(settings.MAILIN_IMAP_USER, settings.MAILIN_IMAP_PASSWORD)
    except Exception:
        client.shutdown()
        raise
    return client


def _ensure_folder(client, folder):
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClientError:
        if not client.folder_exists(folder):  # else another worker created it just now
            raise


def _move_now(client, uids, folder):
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def _move(client, uids, folder, attempts=3):
    """Move what is still there: another worker may have moved some of these meanwhile, and the
    server then refuses the whole command ([EXPUNGEISSUED]); look again and move the rest."""
    for attempt in range(attempts):
        if not uids:
            return
        try:
            _move_now(client, uids, folder)
            return
        except IMAPClientError as exc:
            if "EXPUNGEISSUED" not in str(exc).upper() or attempt == attempts - 1:
                raise
        uids = sorted(set(client.search(["UID", ",".join(str(uid) for uid in uids)])) & set(uids))


def _fetch_within_limit(client, chunk):
    """The chunk's messages, each whole unless larger than MAILIN_MAX_MESSAGE_BYTES: of those, only the
    headers are downloaded ({uid: why} in the second value), and the message is kept and noted as too large,
    as a webhook's would be (found by an audit of earlier notes: a message of any size was read whole into the
    worker's memory before the size was looked at)."""
    limit = settings.MAILIN_MAX_MESSAGE_BYTES
    sizes = client.fetch(chunk, ["RFC822.SIZE"])
    too_large = {uid: (f"it is too large ({filesizeformat(size)}, the limit is {filesizeformat(limit)}); only its "
                       "headers were read")
                 for uid, size in ((uid, sizes.get(uid, {}).get(b"RFC822.SIZE", 0)) for uid in chunk) if size > limit}
    small = [uid for uid in chunk if uid not in too_large]
    fetched = dict(client.fetch(small, ["BODY.PEEK[]"])) if small else {}
    if too_large:
        fetched.update(client.fetch(list(too_large), ["BODY.PEEK[HEADER]"]))
    return fetched, too_large


def sweep_client_mailbox(now=None):
    """One batch (at most MAILIN_IMAP_BATCH_SIZE messages) of the mailbox; returns how many it
    processed. `now` is accepted like every sweep's and not used: mail is read when it is there."""
    if not imap_configured():
        return 0
    done_folder, failed_folder = settings.MAILIN_IMAP_DONE_FOLDER, settings.MAILIN_IMAP_FAILED_FOLDER
    processed = 0
    with connect() as client:
        client.select_folder(settings.MAILIN_IMAP_FOLDER)
        uids = sorted(client.search(["NOT", "DELETED"]))[: max(1, settings.MAILIN_IMAP_BATCH_SIZE)]
        if not uids:
            return 0
        _ensure_folder(client, done_folder)
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start:start + FETCH_CHUNK]
            fetched, too_large = _fetch_within_limit(client, chunk)
            done, failed = [], []
            for uid in chunk:
                raw = fetched.get(uid, {}).get(b"BODY[]" if uid not in too_large else b"BODY[HEADER]")
                if raw is None:  # another worker moved it meanwhile
                    continue
                try:
                    mail_receive(raw, provider="imap", unreadable=too_large.get(uid, ""))
                except DatabaseError:
                    logger.exception("IMAP message %s: database error; left in the folder for the next run", uid)
                    continue
                except Exception:  # noqa: BLE001 - one unreadable message must not block the mailbox
                    logger.exception("IMAP message %s could not be processed; moved to %s", uid, failed_folder)
                    failed.append(uid)
                    continue
                done.append(uid)
            _move(client, done, done_folder)
            if failed:
                _ensure_folder(client, failed_folder)
                _move(client, failed, failed_folder)
            processed += len(done)
    return processed
