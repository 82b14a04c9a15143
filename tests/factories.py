"""factory_boy factories for the domain. Cases are built through the services when a test needs a
case in a given step (see tests/cases/helpers.py), so the counters and promises are real."""
import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.models import Case, Client, Mood, StaffProfile
from cases.roles import ensure_roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """UserFactory(role="rep") puts the user in that group."""
        _join(self, create, extracted)


def _join(user, create, group_name):
    if create and group_name:
        if not Group.objects.filter(name=group_name).exists():
            ensure_roles()  # transactional tests flush the groups the migration made
        user.groups.add(Group.objects.get(name=group_name))
    if create:
        user.save()


class RepFactory(UserFactory):
    role = factory.PostGeneration(lambda user, create, extracted, **kw: _join(user, create, extracted or "rep"))


class SupervisorFactory(UserFactory):
    role = factory.PostGeneration(
        lambda user, create, extracted, **kw: _join(user, create, extracted or "supervisor")
    )


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(RepFactory)
    supervisor = factory.SubFactory(SupervisorFactory)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Faker("name")
    organisation = factory.Faker("company")
    email = factory.Faker("email")
    phone = "+44 20 7946 0000"
    time_zone = "UTC"


class CaseFactory(factory.django.DjangoModelFactory):
    """A bare case in `identify` (no concerns). Prefer the services to advance it."""

    class Meta:
        model = Case

    client = factory.SubFactory(ClientFactory)
    owner = factory.SubFactory(RepFactory)
    summary = "Website and email down since the overnight upgrade"
    temperature = Mood.ANXIOUS
    intake_temperature = Mood.ANXIOUS
    reference = factory.Sequence(lambda n: f"C-9{n:05d}")
