import uuid

from django.db import models

from kehu.core.protected import BlindIndexField, ProtectedField


class Person(models.Model):
    """The shape a customer model will have: mobile bound to model and field, the ID number
    additionally bound to its row through ``uid`` (known before the INSERT)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=50)
    mobile = ProtectedField(kind="mobile", blank=True)
    mobile_bidx = BlindIndexField(source="mobile")
    mobile_l4 = BlindIndexField(source="mobile", last4=True)
    id_number = ProtectedField(kind="id_number", blank=True, bind_to="uid")
    id_number_bidx = BlindIndexField(source="id_number")
    id_number_l4 = BlindIndexField(source="id_number", last4=True)
    address = ProtectedField(kind="address", blank=True)

    def __str__(self) -> str:
        return self.name
