"""Builders for hazard tests: a checklist, photos that are real images, users per role."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.hazards.choices import Category, Grade, Rhythm
from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, ChecklistVersion


def photo(name="spot.jpg", colour=(200, 30, 30), size=(64, 48), fmt="JPEG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def checklist(
    items=("消防通道畅通", "灭火器在有效期内", "电线无裸露"), org=None
) -> ChecklistVersion:
    template = ChecklistTemplate.objects.create(
        name="日常敏感部位检查", rhythm=Rhythm.SCHOOL_DAY, org=org
    )
    version = ChecklistVersion.objects.create(template=template, number=1)
    for i, text in enumerate(items):
        ChecklistItem.objects.create(
            version=version,
            position=i,
            text=text,
            category=Category.FIRE,
            default_grade=Grade.GENERAL,
        )
    template.current = version
    template.save()
    return version
