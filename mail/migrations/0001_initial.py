# billing.SentEmail, with its rows, becomes mail.Email (its table renamed by billing's 0007),
# then takes what every email's record needs: a subject, a Message-ID, no user (an address with
# no account), and whether a task sends it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0007_sent_email_to_mail'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Email',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40)),
                        ('cause', models.CharField(help_text='What caused it, e.g. a Stripe id.', max_length=255)),
                        ('to', models.EmailField(max_length=254)),
                        ('context', models.JSONField(default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('error', models.TextField(blank=True)),
                        ('claimed_until', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ('-created_at',),
                        'constraints': [models.UniqueConstraint(fields=('kind', 'cause'), name='one_email_per_cause')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='email',
            name='kind',
            field=models.CharField(help_text='Its templates, e.g. welcome, login_code.', max_length=60),
        ),
        migrations.AlterField(
            model_name='email',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='emails', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='email',
            name='subject',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='email',
            name='message_id',
            field=models.CharField(blank=True, max_length=200, verbose_name='Message-ID'),
        ),
        migrations.AddField(
            model_name='email',
            name='by_task',
            field=models.BooleanField(default=True),
        ),
    ]
