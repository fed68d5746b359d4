from django.apps import AppConfig


class PartsConfig(AppConfig):
    name = "parts"
    verbose_name = "Parts catalog"

    def ready(self) -> None:
        from parts import receivers

        receivers.connect()
