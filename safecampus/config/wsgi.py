import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings")
application = get_wsgi_application()

from safecampus.config.startup import settle  # noqa: E402 (needs the apps loaded)

settle()
