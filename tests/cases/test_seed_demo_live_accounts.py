"""seed_demo on a live team's database that holds no case yet (found by an audit): it refuses, writing
nothing, where a login it would make or reset already exists and is not the demo's own (the demo gives its
logins the address <username>@casetracker.example), unless --into-live-data; and it refuses a password the
project's password rules refuse. `make run` still seeds an empty database, and again on its next start."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import Case
from tests.factories import RepFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
DEMO_NAMES = ["alex", "dana", "fran", "kim", "leo", "noor", "ops", "ravi", "sam"]


def _real(username, **kwargs):
    user = RepFactory(username=username, email=f"{username}@team.example", **kwargs)
    user.set_password(f"{username}s-own-long-secret-99")
    user.save()
    return user


def test_seed_demo_refuses_a_database_without_cases_whose_sam_is_a_teams_own_and_writes_nothing():
    sam = _real("sam")
    before = (sam.password, sam.is_staff, set(sam.groups.values_list("name", flat=True)))

    with pytest.raises(CommandError, match=r"its own user\(s\) sam: .*Nothing was changed"):
        call_command("seed_demo", "--password", "a-good-demo-pass-1")

    sam.refresh_from_db()
    assert (sam.password, sam.is_staff, set(sam.groups.values_list("name", flat=True))) == before
    assert not Case.objects.exists()
    assert list(User.objects.filter(username__in=DEMO_NAMES).values_list("username", flat=True)) == ["sam"]


def test_seed_demo_names_every_real_account_it_would_take_over_and_spares_the_operators_superuser():
    ops = UserFactory(username="ops", email="root@team.example", is_staff=True, is_superuser=True)
    _real("fran")

    with pytest.raises(CommandError, match=r"its own user\(s\) fran, ops:"):
        call_command("seed_demo", "--password", "a-good-demo-pass-1")

    ops.refresh_from_db()
    assert not ops.check_password("a-good-demo-pass-1") and ops.email == "root@team.example"


def test_seed_demo_with_a_history_refuses_a_real_account_named_like_the_historys_team():
    kim = _real("kim")

    with pytest.raises(CommandError, match=r"its own user\(s\) kim:"):
        call_command("seed_demo", "--password", "a-good-demo-pass-1", "--history", "10")

    kim.refresh_from_db()
    assert kim.check_password("kims-own-long-secret-99") and not Case.objects.exists()


def test_seed_demo_refuses_a_weak_password_and_writes_nothing():
    with pytest.raises(CommandError, match="The demo password is refused: .*Nothing was changed"):
        call_command("seed_demo", "--password", "x")

    assert not User.objects.filter(username__in=DEMO_NAMES).exists() and not Case.objects.exists()


def test_seed_demo_into_live_data_takes_real_accounts_only_with_a_password_the_rules_accept():
    sam = _real("sam")

    with pytest.raises(CommandError, match="The demo password is refused"):
        call_command("seed_demo", "--password", "x", "--into-live-data")
    call_command("seed_demo", "--password", "a-good-demo-pass-1", "--into-live-data")

    sam.refresh_from_db()
    assert sam.check_password("a-good-demo-pass-1") and Case.objects.exists()


def test_make_runs_seeding_works_on_an_empty_database_and_again_on_its_next_start():
    # scripts/run-dev.sh: seed_demo --password "$DEMO_PASSWORD" --history "$DEMO_HISTORY_DAYS" (defaults below)
    call_command("seed_demo", "--password", "demo-pass-123", "--history", "60")
    made = Case.objects.count()

    call_command("seed_demo", "--password", "demo-pass-123", "--history", "60")

    assert made > 0 and Case.objects.count() == made
    assert sorted(User.objects.filter(username__in=DEMO_NAMES).values_list("username", flat=True)) == DEMO_NAMES
    assert User.objects.get(username="fran").check_password("demo-pass-123")
