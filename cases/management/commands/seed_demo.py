"""Demo data: reps fran and alex, supervisor sam, Dennis's outage case in `manage_anxiety` with an
hourly cadence, and at least one case in every other step. Built through the services, so every
promise and event is real. Running it again changes nothing but the demo passwords.

`--history DAYS` adds a team's past (six reps, two supervisors, a few hundred cases: the _demo package),
once. The operator login `ops` (same password) opens the admin's outbox and sweep heartbeats.

It refuses a database that holds a team's own cases (cases, and none the demo made): there it would add
invented cases to the team's figures and give users named sam, fran, alex or ops the published password.
`--into-live-data` does it anyway. What the demo made is marked by the seeding itself: the "opened" event
of every demo case carries `data["seed"]` (DEMO_MARK here, the history's MARK), which nothing else writes.
A client with a demo client's address proved nothing (found by a review): mail-in creates clients from any
sender, so one email from Dennis's address switched the guard off on live data.

It refuses too, before writing anything, where a login it would make or reset (sam, fran, alex, ops, and the
history's team with --history) already exists and is not the demo's own: the demo gives every login it
makes the address <username>@casetracker.example (_demo.demo_email), which no real account has. A live
team's database holding no case yet (accounts set up first) had its sam, fran and ops given the demo
password and roles (found by an audit). `--into-live-data` seeds anyway. The password must pass the
project's password rules (AUTH_PASSWORD_VALIDATORS) in every case."""
import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.roles import ensure_roles
from cases.workflow import Transition as T
from cases.models import Case, CaseEvent, Channel, Client, EscalationReason, ItemKind, Mood, StaffProfile

from ._demo import MARK, demo_email, marked, seed_history, team_usernames

DEFAULT_PASSWORD = "demo-pass-123"
DEMO_MARK = "demo"  # data["seed"] of the "opened" event of every scenario case (the history's is MARK)

PEOPLE = [
    ("sam", "Sam", "Okafor", "supervisor"),
    ("fran", "Fran", "Lindqvist", "rep"),
    ("alex", "Alex", "Moreau", "rep"),
]

CLIENTS = {
    "dennis": dict(name="Dennis Hale", organisation="Hale Online Supplies", email="dennis@hale-online.example",
                   phone="+44 161 496 0101", time_zone="Europe/London",
                   quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 0)),
    "priya": dict(name="Priya Natarajan", organisation="Natarajan Dental", email="priya@natarajan-dental.example",
                  phone="+1 415 555 0144", time_zone="America/Los_Angeles"),
    "tomas": dict(name="Tomás Ruiz", organisation="Ruiz Logistics", email="tomas@ruizlogistics.example",
                  phone="+34 91 555 0199", time_zone="Europe/Madrid"),
    "mei": dict(name="Mei Chen", organisation="Lotus Tea House", email="mei@lotustea.example",
                phone="+61 2 5550 1234", time_zone="Australia/Sydney"),
}


