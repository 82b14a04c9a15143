"""What the view tests share: URLs, the htmx header, datetime-local input values."""
import zoneinfo

from django.urls import reverse
from django.utils import timezone

from tests.cases.helpers import advance_to, open_case

HTMX = {"HX-Request": "true"}


def page_of(case):
    return reverse("cases:case_detail", args=[case.reference])


def url(name, case, pk=None):
    return reverse(f"cases:{name}", args=[case.reference] + ([pk] if pk is not None else []))


def local(delta, tz="UTC"):
    return (timezone.now() + delta).astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def in_step(rep, dennis, step):
    return advance_to(open_case(rep, dennis), step, rep)
