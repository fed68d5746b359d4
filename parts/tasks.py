from celery import shared_task
from celery.exceptions import Ignore

from parts import services


@shared_task(name="parts.run_catalog_import", acks_late=True)
def run_catalog_import(*, job_id: int) -> str | None:
    """A large catalog import; idempotent (a finished job is not run twice, a running one
    not beside itself: that message is dropped, and the outbox publishes the job again if
    the run it left it to never finishes)."""
    try:
        job = services.catalog_import_job_run(job_id=job_id)
    except services.ImportJobRunning as exc:
        raise Ignore(str(exc)) from exc
    return job.status if job else None
