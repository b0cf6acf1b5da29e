"""Tasks the worker tests queue (the worker process imports them by path)."""

from pathlib import Path

from chat_project.tasks import background


@background(attempts=1)
def note(path: str, text: str) -> str:
    """Append `text` to the file: the test sees that the worker ran it."""
    with Path(path).open("a") as out:
        out.write(text + "\n")
    return text


@background(attempts=3, backoff=1.0)
def always_fails(path: str) -> None:
    """Fails every time, noting each attempt: retried twice (1 s, then 2 s), then given up."""
    with Path(path).open("a") as out:
        out.write("attempt\n")
    raise RuntimeError("the mail server said no")
