"""Session settings for every new PostgreSQL connection (web, worker, beat, commands).

JIT compilation is off unless POSTGRES_JIT is set: PostgreSQL compiles a statement to machine code when
its estimated cost passes jit_above_cost, and an estimate inflated by a correlated subquery that never
runs made the team page spend 20-30 ms compiling a statement that runs in 2 ms, on every request. The
app's statements are short index reads and window aggregates, never the long scans JIT pays off on; and
as the tables grow more of them would cross the threshold. One SET per new connection (with persistent
connections, once per worker and CONN_MAX_AGE)."""
from django.conf import settings


def configure_session(sender, connection, **kwargs):
    if connection.vendor != "postgresql" or getattr(settings, "POSTGRES_JIT", False):
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