class Command(BaseCommand):
    help = "Create the demo users and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password for every demo login.")
        parser.add_argument("--history", type=int, default=0, metavar="DAYS",
                            help="Also give the team DAYS days of past cases (once; e.g. 60).")
        parser.add_argument("--seed", type=int, default=8, help="Random seed of the history.")
        parser.add_argument("--into-live-data", action="store_true",
                            help="Seed even a database that holds a team's own cases or users named like the "
                                 "demo's (it gives them the demo password and roles).")

    def handle(self, *args, password, history=0, seed=8, into_live_data=False, **options):
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(f"The demo password is refused: {' '.join(error.messages)} Nothing was changed; "
                               "give a stronger one with --password.") from None
        if not into_live_data and Case.objects.exists() and not marked(DEMO_MARK, MARK):
            raise CommandError("This database holds a team's own cases: the demo would add invented cases to its "
                               "figures and give any users named sam, fran, alex or ops the demo password. "
                               "Nothing was changed (--into-live-data seeds it anyway).")
        taken = [] if into_live_data else self._accounts_not_the_demos(history)
        if taken:
            raise CommandError(f"This database has its own user(s) {', '.join(taken)}: the demo would give them its "
                               "password and roles and add invented cases. Nothing was changed. Seed an empty "
                               "database, or rename those users first (--into-live-data seeds it anyway).")
        with transaction.atomic():
            users = self._users(password)
            clients = {key: self._client(users["sam"], **data) for key, data in CLIENTS.items()}
            created = 0
            for builder in (self._dennis, self._identify, self._acknowledge, self._recommit, self._gather,
                            self._plan, self._deliver, self._resolved):
                created += builder(users, clients)
            self._operator(password)
        if history:
            started = time.monotonic()
            with transaction.atomic():
                made = seed_history(days=history, password=password, seed=seed, clients=clients.values())
            self.stdout.write(f"History: {made} case(s) over {history} days in {time.monotonic() - started:.1f} s."
                              if made else "History: already there; nothing added.")
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {created} case(s) created, {Case.objects.count()} in all. "
            f"Logins: fran / alex (reps), sam (supervisor); password: {password}"
        ))

    # --- people -----------------------------------------------------------------------------------
    def _accounts_not_the_demos(self, history):
        """The logins this run would make or reset that exist and were not made by the demo (sorted)."""
        names = [username for username, *_ in PEOPLE] + ["ops"] + (team_usernames() if history else [])
        found = get_user_model().objects.filter(username__in=names).values_list("username", "email")
        return sorted({username for username, email in found if email.lower() != demo_email(username)})

    def _users(self, password):
        User = get_user_model()
        ensure_roles()
        users = {}
        for username, first, last, role in PEOPLE:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last,
                                             "email": demo_email(username)})
            user.set_password(password)
            user.is_staff = role == "supervisor"
            user.save()
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        for rep in ("fran", "alex"):
            StaffProfile.objects.update_or_create(user=users[rep], defaults={"supervisor": users["sam"],
                                                                             "time_zone": "Europe/London"})
        StaffProfile.objects.get_or_create(user=users["sam"], defaults={"time_zone": "Europe/London"})
        return {k: User.objects.get(pk=v.pk) for k, v in users.items()}  # fresh permission caches

    def _operator(self, password):
        """`ops`: staff with the admin's outbox and heartbeats only. Not a superuser: the flag gives no role
        in the app (cases.permissions.holds) but would open all of the admin."""
        ops, _ = get_user_model().objects.get_or_create(
            username="ops", defaults={"first_name": "Ops", "email": demo_email("ops")})
        ops.set_password(password)
        ops.is_staff = True
        ops.save()
        ops.user_permissions.set(Permission.objects.filter(
            content_type__app_label="notifications",
            codename__in=["view_outboxmessage", "change_outboxmessage", "view_sweepheartbeat"]))

    def _client(self, user, **data):
        client = Client.objects.filter(email=data["email"]).first()
        return client or services.client_create(user=user, **data)

    def _new_case(self, owner, client, summary, temperature, concern):
        existing = Case.objects.filter(client=client, summary=summary).first()
        case = existing or services.case_open(user=owner, client=client, summary=summary, temperature=temperature,
                                              concern=concern)
        self._mark(case)  # an existing one too: a database seeded before the mark gets it on the next run
        return None if existing else case

    def _mark(self, case):
        for event in CaseEvent.objects.filter(case=case, verb="opened"):
            if event.data.get("seed") != DEMO_MARK:
                event.data = {**event.data, "seed": DEMO_MARK}
                event.save(update_fields=["data"])

    def _go(self, case, user, name):
        case.refresh_from_db()
        return services.case_transition(user=user, case=case, name=name)

    # --- the steps, reused by the builders ---------------------------------------------------------
    def _acknowledge_and_recommit(self, case, user, ack, recommit):
        case = self._go(case, user, T.COMPLETE_IDENTIFY.method)
        services.acknowledgement_record(user=user, case=case, text=ack)
        case = self._go(case, user, T.COMPLETE_ACKNOWLEDGE.method)
        if recommit:
            services.recommitment_record(user=user, case=case, text=recommit)
            case = self._go(case, user, T.COMPLETE_RECOMMIT.method)
        return case

    # --- the cases ----------------------------------------------------------------------------------
    def _dennis(self, users, clients):
        fran, alex = users["fran"], users["alex"]
        now = timezone.now()
        case = self._new_case(fran, clients["dennis"], "Website and email down after the host's overnight upgrade",
                              Mood.ANGRY, {
                                  "description": "The web shop shows 'temporarily unavailable'; no orders since last night",
                                  "impact": "50-100 orders a day are being lost; payroll is due in 3 days and depends on them",
                                  "impact_deadline": now + dt.timedelta(days=3),
                                  "feeling": "Angry and scared about paying his staff",
                              })
        if case is None:
            return 0
        services.concern_add(user=fran, case=case,
                             description="None of the 5 business mailboxes can send or receive",
                             impact="Sales and support cannot answer their own clients",
                             feeling="Embarrassed in front of his customers")
        case = self._acknowledge_and_recommit(
            case, fran,
            "So since the upgrade last night your shop and all five mailboxes are dark, and with payroll in three "
            "days every lost order hurts. I understand why you're angry, and thank you for calling us straight away.",
            "Keeping your business online is exactly what we signed up to do for you, and the whole team is on it now.",
        )
        services.fact_add(user=fran, case=case, question="When did you first notice the site was down?",
                          answer="About 6am, when the first customer emailed a complaint from a personal account")
        services.fact_add(user=fran, case=case, question="What does 'working' look like for you today?",
                          answer="Orders coming in and the team able to email customers")
        services.case_set_root_problem(
            user=fran, case=case,
            root_problem="The overnight upgrade failed on the shared servers; web and mail need restoring from the "
                         "pre-upgrade snapshot",
            expected_resolution="Shop and email back before payroll, and a time he can tell his team")
        case = self._go(case, fran, T.COMPLETE_GATHER.method)
        services.action_item_create(user=fran, case=case, kind=ItemKind.MITIGATE, assignee=alex,
                                    description="Forward the five mailboxes to temporary accounts so mail keeps flowing",
                                    due_at=now + dt.timedelta(hours=1))
        services.action_item_create(user=fran, case=case, kind=ItemKind.FIX, assignee=fran,
                                    description="Restore web and mail servers from the pre-upgrade snapshot",
                                    due_at=now + dt.timedelta(hours=4))
        services.action_item_create(user=fran, case=case, kind=ItemKind.PREVENT, assignee=fran,
                                    description="Add a tested rollback step to overnight upgrades",
                                    due_at=now + dt.timedelta(days=2))
        services.cadence_set(user=fran, case=case, minutes=60, channel=Channel.PHONE)
        services.eta_set(user=fran, case=case, earliest=now + dt.timedelta(hours=1),
                         latest=now + dt.timedelta(hours=5))
        case = self._go(case, fran, T.COMPLETE_PLAN.method)
        services.status_update_log(
            user=fran, case=case, channel=Channel.PHONE, client_mood=Mood.ANXIOUS,
            summary="Mail forwarding is being set up now; site expected back between 1 and 5 hours from now.")
        return 1

    def _identify(self, users, clients):
        case = self._new_case(users["alex"], clients["priya"], "Appointment system double-booked every patient",
                              Mood.IRATE, {"description": "Every slot this morning was booked twice",
                                           "impact": "", "feeling": "Furious"})
        if case is None:
            return 0
        services.escalation_raise(user=users["alex"], case=case, reason=EscalationReason.IRATE,
                                  note="Priya is shouting and wants a manager on the line before she goes on.")
        return 1

    def _acknowledge(self, users, clients):
        case = self._new_case(users["alex"], clients["tomas"], "Invoices sent with the wrong VAT rate",
                              Mood.UPSET, {"description": "March invoices show 10% VAT instead of 21%",
                                           "impact": "His clients are querying every invoice",
                                           "feeling": "Upset and worried about the tax office"})
        if case is None:
            return 0
        self._go(case, users["alex"], T.COMPLETE_IDENTIFY.method)
        return 1

    def _recommit(self, users, clients):
        case = self._new_case(users["fran"], clients["mei"], "Online menu shows last season's prices",
                              Mood.ANXIOUS, {"description": "The menu page lists the old prices",
                                             "impact": "Customers argue at the till", "feeling": "Anxious"})
        if case is None:
            return 0
        self._acknowledge_and_recommit(case, users["fran"],
                                       "Customers see prices you no longer charge, and that lands on your staff. "
                                       "Thanks for telling us.", "")
        return 1

    def _gather(self, users, clients):
        case = self._new_case(users["fran"], clients["tomas"], "Tracking page shows parcels as lost",
                              Mood.UPSET, {"description": "Delivered parcels show as lost",
                                           "impact": "Customers file claims", "feeling": "Frustrated"})
        if case is None:
            return 0
        case = self._acknowledge_and_recommit(case, users["fran"], "Your customers think their parcels are gone, "
                                              "which makes you look bad. Thank you for flagging it.",
                                              "We stand behind the tracking we give you and will make it right.")
        services.fact_add(user=users["fran"], case=case, question="Which carriers are affected?")
        return 1

    def _plan(self, users, clients):
        case = self._new_case(users["alex"], clients["mei"], "Card terminal declines contactless payments",
                              Mood.ANXIOUS, {"description": "Contactless cards are declined",
                                             "impact": "Queues at lunch; some customers leave",
                                             "feeling": "Stressed"})
        if case is None:
            return 0
        case = self._acknowledge_and_recommit(case, users["alex"], "Lunch is your busiest hour and payments keep "
                                              "failing; that is stressful. Thank you for calling.",
                                              "Working payments are our job, and we will put this right.")
        services.fact_add(user=users["alex"], case=case, question="Do chip-and-PIN payments work?",
                          answer="Yes, chip-and-PIN payments go through fine")
        services.case_set_root_problem(user=users["alex"], case=case,
                                       root_problem="Terminal firmware rejects the new contactless kernel")
        case = self._go(case, users["alex"], T.COMPLETE_GATHER.method)
        services.action_item_create(user=users["alex"], case=case, kind=ItemKind.FIX,
                                    description="Ship a replacement terminal")
        return 1

    def _deliver(self, users, clients):
        return self._through_plan(users["alex"], clients["priya"], "Reminder texts sent at 3am",
                                  T.COMPLETE_MANAGE_ANXIETY.method)

    def _resolved(self, users, clients):
        created = self._through_plan(users["fran"], clients["dennis"], "Old invoices missing from the portal",
                                     T.COMPLETE_DELIVER.method)
        return created

    def _through_plan(self, user, client, summary, last):
        now = timezone.now()
        case = self._new_case(user, client, summary, Mood.UPSET,
                              {"description": summary, "impact": "Patients and staff are confused",
                               "feeling": "Upset"})
        if case is None:
            return 0
        case = self._acknowledge_and_recommit(case, user, "That is confusing for everyone, and I understand why "
                                              "you're upset. Thanks for raising it.",
                                              "We hold ourselves to getting this right for you.")
        services.fact_add(user=user, case=case, question="When did it start?",
                          answer="On Monday morning, after the weekend update")
        services.case_set_root_problem(user=user, case=case, root_problem="A scheduler misconfiguration")
        case = self._go(case, user, T.COMPLETE_GATHER.method)
        item = services.action_item_create(user=user, case=case, kind=ItemKind.FIX, assignee=user,
                                           description="Correct the scheduler settings",
                                           due_at=now + dt.timedelta(hours=2))
        services.cadence_set(user=user, case=case, minutes=120, channel=Channel.EMAIL)
        services.eta_set(user=user, case=case, earliest=now + dt.timedelta(hours=1),
                         latest=now + dt.timedelta(hours=3))
        case = self._go(case, user, T.COMPLETE_PLAN.method)
        services.action_item_complete(user=user, item=item)
        case = self._go(case, user, T.COMPLETE_MANAGE_ANXIETY.method)
        if last == T.COMPLETE_DELIVER.method:
            services.delivery_record(user=user, case=case, verified_with_client=True, client_satisfied=True,
                                     prevention_note="Scheduler settings are now checked in review",
                                     follow_up_on=timezone.localdate() + dt.timedelta(days=7),
                                     expectation_met=True, client_mood=Mood.SATISFIED)
            self._go(case, user, T.COMPLETE_DELIVER.method)
        return 1
