"""What posting a comment through the reader's form costs the database."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from tests.base import BaseTestCase


class PostingQueriesTests(BaseTestCase):
    def test_a_first_comment_costs_the_article_the_ban_check_and_the_inserts(self):
        url = self.article.get_absolute_url()
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        data = {"author_name": "Ivo", "author_email": "ivo@example.org", "body": "A first comment."}
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Comment.objects.get().body, "A first comment.")
        sql = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
        reads = [s for s in sql if s.upper().startswith("SELECT")]
        writes = [s for s in sql if s.upper().startswith("INSERT")]
        # The article and the ban check; the new session is inserted without
        # asking first whether its random key is taken, and the comment is
        # validated without looking its article up again.
        self.assertEqual(len(reads), 2, reads)
        self.assertIn("articles_article", reads[0])
        self.assertIn("_ban", reads[1])
        self.assertEqual([w.split()[2].strip('"') for w in writes],
                         ["comments_comment", "comments_moderationevent", "django_session"])
