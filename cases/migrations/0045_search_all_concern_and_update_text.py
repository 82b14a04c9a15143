"""Search reads all of a concern's and a status update's text (cases.search.case_texts: how the client
feels, the line written for their status page): the search columns of the cases on file are filled again.
No schema change."""
from django.db import migrations


def refill(apps, schema_editor):
    from cases.search import case_texts, columns

    Case = apps.get_model("cases", "Case")
    qs = Case.objects.select_related("client").prefetch_related("concerns", "status_updates").order_by("pk")
    batch = []
    for case in qs.iterator(chunk_size=500):
        case.search_text, case.search_names = columns(
            reference=case.reference, client=case.client,
            texts=case_texts(case, case.concerns.all(), case.status_updates.all()))
        batch.append(case)
        if len(batch) == 500:
            Case.objects.bulk_update(batch, ["search_text", "search_names"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["search_text", "search_names"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0044_promise_moved_by")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop, elidable=True)]
