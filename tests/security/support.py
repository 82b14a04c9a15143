"""What the security tests share: the URL set walked from the resolver, a case with one of every
record on it (the "world"), the roles that look at it, a savepoint that undoes whatever one request
did, and a snapshot of a case and everything hanging off it."""
import contextlib
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases import services
from cases.models import (
    ActionItem, Case, CaseEvent, Channel, Concern, Delivery, Escalation, EscalationReason, Fact, Handoff,
    ItemKind, Promise, Step, StatusUpdate,
)
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

ADMIN = "admin:*"  # the admin site is one row: its dozens of generated URLs share one gate
WEBHOOKS = "anymail:*"  # the email providers' webhooks (django-anymail): one row, each checks its own auth
GROUPED = {"admin:": ADMIN, "anymail:": WEBHOOKS}
# The URL each grouped row is checked on.
GROUP_PROBE = {ADMIN: "/admin/", WEBHOOKS: "/anymail/postmark/inbound/"}
# What an empty POST is for each URL: form data, except a provider's JSON for the webhooks.
POST_BODY = {WEBHOOKS: {"data": "{}", "content_type": "application/json"}}


def url_patterns():
    """[(name, route)] for every URL the project serves (the admin as one entry), from the resolver."""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace + (f"{p.namespace}:" if p.namespace else "")
                if ns in GROUPED:
                    found.append((GROUPED[ns], prefix + str(p.pattern)))
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                found.append((namespace + (p.name or f"<unnamed {prefix}{p.pattern}>"), prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class World:
    """One case of `owner`'s in plan with a concern, a question, a teammate's action item, pending
    promises, an open escalation and a handoff offered to a colleague; and a case of `other`'s."""

    owner: object
    other: object
    teammate: object
    stranger: object  # a rep with no link to the case (restricted to own cases in the matrix)
    colleague: object  # the rep the pending handoff is offered to
    supervisor: object
    case: Case
    others_case: Case
    concern: Concern
    fact: Fact
    item: ActionItem
    promise: Promise
    handoff: Handoff
    escalation: Escalation

    def kwargs(self, name, route):
        """The URL arguments for `name` on this world's case (an unknown <pk> fails loudly)."""
        kwargs = {}
        if "<str:reference>" in route:
            kwargs["reference"] = self.case.reference
        if "<str:token>" in route:
            kwargs["token"] = "not-a-signed-token"
        if "<str:key>" in route:
            kwargs["key"] = "escalate"  # a part of the case page only those who work the case are offered
        if "<int:pk>" in route:
            kwargs["pk"] = self.pk_for(name)
        return kwargs

    def pk_for(self, name):
        short = name.split(":", 1)[1]
        if short.startswith("concern_"):
            return self.concern.pk
        if short.startswith("fact_"):
            return self.fact.pk
        if short.startswith("item_"):
            return self.item.pk
        if short.startswith("handoff_"):
            return self.handoff.pk
        if short == "renegotiate":
            return self.promise.pk
        if short.startswith("client_"):
            return self.case.client_id
        if name.startswith("supervisor:"):
            return self.escalation.pk
        if name == "mailin:attachment":
            return 999999  # the world has no mail: nobody finds an attachment that does not exist
        raise AssertionError(f"tests/security/support.py: which object does {name}'s <pk> name?")

    def url(self, name, route):
        return reverse(name, kwargs=self.kwargs(name, route))


def build_world():
    supervisor = SupervisorFactory(first_name="Sam")
    rep = lambda first: StaffProfileFactory(supervisor=supervisor, user__first_name=first).user  # noqa: E731
    owner, other, teammate, stranger, colleague = (rep(n) for n in ("Fran", "Olu", "Tam", "Stan", "Cole"))
    case = advance_to(open_case(owner, ClientFactory(name="Dennis Hale")), Step.PLAN, owner)
    now = timezone.now()
    item = services.action_item_create(user=owner, case=case, description="Restore the mail server from backup",
                                       kind=ItemKind.FIX, assignee=teammate, due_at=now + dt.timedelta(hours=3))
    services.cadence_set(user=owner, case=case, minutes=60, channel=Channel.PHONE)
    escalation = services.escalation_raise(user=owner, case=case, reason=EscalationReason.NO_PLAN,
                                           note="The host will not say when the server is back")
    handoff = services.handoff_request(user=owner, case=case, to_user=colleague,
                                       reason="Cole knows this host's control panel well")
    others_case = open_case(other, ClientFactory(name="Olga Other"))
    case.refresh_from_db()
    return World(owner=owner, other=other, teammate=teammate, stranger=stranger, colleague=colleague,
                 supervisor=supervisor, case=case, others_case=others_case, concern=case.concerns.first(),
                 fact=case.facts.first(), item=item, promise=case.promises.filter(status="pending").first(),
                 handoff=handoff, escalation=escalation)


# The matrix's columns: (title, who signs in, REPS_SEE_OWN_CASES_ONLY).
ROLES = (
    ("anonymous", None, False),
    ("owner", "owner", False),
    ("other rep", "other", False),
    ("teammate", "teammate", False),
    ("restricted", "stranger", True),
    ("supervisor", "supervisor", False),
)


def client_for(world, who):
    client = HttpClient()
    if who is not None:
        client.force_login(getattr(world, who))
    return client


@contextlib.contextmanager
def undone():
    """Whatever happens inside is rolled back (a savepoint), so one world serves many requests."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def restricted(on):
    return override_settings(REPS_SEE_OWN_CASES_ONLY=True) if on else contextlib.nullcontext()


CASE_RELATED = (Concern, Fact, ActionItem, Promise, CaseEvent, Escalation, Handoff, StatusUpdate, Delivery)


def snapshot(case):
    """The case row and every row hanging off it, as plain values, for before/after comparisons."""
    rows = {"case": list(Case.objects.filter(pk=case.pk).values())}
    for model in CASE_RELATED:
        rows[model.__name__] = list(model.objects.filter(case=case).order_by("pk").values())
    rows["watchers"] = sorted(case.watchers.values_list("pk", flat=True))
    return rows
