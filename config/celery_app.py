"""The Celery app: Redis broker, JSON only, late acks so a killed worker's task runs again."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("corekit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
