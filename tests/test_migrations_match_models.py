"""Every model change has its migration: `makemigrations --check` finds nothing to write (an index added by
a migration but not to the model's Meta, or the other way round, fails here rather than in production)."""
import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
