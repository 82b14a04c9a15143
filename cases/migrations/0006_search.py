"""Search (cases/search.py): two folded text columns on the case, filled for existing cases; on
PostgreSQL, pg_trgm and two GIN indexes (full text on to_tsvector('simple', search_text), trigram on
search_names). The indexes are not in Case.Meta because SQLite (`make run`) has neither GIN nor
pg_trgm: they are created here, on PostgreSQL only."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TEXT_INDEX = "case_search_text_gin"
NAMES_INDEX = "case_search_names_trgm"


def fill(apps, schema_editor):
    from cases.search import columns

    Case = apps.get_model("cases", "Case")
    qs = Case.objects.select_related("client").prefetch_related("concerns", "status_updates").order_by("pk")
    batch = []
    for case in qs.iterator(chunk_size=500):
        texts = [case.summary, case.root_problem]
        for concern in case.concerns.all():
            texts += [concern.description, concern.impact]
        texts += [u.summary for u in case.status_updates.all()]
        case.search_text, case.search_names = columns(reference=case.reference, client=case.client, texts=texts)
        batch.append(case)
        if len(batch) == 500:
            Case.objects.bulk_update(batch, ["search_text", "search_names"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["search_text", "search_names"])


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TEXT_INDEX} ON cases_case "
        "USING gin (to_tsvector('simple'::regconfig, search_text))"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAMES_INDEX} ON cases_case USING gin (search_names gin_trgm_ops)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAMES_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_team_attribution"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_names",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="case",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
