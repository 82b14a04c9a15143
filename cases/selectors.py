"""Reads that carry rules: who may see a case, who supervises whom, the promise-keeping rate."""
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from .frozen import FrozenRead
from .text import mailbox_of
from .permissions import (  # noqa: F401 (re-exported)
    can_act_on_item, can_view_case, is_supervisor, may_own_cases, sees_whole_team,
)

from .models import (
    OPEN_STEPS, ActionItem, Case, Handoff, HandoffStatus, Promise, PromiseStatus, StaffProfile,
)

SUPERVISOR_GROUP = "supervisor"
REP_GROUP = "rep"


def supervisors():
    """Active holders of the supervisor role (its group): those who co-own an irate case, hear of broken
    promises and are offered work. A superuser without the role (an operator's login) is none of these,
    whatever Django's permissions let them do in the admin."""
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name=SUPERVISOR_GROUP).distinct().order_by("id")


def holds_supervisor_role(user_id):
    """Whether the user is one of supervisors() now."""
    return user_id is not None and supervisors().filter(pk=user_id).exists()


def supervisor_for(user):
    """The user's own supervisor while they hold the supervisor's role (one of supervisors()),
    else the first active supervisor; None if there is none. (A profile may still name someone who has
    since lost the role: they co-own no irate case and hear of no broken promise for it.)"""
    profile = StaffProfile.objects.filter(user=user).select_related("supervisor").first()
    if profile and holds_supervisor_role(profile.supervisor_id):
        return profile.supervisor
    return supervisors().exclude(pk=user.pk).first()


def supervisor_emails_for(user):
    """Whom to tell when the user's promise breaks: their supervisor, or every supervisor."""
    return supervisor_emails_for_many([user])[user.pk]


def supervisor_emails_for_many(users):
    """`supervisor_emails_for` of several users in at most three queries (the sweeps' batches):
    {user pk: [emails]}."""
    profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__in=[u.pk for u in users])
                .select_related("supervisor")}
    named = {p.supervisor_id for p in profiles.values() if p.supervisor_id}
    # Those named who hold the role now (supervisor_for's rule, one query for the batch).
    holding = set(supervisors().filter(pk__in=named).values_list("pk", flat=True)) if named else set()
    found, everyone = {}, None
    for user in users:
        boss = getattr(profiles.get(user.pk), "supervisor", None)
        if boss is not None and boss.pk in holding and boss.email:
            found[user.pk] = [boss.email]
            continue
        if everyone is None:
            everyone = [u.email for u in supervisors() if u.email]
        found[user.pk] = list(everyone)
    return found


def visible_cases(user):
    """Cases the user may open (cases.permissions.can_view_case, as a query): the whole team's for
    supervisors and, unless REPS_SEE_OWN_CASES_ONLY, for reps; otherwise the cases they own or watch,
    where they hold an action item, or that a pending handoff offers them, and (any rep) the cases opened
    from an email that wait to be claimed (cases.permissions.can_claim_case); none for one who has left
    the team or lost the role."""
    qs = Case.objects.all()
    if sees_whole_team(user):
        return qs
    if not may_own_cases(user):  # left the team or lost the role: none (can_view_case)
        return qs.none()
    holds_item = ActionItem.objects.filter(case=OuterRef("pk"), assignee=user)
    offered = Handoff.objects.filter(case=OuterRef("pk"), to_user=user, status=HandoffStatus.REQUESTED)
    watches = Case.watchers.through.objects.filter(case=OuterRef("pk"), user=user)
    claimable = Q(awaiting_claim=True, step__in=OPEN_STEPS)
    # Every condition on the case's own row or an EXISTS: each case once without a DISTINCT, which would
    # sort the whole visible set for uniqueness (and refuse an ORDER BY on search's computed rank were its
    # values ever sent apart from the SQL).
    # No co_owner: a co-owner sees the case while a supervisor (above), as can_view_case says; one demoted
    # since keeps no closed case they co-owned in search or on a client's page (found by a review).
    return qs.filter(Q(owner=user) | Exists(watches) | Exists(holds_item) | Exists(offered) | claimable)


