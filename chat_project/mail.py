"""Sending mail: always as a background task, never inside a request.

A mail server that is slow or down must neither hold a request nor fail it: every app
renders its mail and hands it to `mail_later`, which queues `mail_send` after commit
(chat_project/tasks.py: retried with backoff — 30 s, 1 min, 2 min, 4 min — then shown as
given up in the admin). Where mail goes is EMAIL_URL (settings: the console by default).
"""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from chat_project.tasks import background, enqueue


@background(attempts=5, backoff=30)
def mail_send(to: list[str], subject: str, body: str, html: str = "") -> int:
    message = EmailMultiAlternatives(subject, body, None, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def render(template: str, context: dict, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of a text template whose first paragraph is the subject, in
    `language` (the recipient's; None: the active one)."""
    with translation.override(language or translation.get_language()):
        subject, _, body = render_to_string(template, context).partition("\n\n")
    return " ".join(subject.split()), body


def mail_later(address: str, template: str, context: dict, language: str | None = None) -> None:
    """Render `template` now, in the recipient's `language`, and send it to `address`
    from the worker after commit."""
    subject, body = render(template, context, language)
    enqueue(mail_send, [address], subject, body)
