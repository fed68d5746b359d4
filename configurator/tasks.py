from celery import shared_task

from configurator import services


@shared_task(bind=True, max_retries=5, retry_backoff=True, acks_late=True)
def revalidate_after_change(self, *, part_ids: list[int] = (), supplier_ids: list[int] = (),
                            reason: str = "") -> list[int]:
    """Idempotent: re-checking twice records the impact once (only a valid→invalid flip counts)."""
    return services.configurations_revalidate(
        part_ids=part_ids, supplier_ids=supplier_ids, reason=reason
    )
