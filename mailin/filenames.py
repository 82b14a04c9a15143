"""The names a client's attachment is stored, shown and downloaded under: one rule for mailin.parsing (the
name read from the email), mailin.services (what is refused, what a kept file is called) and the pages.

- A name loses any folder, control and invisible characters (a right-to-left override included), the
  characters Windows refuses in a name (`<>:"|?*`: "x.bat::$DATA" wrote an NTFS stream with some tools),
  and its leading and trailing dots and spaces, however many (Windows drops trailing ones when it saves, so
  "fix.bat . ." was "fix.bat . " to the check and fix.bat on disk). A device name of Windows ("CON.txt")
  gets an underscore before it.
- A file named as one that runs when opened (RUNS_WHEN_OPENED) is refused whatever type it claims.
- A kept file ends with an extension of its checked type (TYPE_EXTENSIONS), added when the sender's name
  ends otherwise ("invoice.docm" checked as Word's .docx is "invoice.docm.docx"); a type the list does not
  know (an operator may accept more: MAILIN_ALLOWED_CONTENT_TYPES) ends with ".bin", and `manage.py check`
  warns of it. The program that opens the file is the checked type's, never the one the name asks for; a
  list of names that run can never be complete (an audit: a macro workbook .xlsm passed as .xlsx)."""
import re

NAME_MAX = 200  # InboundAttachment.filename
UNKNOWN_EXTENSION = "bin"

# Files that run, or run what is in them, when opened from a download folder, whatever type the email
# declared (found by an audit: fix.hta declared as text, invoice.html behind a real PNG header were kept
# under their own names, a double-click away from running).
RUNS_WHEN_OPENED = frozenset({
    "app", "apk", "application", "bat", "cmd", "com", "cpl", "dll", "exe", "gadget", "hta", "htm", "html",
    "inf", "jar", "js", "jse", "lnk", "mht", "mhtml", "msc", "msi", "msp", "pif", "ps1", "psm1", "reg", "scr",
    "sct", "sh", "shtml", "svg", "url", "vb", "vbe", "vbs", "ws", "wsc", "wsf", "wsh", "xhtml", "xht",
})

TYPE_EXTENSIONS = {
    "application/pdf": ("pdf",), "image/png": ("png",), "image/jpeg": ("jpg", "jpeg", "jpe"), "image/gif": ("gif",),
    "image/webp": ("webp",), "text/plain": ("txt", "text", "log"), "text/csv": ("csv",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.oasis.opendocument.text": ("odt",), "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "message/rfc822": ("eml",),
}

_FORBIDDEN = re.compile(r'[<>:"|?*]')
_ENDS = re.compile(r"^[\s.]+|[\s.]+$")
# Windows' device names, superscript-digit ports and console handles too, before an extension or a space.
_DEVICE = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\s*\.|\s*$)", re.IGNORECASE)


def safe_name(name):
    """`name` as it may be stored and saved (above); "" when nothing is left of it."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN.sub("_", "".join(ch for ch in name if ch.isprintable()))
    name = _ENDS.sub("", name)
    return f"_{name}" if _DEVICE.match(name) else name


def extension(filename):
    """The extension a file named `filename` is saved with, lower case ("" for none)."""
    filename = _ENDS.sub("", filename)
    return filename.rpartition(".")[2].strip().lower() if "." in filename else ""


def runs_when_opened(filename):
    return extension(filename) in RUNS_WHEN_OPENED


def kept_name(filename, content_type):
    """The name a kept attachment is stored, shown and downloaded under: `filename` (safe_name), ending with
    an extension of its type, added when it ends otherwise, within NAME_MAX characters."""
    filename = safe_name(filename) or "attachment"
    allowed = TYPE_EXTENSIONS.get((content_type or "").lower(), (UNKNOWN_EXTENSION,))
    if extension(filename) in allowed:
        return filename
    return f"{filename[:NAME_MAX - len(allowed[0]) - 1]}.{allowed[0]}"


def types_without_extensions(content_types):
    """The accepted types whose kept files end with ".bin" (no extension known for them)."""
    return sorted({t for t in content_types if t.lower() not in TYPE_EXTENSIONS})
