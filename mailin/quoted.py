"""The new part of a client's reply: the quoted history and the signature cut off (mailin.parsing keeps what
is left as the message's text)."""
import re

# The signature delimiter (RFC 3676): "-- " with its space, the line as written. A line of "--" alone is the
# client's own text (found by an audit: "--" then "Also: payroll fails tomorrow, call me" lost the second
# sentence for good, the raw message not being kept).
SIGNATURE = "-- "

# Where quoted history starts: everything from the first of these lines on is history.
_HISTORY_STARTS = [
    re.compile(r"^on\b.{0,300}\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^am\b.{0,300}\bschrieb\b.{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^el\b.{0,300}\bescribió:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}",
               re.IGNORECASE),  # Outlook and others
    re.compile(r"^_{10,}\s*$"),  # Outlook on the web, before its From:/Sent: block
    re.compile(r"^sent from my \w+", re.IGNORECASE),
]
_OUTLOOK_HEADER = re.compile(r"^\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\*?(sent|date|gesendet|envoyé|to|subject)\s*:", re.IGNORECASE)


def _starts_history(line, following):
    if any(p.match(line) for p in _HISTORY_STARTS):
        return True
    # "On Mon, 2 Mar 2026 at 10:00, Fran <fran@…>" and "wrote:" wrapped onto the next line
    if line.lower().startswith("on ") and following.lower().endswith("wrote:"):
        return bool(_HISTORY_STARTS[0].match(f"{line} {following}"))
    return bool(_OUTLOOK_HEADER.match(line) and _OUTLOOK_NEXT.match(following))


def trim_quoted(text):
    """The new part of a reply: lines quoted with '>' dropped, and everything from the first "On ...
    wrote:" line (or a client's separator, an Outlook From:/Sent: block, the signature delimiter) on
    cut off. A message that is nothing but quotation is kept whole, so no message ends up empty."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if line == SIGNATURE or _starts_history(stripped, lines[i + 1].strip() if i + 1 < len(lines) else ""):
            break
        if not stripped.startswith(">"):
            kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result or (text or "").strip()
