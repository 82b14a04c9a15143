import datetime as dt

import pytest
import time_machine

from cases import services
from cases.models import EscalationReason, Step
from tests.cases.helpers import advance_to, open_case

from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory


@pytest.fixture
def supervisor(db):
    return SupervisorFactory()


@pytest.fixture
def rep(db, supervisor):
    return StaffProfileFactory(supervisor=supervisor).user


@pytest.fixture
def other_rep(db, supervisor):
    return StaffProfileFactory(supervisor=supervisor).user


@pytest.fixture
def dennis(db):
    return ClientFactory(name="Dennis", organisation="Dennis's web shop", time_zone="Europe/London")


@pytest.fixture
def rep_client(client, rep):
    """The test client, signed in as `rep`."""
    client.force_login(rep)
    return client


@pytest.fixture
def case(rep, dennis):
    """A fresh case owned by `rep`, in identify."""
    return open_case(rep, dennis)


@pytest.fixture
def boss(client, supervisor):
    """The test client, signed in as `supervisor`."""
    client.force_login(supervisor)
    return client


@pytest.fixture
def escalation(rep, dennis):
    """An escalation (no plan yet) on a fresh case of `rep`'s."""
    case = open_case(rep, dennis)
    return services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                      note="The host will not say when the server is back")


@pytest.fixture
def frozen(request):
    """The clock stopped at the test module's NOW (time-machine); a test moves it with .shift/.move_to."""
    with time_machine.travel(request.module.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dana(rep):
    """The rep, with the name the client reads on the status page."""
    rep.first_name, rep.last_name = "Dana", "Whitlock"
    rep.save()
    return rep


@pytest.fixture
def at_delivery(frozen, rep, dennis):
    """Dennis's case in `deliver`, ten minutes after it got there (the frozen clock)."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    frozen.shift(dt.timedelta(minutes=10))
    return case


@pytest.fixture
def al(db):
    """A second supervisor, named (the stale-form tests: two supervisors on one case)."""
    return SupervisorFactory(username="al", first_name="Al", last_name="Berg")


@pytest.fixture
def bea(db):
    """A third supervisor, named, who takes escalations under another's page."""
    return SupervisorFactory(username="bea", first_name="Bea", last_name="Kahn")
