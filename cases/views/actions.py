"""Every change a rep makes on the case page, as data: the URL it posts to, the form that checks its
shape, the one service it calls, who may post it, and the part of the page it re-renders. The case
page and the generic POST view (cases.views.case) both read this table, so a form and its handler
cannot drift apart."""
from dataclasses import dataclass
from typing import Callable

from django.shortcuts import get_object_or_404

from .. import forms as f
from .. import services
from ..services import client_messages
from .. import permissions as perms
from ..escalations_shown import shown_escalations, taken_shown
from ..workflow import Transition


@dataclass(frozen=True)
class Action:
    name: str
    path: str  # under cases/<reference>/; "<int:pk>" for a per-row action
    form: type
    run: Callable  # run(user, case, obj, form)
    block: str  # the page region (#blk-<block>) the response re-renders
    who: str = "worker"  # a key of WHO: the permission predicate checked before the form is bound
    lookup: str = ""  # related manager on the case that holds the row named by pk
    refresh: bool = False  # success changes the whole page (step or ownership): reload it
    done: str | Callable = "Saved."  # or done(what run returned) -> the message

    def form_key(self, obj=None):
        return f"{self.name}:{obj.pk}" if obj is not None and self.lookup else self.name

    def bind(self, data, *, case, user, obj=None, users=None):
        auto_id = f"id_{self.name}_{obj.pk}_%s" if obj is not None and self.lookup else f"id_{self.name}_%s"
        return self.form(data, case=case, user=user, obj=obj, users=users, auto_id=auto_id)

    def get_object(self, case, pk):
        return get_object_or_404(getattr(case, self.lookup), pk=pk) if self.lookup else None

    def allows(self, user, case, obj):
        return WHO[self.who](user, case, obj)


def _update_done(update):
    if getattr(update, "extra", False):  # cases.services.updates: between two beats of the cadence
        return ("Status update logged, as an extra contact: it does not count as the next promised update, "
                "which is still due when the Promises card says.")
    return "Status update logged."


def _quiet_done(done, what):
    """`done`, and a word when the deadline the rep gave fell in the client's quiet hours and was moved
    to when they end (cases.services.promises.allowed_due): the rep must tell the client the new time."""
    def message(result):
        if getattr(result, "moved_out_of_quiet_hours", False):
            return (f"{done} The time you gave falls in the client's quiet hours, so {what} moved to when they "
                    "end: tell the client the time shown.")
        return done
    return message


# Who may post each kind of action: cases.permissions decides; the service checks again under the lock.
WHO = {
    "worker": lambda user, case, obj: perms.can_work_case(user, case),
    "item": lambda user, case, obj: perms.can_act_on_item(user, obj),
    "item_cancel": lambda user, case, obj: perms.can_cancel_item(user, obj),
    "item_hand_back": lambda user, case, obj: perms.can_hand_back_item(user, obj),
    "handoff": lambda user, case, obj: (perms.can_answer_handoff(user, obj) or perms.can_accept_handoff_for(user, obj)
                                        or perms.can_work_case(user, case)),
    "viewer": lambda user, case, obj: perms.can_log_contact(user, case),
    "asker": lambda user, case, obj: perms.can_ask_for_case(user, case),
    "reassigner": lambda user, case, obj: perms.can_reassign(user, case),
}


def _cd(form):
    return form.cleaned_data


def _move(u, c, o, form):
    """A step change. The override resolves every open escalation of the case, so, posted from any page,
    it goes through the escalation page's service with what this page showed of them (a post without them
    has seen none): found by an audit, the case page's override closed the case over an escalation raised or
    taken since the page was opened."""
    d = _cd(form)
    if d["name"] == Transition.FORCE_CLOSE.method:
        return services.case_close_by_override(user=u, case=c, reason=d["reason"], step_shown=d["step_shown"],
                                               shown=shown_escalations(form.data), taken_shown=taken_shown(form.data))
    return services.case_transition(user=u, case=c, name=d["name"], reason=d["reason"], step_shown=d["step_shown"])


