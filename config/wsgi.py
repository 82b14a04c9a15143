"""The WSGI application (gunicorn config.wsgi). Once Django is set up, everything loaded so far (settings,
apps, models, URL patterns) lives as long as the worker: gc.freeze() moves it out of the collector's
reach, so a full collection during a request scans only what requests made (one over the ~125,000
start-up objects took ~45 ms, a case page's p99) and a forked worker does not copy those pages back."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
gc.freeze()