def own_cases_q(user):
    """The cases that are `user`'s own work, as a filter on Case (My cases, the unread client mail): the
    ones they own, and those they co-own while a supervisor (the irate rule's co-owner); nothing for one
    who has left the team or lost the role. The same rule as can_view_case: a list never names a case its
    reader may not open (found by a review: a demoted co-owner, and a rep who lost every role, still saw
    their closed cases' clients listed)."""
    if not may_own_cases(user):
        return Q(pk__in=[])
    return owned_q(user.pk, co_owner=is_supervisor(user))


def owned_q(user_id, *, co_owner):
    """own_cases_q for one who may own cases, by their id (My cases freezes its statement with the id as a
    parameter): the cases they own, and with `co_owner` (a supervisor) those they co-own."""
    return (Q(owner_id=user_id) | Q(co_owner_id=user_id)) if co_owner else Q(owner_id=user_id)


# Every case page, and the pages of one case, read it by its reference (cases.frozen).
_CASE_BY_REFERENCE = FrozenRead(lambda reference: Case.objects.select_related("client", "owner", "co_owner")
                                .filter(reference=reference)[:1])


def case_for_user(user, reference):
    """The case with this reference if the user may see it, else 404 (never reveal it exists)."""
    case = _CASE_BY_REFERENCE.first(str(reference))
    if case is None or not can_view_case(user, case):
        raise Http404("No such case.")
    return case


def promise_keeping_rate(promises):
    """kept / (kept + broken) over a queryset of promises; None when nothing was settled."""
    counts = promises.aggregate(
        kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
        broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
    )
    settled = counts["kept"] + counts["broken"]
    return None if settled == 0 else counts["kept"] / settled


def promises_for_rate(*, owner=None, since=None, until=None):
    qs = Promise.objects.all()
    if owner is not None:
        qs = qs.filter(owner=owner)
    if since is not None:
        qs = qs.filter(due_at__gte=since)
    if until is not None:
        qs = qs.filter(due_at__lt=until)
    return qs


def send_addresses():
    """The addresses the tracker sends from (DEFAULT_FROM_EMAIL, CLIENT_MAIL_FROM): mail from them coming
    back in is a loop (mailin), and none of them is a client's (is_team_address)."""
    return [addr for addr in (parseaddr(settings.DEFAULT_FROM_EMAIL)[1], parseaddr(settings.CLIENT_MAIL_FROM)[1])
            if addr]


def at_mailin_domain(address):
    """Any address at the team's inbound domain (the general inbox, a reply address, a forged one)."""
    return (address or "").strip().lower().rstrip(".").endswith("@" + settings.MAILIN_DOMAIN.lower())


def is_own_address(email):
    """Whether `email` is one of the tracker's own addresses, in any spelling (mailbox_of): one it sends from
    (send_addresses) or any at MAILIN_DOMAIN. Mail from one coming back in is a loop (mailin)."""
    mailbox = mailbox_of(email)
    return bool(mailbox) and (at_mailin_domain(mailbox) or mailbox in {mailbox_of(a) for a in send_addresses()})


def is_team_address(email):
    """Whether `email` reaches the team: any user's mailbox (active or not; in any letter case, quoted,
    or with a +tag, found by a review: rep+client@ reached the rep), the team's own From addresses
    (DEFAULT_FROM_EMAIL, CLIENT_MAIL_FROM, MAILIN_UNCLAIMED_NOTIFY) or any address at MAILIN_DOMAIN (our
    reply addresses). Never a client's, since what goes to a client's address (the survey among it) is
    theirs to answer. One query."""
    mailbox = mailbox_of(email)
    if not mailbox:
        return False
    if is_own_address(mailbox) or mailbox in {mailbox_of(parseaddr(a)[1]) for a in settings.MAILIN_UNCLAIMED_NOTIFY}:
        return True
    domain = mailbox.rpartition("@")[2]
    users = get_user_model().objects.filter(email__iendswith=f"@{domain}").values_list("email", flat=True)
    return any(mailbox_of(address) == mailbox for address in users)
