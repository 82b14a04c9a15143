"""CSV downloads that a spreadsheet opens safely, and streams of them.

Every text cell that begins with a character a spreadsheet reads as the start of a formula (= + - @)
or with a tab or carriage return gets a leading apostrophe, so a client named "=HYPERLINK(...)" shows
as text instead of running (OWASP "CSV injection"). Numbers pass through as numbers: they cannot carry a
formula. Every CSV the app hands out goes through `csv_safe`/`safe_row` (or `streaming_csv_response`)."""
import csv

from django.http import HttpResponseBadRequest, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """One cell: '' for None, numbers unchanged, text defused with a leading apostrophe when needed."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values):
    return [csv_safe(v) for v in values]


class _Echo:
    """A file-like object whose write() returns what it was given: csv.writer renders one line at a time."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """The CSV text, line by line: the header, then each row (an iterable of values), all made safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def streaming_csv_response(filename, header, rows):
    """A download streamed row by row, so a long list never sits in memory as one string. `rows` is
    consumed lazily: pass a generator over `queryset.iterator()`."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_refused(form, fields=None):
    """400, in words, when a download was asked for with a filter or window its page shows an error for
    (`fields`: those that decide what the file holds; all when None): found by an audit, a CSV asked for
    "owner=abc" or "days=5" left the bad value out and handed over a wider table without a word.
    None when nothing stands in the way."""
    errors = {name: errs for name, errs in form.errors.items() if fields is None or name in fields}
    if not errors:
        return None
    said = "; ".join(f"{form.fields[name].label or name}: {' '.join(errs)}" if name in form.fields else " ".join(errs)
                     for name, errs in errors.items())
    return HttpResponseBadRequest(f"The download was not made. {said} Go back to the page, correct it, and "
                                  "download again.\n", content_type="text/plain; charset=utf-8")
