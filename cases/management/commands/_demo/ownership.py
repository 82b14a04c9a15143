"""The ownership part of a demo case's run (_demo.ledger.Ledger): each owner's part of a stay, handoffs asked
for, offered, answered, and a supervisor's reassignment, as cases.services.handoffs, cases.services.team and
cases.services.held write them."""
from cases.models import Handoff, HeldStay
from cases.models import HandoffStatus as HS
from cases.workflow import OPEN_STEPS

from . import texts as tx


def person(user):
    return user.get_full_name() or user.username


class Ownership:
    """Mixed into Ledger: the case's owner, its watchers and its handoffs over the run."""

    def end_of_holding(self, step):
        """The owner's part of the stay in `step` ends now (cases.services.held.end_of_holding)."""
        self.add(HeldStay, owner=self.owner, step=step, entered_at=self.case.step_entered_at,
                 started_at=self.held_from, ended_at=self.t, seconds=(self.t - self.held_from).total_seconds())
        self.held_from = self.t

    def transfer(self, new_owner):
        self.end_of_holding(self.step)
        old, self.owner = self.owner, new_owner
        self.watchers.add(old)
        self.watchers.discard(new_owner)
        for promise in self.pending.values():  # the owner's own promises pass on; items keep their assignee
            if promise.owner.pk == old.pk and promise.action_item is None:
                promise.owner = new_owner
        return old

    def pending_handoff(self):
        return next((h for h in self.rows[Handoff] if h.status == HS.REQUESTED), None)

    def reassign(self, supervisor):
        mate = self.rng.choice(self.w.teammates(self.owner))
        waiting = self.pending_handoff()
        if waiting:
            waiting.status = HS.CANCELLED
        reason = "Rebalancing: the client needs someone with more time this week."
        handoff = self.add(Handoff, from_user=self.owner, to_user=mate, reason=reason, status=HS.ACCEPTED,
                           by_supervisor=supervisor, requested_at=self.t, accepted_at=self.t, client_informed=True)
        old = self.transfer(mate)
        self.event("reassigned", actor=supervisor, note=f"From {person(old)} to {person(mate)}: {reason}",
                   data={"handoff": handoff})
        self.irate_rule(supervisor, owner_changed=True)

    def handoff(self):
        """The owner hands the case to a teammate, or a teammate asks for it; answered a little later."""
        rng = self.rng
        if self.step not in OPEN_STEPS or self.pending_handoff():
            return
        mate = rng.choice(self.w.teammates(self.owner))
        asked = rng.random() < 0.3
        reason = rng.choice(tx.ASK_REASONS) if asked else rng.choice(tx.HANDOFF_REASONS).format(to=mate.first_name)
        handoff = self.add(Handoff, from_user=self.owner, to_user=mate, reason=reason,
                           requested_by=mate if asked else self.owner, requested_at=self.t)
        if asked:
            self.event("case asked for", actor=mate, note=f"{person(mate)}: {reason}", data={"handoff": handoff})
        else:
            self.event("handoff requested", note=f"To {person(mate)}: {reason}", data={"handoff": handoff})
        yield self.after(10, 600, pace=False)
        if handoff.status != HS.REQUESTED or self.step not in OPEN_STEPS:
            return
        if rng.random() < 0.15:
            handoff.status = HS.DECLINED
            verb = "request for the case declined" if asked else "handoff declined"
            self.event(verb, actor=self.owner if asked else mate, data={"handoff": handoff})
            return
        accepter = self.owner if asked else mate
        handoff.status, handoff.accepted_at, handoff.client_informed = HS.ACCEPTED, self.t, True
        old = self.transfer(mate)
        self.event("handoff accepted", actor=accepter, data={"handoff": handoff},
                   note=f"{person(mate)} now owns the case (from {person(old)}): {reason}")
        self.irate_rule(accepter, owner_changed=True)
