"""Background import (django-tasks): the page enqueues ``run_import`` and polls the job."""

from __future__ import annotations

from django_tasks import task

from kehu.core import context
from kehu.customers.jobs import job_run
from kehu.customers.models import ImportJob


@task()
def run_import(job_id: int) -> str:
    with context.bound(context.RequestContext(channel="task")):
        return job_run(ImportJob.objects.get(pk=job_id)).status
