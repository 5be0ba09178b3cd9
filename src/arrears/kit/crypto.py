"""Field encryption (AES-256-GCM) and keyed hashes (HMAC-SHA256) for personal data at rest.

One master key (``ARREARS_ENCRYPTION_KEY``) is split with HKDF into an encryption key and a hashing
key, so that the exact-lookup hash never reveals the encryption key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from arrears.config import Settings
from arrears.kit.errors import ConfigurationError

_NONCE_BYTES = 12
_VERSION = b"\x01"


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"arrears:" + purpose).derive(master)


class FieldCipher:
    """Encrypts short strings (and bytes); decrypts what it encrypted; hashes for exact lookup."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ConfigurationError(
                "The encryption key must be 32 bytes (base64 of 32 random bytes).",
                "加密密钥必须是 32 字节（32 个随机字节的 base64 编码）。",
            )
        self._master_key = master_key
        self._aead = AESGCM(_derive(master_key, b"encrypt"))
        self._hash_key = _derive(master_key, b"lookup-hash")
        # HMAC's keyed inner and outer states, computed once (RFC 2104): each hash then costs two
        # compressions instead of four
        block = self._hash_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __reduce__(self) -> tuple[type[FieldCipher], tuple[bytes]]:
        """Pickled by its key, so that a worker process can encrypt too."""
        return (FieldCipher, (self._master_key,))

    def __repr__(self) -> str:
        return "FieldCipher(<key hidden>)"

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)

    def encrypt_many(self, values: Sequence[str]) -> list[bytes]:
        """``encrypt`` for many values, with all their random nonces drawn at once."""
        nonces = os.urandom(_NONCE_BYTES * len(values))
        encrypt = self._aead.encrypt
        tokens = []
        for index, value in enumerate(values):
            nonce = nonces[index * _NONCE_BYTES : (index + 1) * _NONCE_BYTES]
            tokens.append(_VERSION + nonce + encrypt(nonce, value.encode("utf-8"), None))
        return tokens

    def encrypt_bytes(self, data: bytes) -> bytes:
        """``encrypt`` for binary data (an attachment): the same token layout, the bytes as they are."""
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, data, None)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """The bytes ``encrypt_bytes`` encrypted (InvalidTag when the token was altered)."""
        if token[:1] != _VERSION:
            raise ConfigurationError("Unknown ciphertext version.", "未知的密文版本。")
        return self._aead.decrypt(token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :], None)

    def decrypt(self, token: bytes) -> str:
        if token[:1] != _VERSION:
            raise ConfigurationError("Unknown ciphertext version.", "未知的密文版本。")
        nonce, body = token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, body, None).decode("utf-8")

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for exact-match search (hex, 64 chars); the same value always gives the same hash."""
        return hmac.digest(self._hash_key, value.encode("utf-8"), "sha256").hex()

    def lookup_hashes(self, values: Sequence[str]) -> list[str]:
        """``lookup_hash`` for many values (the same HMAC-SHA256, from precomputed keyed states)."""
        hashes = []
        for value in values:
            inner = self._inner.copy()
            inner.update(value.encode("utf-8"))
            outer = self._outer.copy()
            outer.update(inner.digest())
            hashes.append(outer.hexdigest())
        return hashes


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(f"{source} is not valid base64.", f"{source} 不是有效的 base64。") from exc
    if len(key) != 32:
        raise ConfigurationError(
            f"{source} must decode to 32 bytes, not {len(key)}.", f"{source} 解码后必须是 32 字节。"
        )
    return key


def load_master_key(settings: Settings) -> bytes:
    """The configured key, or the data directory's key file (created on first use, mode 0600)."""
    if settings.encryption_key is not None:
        return _decode_key(settings.encryption_key.get_secret_value(), "ARREARS_ENCRYPTION_KEY")
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
    return _decode_key(path.read_text(), str(path))


def cipher_for(settings: Settings) -> FieldCipher:
    return FieldCipher(load_master_key(settings))


def mail_tag_key(settings: Settings) -> bytes:
    """The key (HKDF of the master key, purpose ``mail-tag``) that signs the tags carrying an e-mail's
    idempotency key in its Message-ID, VERP address and ENVID."""
    return _derive(load_master_key(settings), b"mail-tag")
