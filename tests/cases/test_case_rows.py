"""{% load case_rows %} (cases/templatetags/case_rows.py): the list rows' stepper, mood chip, countdown,
case links and filter controls are built in Python for speed, and must print exactly what the templates
and Django's widgets they stand for print."""
import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from cases.formatting import case_path
from cases.forms import MyCasesFilterForm
from cases.forms_supervisor import AllCasesFilterForm, QueueFilterForm
from cases.models import Case, Client, Mood, Step
from cases.templatetags.case_rows import case_url, control, due, mood, step_track
from tests.factories import RepFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
DJANGO = engines["django"]


def _render(source, **context):
    return DJANGO.from_string("{% load case_ui %}" + source).render(context)


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("closed_from", ["", Step.PLAN, Step.DELIVER])
def test_the_row_stepper_is_the_compact_stepper(step, closed_from):
    case = Case(step=step, closed_from_step=closed_from)

    expected = _render("{% stepper step compact=True closed_from=closed_from %}", step=step, closed_from=closed_from)

    assert str(step_track(case)) == expected


@pytest.mark.parametrize("value", [*Mood.values, ""])
def test_the_row_mood_is_the_mood_chip(value):
    assert str(mood(value)) == _render("{% mood_chip value %}", value=value)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("delta", [dt.timedelta(minutes=-90), dt.timedelta(hours=3), dt.timedelta(days=200)])
def test_the_row_countdown_is_the_countdown(zone, delta):
    client = Client(name="Ana <Lund>", time_zone=zone)
    due_at = NOW + delta

    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        expected = _render("{% countdown due_at client now %}", due_at=due_at, client=client, now=NOW)
        built = due(due_at, client, NOW)

    assert str(built) == expected.strip()
    assert "&lt;Lund&gt;" in str(built) or zone == "Europe/London"


def test_no_due_time_prints_nothing():
    assert due(None, None, NOW) == ""


@pytest.mark.django_db
def test_a_case_link_is_the_reversed_url():
    assert case_url("cases:case_detail", "C-000042") == reverse("cases:case_detail", args=["C-000042"])
    assert case_url("supervisor:case_take", "C-7") == reverse("supervisor:case_take", args=["C-7"])


@pytest.mark.django_db
def test_an_emails_case_path_is_the_reversed_url_under_any_script_prefix():
    case = Case(reference="C-000042")
    try:
        for prefix in ("/", "/tracker/"):
            set_script_prefix(prefix)
            assert case_path(case) == reverse("cases:case_detail", args=["C-000042"])
    finally:
        set_script_prefix("/")


@pytest.mark.django_db
@pytest.mark.parametrize("make_form", [
    lambda: MyCasesFilterForm({"step": Step.PLAN, "overdue": "on", "q": "x"}, steps=list(Step)),
    lambda: MyCasesFilterForm(None, steps=list(Step)),
    lambda: AllCasesFilterForm({"owner": "3", "opened_from": "2025-01-02", "sort": "newest"},
                               owners=[RepFactory.build(pk=3, username="a<b"), RepFactory.build(pk=4)]),
    lambda: AllCasesFilterForm({"opened_from": "1999-01-01"}, owners=[]),  # an error: Django renders it
    lambda: QueueFilterForm({"reason": "irate"}),
])
def test_a_filter_control_is_what_django_renders(make_form):
    form = make_form()

    for field in form:
        assert control(field) == field.as_widget(), field.name


@pytest.fixture
def translations_on(settings):
    """Django's translation machinery on (the project runs with USE_I18N off: English only), as its
    docs say to switch it in a test: the functions it chose are forgotten before and after."""
    from django.utils import translation

    settings.USE_I18N = True
    translation._trans.__dict__.clear()
    yield
    settings.USE_I18N = False
    translation._trans.__dict__.clear()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_spelt_out_dates_are_django_s_formats_in_the_active_language(language, translations_on):
    """`when` and `stamp` write month and weekday names from a per-language table: every month and every
    weekday must read as Django's own date formats do, in whichever language is active (with Django's
    translations on: English-only as configured, every language reads English)."""
    from django.utils import translation
    from django.utils.dateformat import format as date_format

    from cases.templatetags.case_rows import stamp
    from cases.templatetags.case_ui import _shows_year, when

    zone = zoneinfo.ZoneInfo("Europe/London")
    with translation.override(language), timezone.override(zone):
        for day in range(0, 365, 9):  # every month, every weekday, this year and far away
            for value in (NOW + dt.timedelta(days=day), NOW - dt.timedelta(days=400 + day)):
                local = timezone.localtime(value)
                assert when(value) == date_format(local, "D j M Y H:i" if _shows_year(local) else "D j M H:i")
                assert stamp(value) == date_format(local, "j M Y H:i")
                assert stamp(value, clock=False) == date_format(local, "j M Y")
