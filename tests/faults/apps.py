import functools
import time

from django.apps import AppConfig
from django.conf import settings


class FaultInjectionConfig(AppConfig):
    name = "tests.faults"
    label = "fault_injection"

    def ready(self):
        from orders import services

        original = services.pricing_json

        @functools.wraps(original)
        def pricing_json_then_pause(*args, **kwargs):
            frozen = original(*args, **kwargs)
            if settings.COREKIT_FAULT_QUOTE_DELAY_S:
                time.sleep(settings.COREKIT_FAULT_QUOTE_DELAY_S)
            return frozen

        services.pricing_json = pricing_json_then_pause
