import pytest

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
