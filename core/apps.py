from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _staff_groups_after_migrate(sender, app_config, using, **kwargs):
    # post_migrate is sent once per app, and each app's permissions are created by its own
    # signal: set the groups once, after the last app's, so every listed permission exists.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is last:
        from core.services import staff_groups_ensure

        staff_groups_ensure(strict=False)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Organizations and access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from core import outbox, throttling

        post_migrate.connect(_staff_groups_after_migrate, dispatch_uid="core.staff_groups")
        user_login_failed.connect(throttling.on_login_failed, dispatch_uid="core.login_failed")
        user_logged_in.connect(throttling.on_logged_in, dispatch_uid="core.logged_in")
        # Workers report started, retried and finished tasks back to their outbox message.
        outbox.connect_signals()
