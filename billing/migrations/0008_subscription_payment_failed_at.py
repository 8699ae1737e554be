from django.db import migrations, models
from django.utils import timezone


def start_grace_now(apps, schema_editor):
    # Subscriptions already past due when the grace period arrives: their grace counts from
    # now (when their payment first failed is not known); the next sync sets it from Stripe.
    Subscription = apps.get_model("billing", "Subscription")
    Subscription.objects.filter(status__in=("past_due", "unpaid")).update(
        payment_failed_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_sent_email_to_mail"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="payment_failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(start_grace_now, migrations.RunPython.noop),
    ]