ACTION_LIST = [
    Action("concern_add", "concerns/", f.ConcernForm, block="concerns", done="Concern added.",
           run=lambda u, c, o, form: services.concern_add(user=u, case=c, **_cd(form))),
    Action("concern_edit", "concerns/<int:pk>/", f.ConcernForm, block="concerns", lookup="concerns",
           done="Concern updated.",
           run=lambda u, c, o, form: services.concern_update(user=u, concern=o, **_cd(form))),
    Action("temperature", "temperature/", f.TemperatureForm, block="temperature", done="Temperature recorded.",
           run=lambda u, c, o, form: services.case_set_temperature(user=u, case=c, **_cd(form))),
    Action("irate", "irate/", f.IrateFlagForm, block="temperature", done="Irate flag updated.",
           run=lambda u, c, o, form: services.case_flag_irate(user=u, case=c, **_cd(form))),
    Action("ack", "acknowledgement/", f.AcknowledgementForm, block="ack", done="Acknowledgement recorded.",
           run=lambda u, c, o, form: services.acknowledgement_record(user=u, case=c, text=_cd(form)["text"])),
    Action("recommit", "recommitment/", f.RecommitmentForm, block="recommit", done="Recommitment recorded.",
           run=lambda u, c, o, form: services.recommitment_record(user=u, case=c, text=_cd(form)["text"])),
    Action("fact_add", "questions/", f.FactForm, block="facts", done="Question recorded.",
           run=lambda u, c, o, form: services.fact_add(user=u, case=c, **_cd(form))),
    Action("fact_answer", "questions/<int:pk>/answer/", f.FactAnswerForm, block="facts", lookup="facts",
           done="Answer recorded.",
           run=lambda u, c, o, form: services.fact_answer(user=u, fact=o, answer=_cd(form)["answer"])),
    Action("root", "root-problem/", f.RootProblemForm, block="root", done="Root problem recorded.",
           run=lambda u, c, o, form: services.case_set_root_problem(user=u, case=c, **_cd(form))),
    Action("item_add", "items/", f.ActionItemForm, block="items",
           done=_quiet_done("Action item added.", "its due time"),
           run=lambda u, c, o, form: services.action_item_create(
               user=u, case=c, description=_cd(form)["description"], kind=_cd(form)["kind"],
               assignee=_cd(form)["assignee"], due_at=_cd(form)["due_at"])),
    Action("item_edit", "items/<int:pk>/", f.ActionItemEditForm, block="items", lookup="action_items",
           done=_quiet_done("Action item updated.", "its due time"),
           run=lambda u, c, o, form: services.action_item_update(
               user=u, item=o, description=_cd(form)["description"], kind=_cd(form)["kind"],
               assignee=_cd(form)["assignee"], due_at=_cd(form)["due_at"], **form.agreement(),
               assignee_shown=_cd(form).get("assignee_shown"), item_shown=_cd(form).get("item_shown"))),
    Action("item_hand_back", "items/<int:pk>/hand-back/", f.ItemHandBackForm, block="items", lookup="action_items",
           who="item_hand_back", done="Handed back: the case owner will take it back or decline.",
           run=lambda u, c, o, form: services.action_item_hand_back(user=u, item=o, note=_cd(form)["note"])),
    Action("item_hand_back_answer", "items/<int:pk>/hand-back/answer/", f.ItemHandBackAnswerForm, block="items",
           lookup="action_items", who="item_cancel", done="Hand-back answered.",
           run=lambda u, c, o, form: services.action_item_answer_hand_back(user=u, item=o, **_cd(form))),
    Action("item_done", "items/<int:pk>/done/", f.ItemDoneForm, block="items", lookup="action_items",
           who="item", done="Action item done.",
           run=lambda u, c, o, form: services.action_item_complete(user=u, item=o, note=_cd(form)["note"],
                                                                    item_shown=_cd(form).get("item_shown"))),
    Action("item_cancel", "items/<int:pk>/cancel/", f.ItemCancelForm, block="items", lookup="action_items",
           who="item_cancel", done="Action item cancelled.",
           run=lambda u, c, o, form: services.action_item_cancel(user=u, item=o, reason=_cd(form)["reason"],
                                                                  item_shown=_cd(form).get("item_shown"),
                                                                  **form.agreement())),
    Action("cadence", "cadence/", f.CadenceForm, block="cadence", done="Update cadence agreed.",
           run=lambda u, c, o, form: services.cadence_set(
               user=u, case=c, minutes=form.minutes(), channel=_cd(form)["channel"],
               business_hours_only=_cd(form)["business_hours_only"], note=_cd(form)["note"], **form.agreement(),
               cadence_shown=_cd(form).get("cadence_shown"))),
    Action("eta", "estimate/", f.EtaForm, block="eta", done=_quiet_done("Estimate given.", "its latest end"),
           run=lambda u, c, o, form: services.eta_set(
               user=u, case=c, earliest=_cd(form)["eta_earliest"], latest=_cd(form)["eta_latest"],
               note=_cd(form)["note"], **form.agreement(), eta_shown=_cd(form).get("eta_shown"))),
    Action("update", "updates/", f.StatusUpdateForm, block="updates", done=_update_done,
           run=lambda u, c, o, form: client_messages.status_update_give(
               user=u, case=c, summary=_cd(form)["text"], channel=_cd(form)["channel"],
               client_mood=_cd(form)["client_mood"], given_at=_cd(form)["given_at"],
               client_line=_cd(form)["client_line"], send_email=_cd(form)["send_email"])),
    Action("renegotiate", "promises/<int:pk>/renegotiate/", f.RenegotiateForm, block="promises",
           lookup="promises", done="New deadline agreed.",
           run=lambda u, c, o, form: services.promise_renegotiate(
               user=u, promise=o, new_due_at=_cd(form)["new_due_at"], agreed_channel=_cd(form)["agreed_channel"],
               agreed_text=_cd(form)["agreed_text"])),
    Action("delivery", "delivery/", f.DeliveryForm, block="delivery", done="Delivery recorded.",
           run=lambda u, c, o, form: services.delivery_record(user=u, case=c, **_cd(form))),
    Action("followup", "follow-up/", f.FollowUpForm, block="followup", done="Follow-up call logged.",
           run=lambda u, c, o, form: services.follow_up_log(user=u, case=c, note=_cd(form)["note"])),
    Action("transition", "step/", f.TransitionForm, block="gate", refresh=True, done="", run=_move),
    Action("move", "step/back/", f.TransitionForm, block="moves", refresh=True, done="", run=_move),
    Action("escalate", "escalate/", f.EscalateForm, block="escalate", done="Escalated to a supervisor.",
           run=lambda u, c, o, form: services.escalation_raise(user=u, case=c, **_cd(form))),
    Action("handoff_request", "handoff/", f.HandoffRequestForm, block="handoff",
           done="Handoff requested: it takes effect when they accept.",
           run=lambda u, c, o, form: services.handoff_request(user=u, case=c, **_cd(form))),
    Action("handoff_accept", "handoff/<int:pk>/accept/", f.HandoffAcceptForm, block="handoff",
           lookup="handoffs", who="handoff", refresh=True, done="You now own this case.",
           run=lambda u, c, o, form: services.handoff_accept(
               user=u, handoff=o, client_informed=_cd(form)["client_informed"])),
    Action("handoff_decline", "handoff/<int:pk>/decline/", f.HandoffDeclineForm, block="handoff",
           lookup="handoffs", who="handoff", refresh=True, done="Handoff withdrawn.",
           run=lambda u, c, o, form: services.handoff_decline(user=u, handoff=o, note=_cd(form)["note"])),
    Action("contact_log", "contact/", f.ContactLogForm, block="team", who="viewer",
           done="Contact logged: the owner has been told.",
           run=lambda u, c, o, form: services.client_contact_log(user=u, case=c, **_cd(form))),
    Action("ask_for_case", "ask/", f.AskForCaseForm, block="team", who="asker",
           done="Asked: the case becomes yours when the owner or a supervisor accepts.",
           run=lambda u, c, o, form: services.case_ask_for(user=u, case=c, reason=_cd(form)["reason"])),
    Action("client_details", "client/", f.ClientDetailsForm, block="client", done="Client details saved.",
           run=lambda u, c, o, form: services.client_update(user=u, client=c.client, case=c, **_cd(form))),
    Action("reassign", "reassign/", f.ReassignForm, block="handoff", who="reassigner", refresh=True,
           done="Case reassigned.",
           run=lambda u, c, o, form: services.case_reassign(user=u, case=c, **_cd(form))),
]
ACTIONS = {a.name: a for a in ACTION_LIST}
