from celery import shared_task
from celery.signals import worker_init, worker_process_init

from configurator import catalog, services
from core import clock


@worker_init.connect
@worker_process_init.connect
def _serve_latest_catalog(**_kwargs) -> None:
    """Tasks that follow a catalog change judge with the changed catalog, never a stale view."""
    catalog.serve_latest_catalog()


@shared_task(name="configurator.revalidate_after_change", bind=True, max_retries=5,
             retry_backoff=True, acks_late=True)
def revalidate_after_change(self, *, part_ids: list[int] = (), supplier_ids: list[int] = (),
                            reason: str = "") -> list[int]:
    """Idempotent: re-checking twice records the impact once (only a valid→invalid flip counts)."""
    return services.configurations_revalidate(
        part_ids=part_ids, supplier_ids=supplier_ids, reason=reason
    )


@shared_task(name="configurator.revalidate_policy_changes")
def revalidate_policy_changes() -> list[int]:
    """Every few hours: a rule-pack version that took effect since the last run (today's
    included) re-checks the configurations under it; a day no run saw is caught up."""
    return services.policies_recheck_due(clock.today())


@shared_task(name="configurator.revalidate_policy", acks_late=True)
def revalidate_policy(policy_code: str, reason: str) -> list[int]:
    """A custom policy was edited: re-check the configurations that use it."""
    return services.configurations_revalidate_for_policy(policy_code=policy_code, reason=reason)


@shared_task(name="configurator.publish_catalog_view", acks_late=True)
def publish_catalog_view() -> dict:
    """After a catalog change: build the catalog view once and publish it for every web
    process (idempotent: a stamp already published is left alone)."""
    return catalog.view_publish()


@shared_task(name="configurator.build_policy_verdicts", acks_late=True)
def build_policy_verdicts() -> int:
    """After a catalog or policy change: store every policy's verdicts for the new catalog
    stamp, so GET /parts/?policy= finds them ready (idempotent: stored sets are kept)."""
    return len(services.policy_verdicts_build_all())
