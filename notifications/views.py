"""/healthz, for load balancers and monitors: no login, no personal data (counts, ages and sweep
names), HTTP 200 when every check passes and 503 when one does not or the database is unreachable."""
import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import system_health

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    try:
        health = system_health()
    except DatabaseError:
        logger.exception("healthz: the database cannot be reached")
        return JsonResponse({"status": "degraded", "database": "unreachable", "checks": {},
                             "problems": ["The database cannot be reached."]}, status=503)
    return JsonResponse({"status": "ok" if health.ok else "degraded", "database": "ok", "checks": health.checks(),
                         "problems": list(health.problems)}, status=200 if health.ok else 503)
