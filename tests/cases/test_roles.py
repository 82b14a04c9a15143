import pytest

from cases.roles import ensure_roles


@pytest.mark.django_db
def test_a_rep_may_log_cases_but_not_work_everyone_elses(rep):
    assert rep.has_perm("cases.add_case")
    assert not rep.has_perm("cases.work_any_case")
    assert not rep.has_perm("cases.override_gate")


@pytest.mark.django_db
def test_a_supervisor_may_work_any_case_the_queue_and_the_override(supervisor):
    for perm in ("add_case", "work_any_case", "override_gate", "reassign_case", "work_escalations"):
        assert supervisor.has_perm(f"cases.{perm}"), perm


@pytest.mark.django_db
def test_ensure_roles_is_idempotent():
    first = ensure_roles()
    second = ensure_roles()

    assert [g.pk for g in first] == [g.pk for g in second]
    assert first[1].permissions.count() > first[0].permissions.count()
