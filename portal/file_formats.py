"""The formats an uploaded document may have, as the content check (portal/uploads.py) reads
them and a call's required documents (applications.RequiredDocument) accept them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    IMAGE = "image", _("Image (PNG, JPEG)")
    HWP = "hwp", "HWP"
    HWPX = "hwpx", "HWPX"
    XLSX = "xlsx", "XLSX"
    DOCX = "docx", "DOCX"
