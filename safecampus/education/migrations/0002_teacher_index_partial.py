"""The head teacher index holds only the classes with one (education/models.py)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('education', '0001_initial'),
        ('orgs', '0002_school_flood_prone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='schoolclass',
            name='schoolclass_teacher_idx',
        ),
        migrations.AddIndex(
            model_name='schoolclass',
            index=models.Index(condition=models.Q(('head_teacher__isnull', False)), fields=['head_teacher', 'active'], name='schoolclass_teacher_idx'),
        ),
    ]
