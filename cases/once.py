"""Forms sent once (cases.models.FormSubmission). Every case form, the intake form and the supervisor's
escalation note carry a hidden one-time token (`{% once_field %}`); the view that saves them asks
`saving(request)`, the transaction that saves: the first POST with a token records it, the same token
again finds it and saves nothing (the page says it was saved already). A refused form rolls the
transaction back, token included, so the corrected form goes through. A second copy sent while the first
is still being saved waits on the token's unique index and then sees it. A POST without a token (an old
page, a script) is handled as before. Tokens older than a day are cleared as new ones come in."""
import datetime as dt
import re
import uuid
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FormSubmission

FIELD = "once"
ALREADY = "That was saved already (the form was sent twice); the page shows it as it stands."
_TOKEN = re.compile(r"[0-9a-f]{32}")  # fullmatch: "$" would let a trailing newline in
KEEP = dt.timedelta(days=1)


def new_token():
    return uuid.uuid4().hex


def first_time(request):
    """Whether this POST's form has not been saved before; records its token (call inside the saving
    transaction, so a refusal that rolls it back frees the token)."""
    token = request.POST.get(FIELD, "")
    if not _TOKEN.fullmatch(token):
        return True
    now = timezone.now()
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=request.user, created_at=now)
    except IntegrityError:
        return False
    FormSubmission.objects.filter(user=request.user, created_at__lt=now - KEEP).delete()
    return True


class Attempt:
    """What `saving` yields: `first` (this form's token not seen before); set `saved` once it saved."""

    def __init__(self, first):
        self.first, self.saved = first, False


@contextmanager
def saving(request):
    """The transaction a form's POST saves in, with its one-time token: `with once.saving(request) as
    attempt:` then, if `attempt.first`, save and set `attempt.saved`; otherwise say it was saved already.
    Whatever did not save (a refusal, the copy of a form saved before) is rolled back, its token with it."""
    with transaction.atomic():
        attempt = Attempt(first_time(request))
        yield attempt
        if not attempt.saved:
            transaction.set_rollback(True)
