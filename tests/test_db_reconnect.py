"""After the database closes a connection (a restart, a fail-over, an idle
time-out), the next request on that web worker still succeeds:
CONN_HEALTH_CHECKS makes Django test a kept connection before reusing it."""

import io

import psycopg
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import TransactionTestCase

from tests.base import SEED_SLUG, seed_article


def _request(path: str) -> int:
    """One request through Django's real WSGI handler, which (unlike the
    test client) runs the request_started/finished connection handling."""
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    response = WSGIHandler()(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(response)
    response.close()  # request_finished: where Django keeps or closes the connection
    return int(status[0].split()[0])


def _kill_backend(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


class DatabaseReconnectTests(TransactionTestCase):
    def test_settings_keep_connections_with_health_checks(self):
        db = settings.DATABASES["default"]
        self.assertEqual((db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]), (60, True))

    def test_request_after_the_server_closed_the_connection_succeeds(self):
        seed_article()
        path = f"/api/articles/{SEED_SLUG}/comments/"
        self.assertEqual(_request(path), 200)
        self.assertIsNotNone(connection.connection, "the connection is kept between requests")
        old_pid = connection.connection.info.backend_pid
        _kill_backend(old_pid)
        self.assertEqual(_request(path), 200)
        self.assertNotEqual(connection.connection.info.backend_pid, old_pid)
