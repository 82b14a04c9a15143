"""My cases' first page is read by a frozen statement (cases.frozen, written once per process) built from
the same queryset the ORM pages through (selectors_ui._mine): for every shape of filters, the ids, their
order and the count are the ORM's, for a rep and for a supervisor who co-owns, with and without items on
others' cases. A search is not frozen (its lookups rewrite the value) and reads through the ORM."""
import datetime as dt

import pytest
from django.utils import timezone

from cases.models import ActionItem, ItemStatus, Mood, Step
from cases.paging import first_page_of
from cases.selectors_ui import MY_CASES_PAGE_SIZE, my_cases
from tests.factories import CaseFactory, RepFactory

pytestmark = pytest.mark.django_db

SHAPES = [
    {}, {"show": "resolved"}, {"show": "all"}, {"step": Step.PLAN}, {"overdue": True}, {"escalated": True},
    {"step": Step.GATHER, "overdue": True, "escalated": True, "show": "all"},
]


def _cases(user, other):
    now = timezone.now()
    for i in range(MY_CASES_PAGE_SIZE + 6):  # more than a page: the count is not the page's length
        CaseFactory(owner=user, step=[Step.PLAN, Step.GATHER, Step.RESOLVED][i % 3], temperature=Mood.UPSET,
                    next_promise_due_at=now + dt.timedelta(hours=i - 10) if i % 4 else None,
                    open_escalation_count=i % 2)
    for i in range(8):  # others' cases: the user holds an item on half of them
        case = CaseFactory(owner=other, step=Step.PLAN, next_promise_due_at=now - dt.timedelta(hours=i))
        if i % 2:
            ActionItem.objects.create(case=case, description="Check the backup", assignee=user, created_by=other,
                                      status=ItemStatus.OPEN)


def _orm(ordered):
    return list(first_page_of(ordered.values("pk"), MY_CASES_PAGE_SIZE))


@pytest.mark.parametrize("filters", SHAPES, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "default")
@pytest.mark.parametrize("who", ["rep", "supervisor"])
def test_the_frozen_first_page_is_the_orms(rep, supervisor, other_rep, filters, who):
    user = rep if who == "rep" else supervisor
    _cases(user, other_rep)
    if who == "supervisor":  # a supervisor co-owns an irate client's case
        CaseFactory(owner=other_rep, co_owner=supervisor, step=Step.PLAN)
    now = timezone.now()

    ordered, first = my_cases(user, now=now, **filters)

    assert first is not None
    frozen = first()
    assert frozen == _orm(ordered) and frozen
    assert frozen[0]["rows_in_all"] == ordered.count()


def test_a_rep_without_items_reads_the_same_first_page(rep, other_rep):
    for _ in range(3):
        CaseFactory(owner=rep, step=Step.PLAN)
    CaseFactory(owner=other_rep, step=Step.PLAN)

    ordered, first = my_cases(rep)

    assert first() == _orm(ordered) and len(first()) == 3


def test_a_search_is_read_through_the_orm(rep):
    CaseFactory(owner=rep, step=Step.PLAN, summary="Printer on fire")

    ordered, first = my_cases(rep, q="printer")

    assert first is None and ordered.count() == 1


def test_one_who_may_not_own_cases_has_none(other_rep):
    CaseFactory(owner=other_rep, step=Step.PLAN)
    other_rep.groups.clear()

    ordered, first = my_cases(other_rep)

    assert first is None and not ordered.exists()


def test_another_rep_gets_their_own_first_page_from_the_same_statement(rep, other_rep):
    mine = CaseFactory(owner=rep, step=Step.PLAN)
    theirs = CaseFactory(owner=other_rep, step=Step.PLAN)
    RepFactory()

    assert [row["pk"] for row in my_cases(rep)[1]()] == [mine.pk]
    assert [row["pk"] for row in my_cases(other_rep)[1]()] == [theirs.pk]
