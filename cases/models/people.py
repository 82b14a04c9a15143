"""Clients (who never log in) and the staff profile that links a rep to their supervisor."""
import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Replace


def validate_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.") from exc


# A phone number as people write one: digits with spaces and + ( ) - . /, at least 5 digits, then perhaps
# an extension ("x 12", "ext. 12").
_PHONE = re.compile(r"[0-9+()\-./ ]+(?:\s*(?:x|ext\.?)\s*[0-9]+)?", re.IGNORECASE)
PHONE_MIN_DIGITS = 5


def validate_phone(value):
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < PHONE_MIN_DIGITS:
        raise ValidationError(f"“{value}” is not a phone number: use digits (at least {PHONE_MIN_DIGITS}), spaces "
                              "and + ( ) - . /, with an extension after “ext.” if there is one.")


def _phone_digits(field="phone"):
    """The digits of the phone number, as the database computes them on every write (bulk inserts and the
    demo's too): the number without what validate_phone lets people write around them, so "+44 20 7946
    0000" and "+442079460000" are one number to the picker and to intake's check for a client on file."""
    expression = models.F(field)
    for character in " +()-./xXeEtT":
        expression = Replace(expression, models.Value(character), models.Value(""))
    return expression


class Client(models.Model):
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True, validators=[validate_phone])
    phone_digits = models.GeneratedField(expression=_phone_digits(), output_field=models.CharField(max_length=50),
                                         db_persist=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Quiet hours in the client's local time; a window may wrap midnight (22:00-07:00).
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone_digits"], name="client_phone_digits")]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class StaffProfile(models.Model):
    """Who a rep reports to, and the rep's own time zone (times are shown in the viewer's zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_members",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    def __str__(self):
        return f"profile of {self.user}"
