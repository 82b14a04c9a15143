"""The list pages at 100,000 cases (issue 9): indexes that match what My cases, All cases and the
escalation queue filter and sort on, so each reads a page's worth of index rather than the open cases.

- item_open_by_assignee: the cases of a rep's open action items, an index-only scan (My cases).
- case_open_due_order: the open cases in All cases' default order (next promise due, nothing pending
  last, newest first), read in index order and stopped after a page.
- case_escalated + escalation_active_by_case: the escalation queue's open and taken escalations per
  case and the case's heat (temperature, flagged irate), two index-only scans merged on the case id.

Plain and partial B-tree indexes: SQLite (`make run`) builds them too, without the INCLUDE columns."""
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_status_link_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(condition=models.Q(("status", "open")), fields=["assignee", "case"],
                               name="item_open_by_assignee"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("step__in", ["identify", "acknowledge", "recommit", "gather", "plan",
                                                 "manage_anxiety", "deliver"])),
                fields=["next_promise_due_at", "-opened_at", "-id"], name="case_open_due_order"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("open_escalation_count__gt", 0)), fields=["id"],
                               include=("temperature", "flagged_irate"), name="case_escalated"),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(condition=models.Q(("status__in", ["open", "taken"])), fields=["case", "created_at"],
                               include=("reason", "raised_by_system"), name="escalation_active_by_case"),
        ),
    ]
