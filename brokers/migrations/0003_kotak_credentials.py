from django.db import migrations, models


class Migration(migrations.Migration):
    """A stock broker's login on exchange accounts (Kotak Neo), encrypted like the API keys."""

    dependencies = [
        ("brokers", "0002_paper_broker"),
    ]

    operations = [
        migrations.AddField(
            model_name="exchangeconfig",
            name=name,
            field=models.TextField(blank=True, default="", editable=False),
        )
        for name in ("mobile_number_encrypted", "ucc_encrypted", "mpin_encrypted", "totp_secret_encrypted")
    ]
