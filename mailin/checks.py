"""`manage.py check` (and every start): an accepted attachment type with no extension known for it
(mailin.filenames.TYPE_EXTENSIONS) is kept under a ".bin" name the rep renames before opening; say so."""
from django.conf import settings
from django.core import checks

from .filenames import types_without_extensions


@checks.register()
def attachment_types_have_extensions(app_configs=None, **kwargs):
    unknown = types_without_extensions(settings.MAILIN_ALLOWED_CONTENT_TYPES)
    if not unknown:
        return []
    return [checks.Warning(
        f"Attachments of type {', '.join(unknown)} are accepted (MAILIN_ALLOWED_CONTENT_TYPES) but no extension "
        "is known for them: they are kept under names ending in .bin.",
        hint="Add the type's extensions to mailin.filenames.TYPE_EXTENSIONS, or stop accepting it.",
        id="mailin.W001")]
