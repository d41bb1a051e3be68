"""WSGI entry point: ``distretto.wsgi:application`` for gunicorn, waitress or uWSGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
application = get_wsgi_application()
