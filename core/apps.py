from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Organizations and access"

    def ready(self) -> None:
        # Workers report started, retried and finished tasks back to their outbox message.
        from core import outbox

        outbox.connect_signals()
