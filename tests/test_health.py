from unittest import mock

from django.db import OperationalError
from django.test import TestCase

from tests.comments.test_pipeline import broker_down
from tests.conftest import cache_down


class HealthTests(TestCase):
    def test_healthz(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.json(), {"status": "ok"})

    def test_readyz_ok_with_database_and_broker(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "ok")

    def test_readyz_reports_the_broker_and_cache_degraded_but_ready(self):
        # Comments are still accepted and stored without Redis: the load
        # balancer must keep this process, monitoring must see the outage.
        with broker_down(), cache_down():
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(sorted(body["degraded"]), ["broker", "cache"])
        self.assertIn("ConnectionError", body["degraded"]["cache"])

    def test_readyz_503_names_the_database(self):
        with mock.patch("newsroom.health._database", side_effect=OperationalError("gone")):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "unavailable",
                                           "failed": {"database": "OperationalError: gone"}})
