"""A logging filter that blanks OAuth secrets in URLs (Zoho's revoke call carries the token in the query)."""

import logging
import re

# Query parameters that carry a token, a grant code or a secret.
_SECRET_QUERY = re.compile(
    r"([?&](?:token|refresh_token|access_token|code|client_secret|code_verifier)=)[^&\s\"']+"
)


def redact_url_secrets(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


class RedactOAuthSecrets(logging.Filter):
    """Installed on the ``httpx`` and ``django.server`` loggers, which print request URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    for name in ("httpx", "django.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactOAuthSecrets) for f in logger.filters):
            logger.addFilter(RedactOAuthSecrets())
