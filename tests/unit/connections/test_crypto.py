"""Secrets at rest: Fernet with a key list, newest first, so keys rotate without losing data."""

import pytest
from cryptography.fernet import Fernet

from apps.connections import crypto


def test_encrypted_value_decrypts_and_hides_the_plaintext(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = crypto.encrypt("1000.refresh-token")
    assert "1000.refresh-token" not in stored
    assert crypto.decrypt(stored) == "1000.refresh-token"


def test_empty_value_stays_empty(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


def test_old_key_still_decrypts_and_rotate_moves_to_the_newest(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    stored = crypto.encrypt("secret")
    settings.ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(stored) == "secret"
    rotated = crypto.rotate(stored)
    settings.ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "secret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)


def test_value_from_an_unknown_key_raises_a_clear_error(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = crypto.encrypt("secret")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="ENCRYPTION_KEYS"):
        crypto.decrypt(stored)
