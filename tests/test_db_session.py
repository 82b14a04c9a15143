"""Every PostgreSQL connection the app opens has JIT compilation off (cases/db_session.py): a statement whose
estimate is inflated past jit_above_cost is not compiled to machine code on every request."""
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from cases.db_session import configure_session


def _jit(conn):
    with conn.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_new_connection_has_jit_off():
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)  # a new connection: connection_created runs
    try:
        assert _jit(fresh) == "off"
    finally:
        fresh.close()


@pytest.mark.django_db
def test_postgres_jit_setting_leaves_the_server_s_default(settings):
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    settings.POSTGRES_JIT = True
    configure_session(sender=None, connection=connection)
    assert _jit(connection) == "on"

    settings.POSTGRES_JIT = False
    configure_session(sender=None, connection=connection)
    assert _jit(connection) == "off"
