"""Encryption at rest for tokens and client secrets: Fernet with a rotatable key list from settings."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key (a key was dropped too early)."""


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ValueError("ENCRYPTION_KEYS is empty: tokens cannot be stored")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _fernet() -> MultiFernet:
    # Read on every call (cached per key list) so settings overrides in tests and rotations apply.
    return _multi_fernet(tuple(settings.ENCRYPTION_KEYS or ()))


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest key; the empty string stays empty (means "no value")."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("stored value cannot be decrypted with the configured ENCRYPTION_KEYS") from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt a stored value with the newest key (any configured key may have encrypted it)."""
    if not ciphertext:
        return ""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("stored value cannot be decrypted with the configured ENCRYPTION_KEYS") from exc
