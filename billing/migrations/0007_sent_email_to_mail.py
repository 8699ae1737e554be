# The record of sent emails moves to the mail app (mail.Email), with its rows: the table is
# renamed here and the model taken into mail's state by mail's 0001.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_subscription_monthly_amount'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='sentemail', table='mail_email'),
            ],
            state_operations=[
                migrations.DeleteModel(name='SentEmail'),
            ],
        ),
    ]
