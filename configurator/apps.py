from django.apps import AppConfig


class ConfiguratorConfig(AppConfig):
    name = "configurator"
    verbose_name = "Configurator"

    def ready(self) -> None:
        from configurator import events, services
        from parts.signals import catalog_changed, catalog_imported, catalog_stamp_moved

        catalog_changed.connect(events.on_catalog_changed, dispatch_uid="configurator-revalidate")
        catalog_stamp_moved.connect(events.on_catalog_stamp_moved, dispatch_uid="configurator-catalog-view")
        catalog_imported.connect(services.catalog_publish_with_import,
                                 dispatch_uid="configurator-catalog-view-import")

        from configurator.models import CustomPolicy, KitSlot, KitTemplate
        from parts import receivers

        # Templates are part of the cached catalog view, and policy verdicts are cached with
        # it: editing either moves the stamp too.
        receivers.connect(extra_models=(KitTemplate, KitSlot, CustomPolicy))
