"""The call list of an activation, as one compact snapshot (``crisis.call_list``).

The list is the ordered entries of the register when the plan was triggered, packed in one
binary value (``ENTRY`` bytes an entry: the registration's 16-byte id, its priority as two
big-endian bytes), plus a claim cursor: the entries before ``cursor`` have been handed out (each
has its ``Call`` row); those after it are pending and get their row when first claimed.
Entries added during the activation (a person registered while the plan is open) get their row
at once, with the ranks after ``snapshot_size``. No foreign key to the registrations and no
index but the key: the snapshot is written in one statement (bench/crisis).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crisis.models.plans import Activation

ENTRY = 18  # bytes an entry: uuid (16) + priority (2)


class CallList(models.Model):
    activation = models.OneToOneField(
        Activation,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="call_list",
        verbose_name=_("plan"),
    )
    # 60 random bits naming the list in its calls' ids (``crisis.call_list.call_id``).
    key = models.BigIntegerField(_("clé"), unique=True)
    entries = models.BinaryField(_("entrées"))
    snapshot_size = models.PositiveIntegerField(_("personnes au déclenchement"))
    size = models.PositiveIntegerField(_("personnes à appeler"))
    cursor = models.PositiveIntegerField(_("entrées distribuées"), default=0)
    built_at = models.DateTimeField(_("établie le"))

    class Meta:
        verbose_name = _("liste d'appels")
        verbose_name_plural = _("listes d'appels")

    def __str__(self) -> str:
        return f"Liste d'appels ({self.size})"
