from django.apps import AppConfig


class ConfiguratorConfig(AppConfig):
    name = "configurator"
    verbose_name = "Configurator"

    def ready(self) -> None:
        from configurator import events
        from parts.signals import catalog_changed

        catalog_changed.connect(events.on_catalog_changed, dispatch_uid="configurator-revalidate")
