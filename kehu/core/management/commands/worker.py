"""``kehu worker``: the scheduler (periodic sweeps) plus the task runner of the configured backend.

The scheduler thread calls ``schedule.enqueue_due`` every 30 s; the main thread runs tasks with
django_tasks_db's own Worker (database backend) or an RQ worker (Redis backend). ``--once``
enqueues what is due, runs everything queued, and exits: for cron and for tests.
"""

from __future__ import annotations

import logging
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from kehu.core import clock, schedule

logger = logging.getLogger("kehu.worker")
SCHEDULER_SECONDS = 30


def run_scheduler(stop: threading.Event, interval: float) -> None:
    """Enqueue due sweeps until ``stop`` is set. A failing round is logged and retried next round."""
    while True:
        close_old_connections()
        try:
            schedule.enqueue_due(clock.now())
        except Exception:
            logger.exception("scheduler round failed")
        finally:
            close_old_connections()
        if stop.wait(interval):
            return


class Command(BaseCommand):
    help = "Run background tasks and enqueue periodic sweeps (database or Redis backend)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Enqueue due sweeps, run every queued task, then exit.")
        parser.add_argument("--queue", default="default", help="Queue to work on (default: %(default)s).")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="Only run tasks; leave enqueueing the sweeps to other workers.")

    def handle(self, *args, once: bool, queue: str, no_scheduler: bool, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if queue not in backend.queues:
            raise CommandError(f"queue {queue!r} is not configured for the task backend ({sorted(backend.queues)})")
        stop = threading.Event()
        if once:
            if not no_scheduler:
                for name in schedule.enqueue_due(clock.now()):
                    self.stdout.write(f"enqueued {name}")
        elif not no_scheduler:
            threading.Thread(target=run_scheduler, args=(stop, SCHEDULER_SECONDS), name="kehu-scheduler",
                             daemon=True).start()
        try:
            if type(backend).__module__.startswith("django_tasks_db"):
                self.run_database_worker(queue, once)
            elif type(backend).__module__.startswith("django_tasks_rq"):
                self.run_rq_worker(queue, once)
            else:
                raise CommandError(f"no worker for task backend {type(backend).__name__}")
        finally:
            stop.set()

    def run_database_worker(self, queue: str, once: bool) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=[queue], interval=1, batch=once, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                        startup_delay=not once, max_tasks=None, worker_id=get_random_string(32),
                        excluded_queue_names=[])
        if not once:
            worker.configure_signals()
        worker.run()

    def run_rq_worker(self, queue: str, once: bool) -> None:
        import django_rq

        # A burst runs in this process (SimpleWorker) so cron and tests see its effects at once;
        # a long-running worker forks per job, as RQ intends, so one bad job cannot take it down.
        worker = django_rq.get_worker(queue, job_class="django_tasks_rq.backend.Job",
                                      worker_class="rq.worker.SimpleWorker" if once else None)
        worker.work(burst=once, with_scheduler=not once)
