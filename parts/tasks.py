from celery import shared_task

from parts import services


@shared_task(name="parts.run_catalog_import", acks_late=True)
def run_catalog_import(*, job_id: int) -> str | None:
    """A large catalog import; idempotent (a finished job is not run twice)."""
    job = services.catalog_import_job_run(job_id=job_id)
    return job.status if job else None
