from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core import clock


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class ScheduleSlot(models.Model):
    """One row per periodic task per slot: the unique constraint is what makes several workers
    running the scheduler at once enqueue a sweep only once per slot (kehu.core.schedule)."""

    task_name = models.CharField(max_length=200)
    slot_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=clock.now)
    result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task_name", "slot_start"], name="core_scheduleslot_once")]

    def __str__(self) -> str:
        return f"{self.task_name} @ {self.slot_start.isoformat()}"


class IdempotencyKey(models.Model):
    """The first answer to a create request carrying an ``Idempotency-Key`` header (PLAT-2).

    A retry with the same key gets the stored answer instead of a second object; a different
    request under the same key is refused (409). ``request_hash`` covers method, path and body.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)  # None: the answer had no body (204)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotencykey_unique")]

    def __str__(self) -> str:
        return f"{self.endpoint} [{self.key}]"
