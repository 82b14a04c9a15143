"""The stalled-case sweep reads `Case.stall_clock_from`, not `step_entered_at`: a reopen into the step a
supervisor's override closed the case from resumes the clock the override paused (Case.force_close,
Case.reopen). Found by a review: an override and an immediate reopen restarted the clock of a case about to
be flagged as stalled. Every case's clock starts where its stay began; a case an override closed before this
migration resumes from nothing when reopened (what it had sat is not recorded)."""
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0040_rating_by_current_address'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_stall_candidates',
        ),
        migrations.AddField(
            model_name='case',
            name='stall_clock_from',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunSQL("UPDATE cases_case SET stall_clock_from = step_entered_at", migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('step__in', ['identify', 'acknowledge', 'recommit', 'gather', 'plan']), ('stalled_flagged_at__isnull', True)), fields=['stall_clock_from'], name='case_stall_candidates'),
        ),
    ]
