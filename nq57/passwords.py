"""The password the system makes for a new account (the command line's `--generate`, the accounts
page's empty password field). It is shown once and then read out or typed by hand, so it holds no
character that reads as another (0/O, 1/l/I) and no punctuation: 16 of 56 characters, 92 bits."""
from __future__ import annotations

import secrets

ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 16


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
