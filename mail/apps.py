"""The site's one path for email: every email is sent by mail.transport, and every one but a
campaign's (whose Recipient row is its record) is recorded by mail.outbox as an Email row."""

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = "Email"
