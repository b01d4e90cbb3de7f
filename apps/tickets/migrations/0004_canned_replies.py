# Reserved for: canned replies (W1). Operations are written by hand (or moved here from a makemigrations run).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_bulk_jobs_saved_views")]

    operations = []
