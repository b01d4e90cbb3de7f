# Reserved for: tags and followers on the ticket mirror (W2). Operations are written by hand (or moved here from a makemigrations run).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_canned_replies")]

    operations = []
