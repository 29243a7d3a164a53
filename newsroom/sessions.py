"""Database sessions without the look-up before each new one.

Django's database store asks whether a fresh random key is taken before
creating the row, then inserts it with ``must_create`` anyway, which
fails on a duplicate and makes ``create()`` draw another key. The insert
alone is enough: one query less for every reader who posts a comment.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string

VALID_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self):
        # 32 characters from 36: a collision is as likely as guessing a
        # key, and the must_create insert would still catch it.
        return get_random_string(32, VALID_KEY_CHARS)
