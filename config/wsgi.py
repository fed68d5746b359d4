import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Load the published catalog view now, in the background, so that no request waits for it.
from configurator.catalog import warm_in_background  # noqa: E402  (needs the app set up)

warm_in_background()
