"""Admin pages of models that left ``comments`` (#11) redirect to their new app."""

import pytest


@pytest.mark.parametrize(
    "old, new",
    [
        ("/admin/comments/ban/", "/admin/moderation/ban/"),
        ("/admin/comments/ban/3/change/?_changelist_filters=x", "/admin/moderation/ban/3/change/?_changelist_filters=x"),
        ("/admin/comments/moderationqueue/", "/admin/moderation/moderationqueue/"),
        ("/admin/comments/moderationdashboard/?days=7", "/admin/moderation/moderationdashboard/?days=7"),
        ("/admin/comments/queuealert/", "/admin/moderation/queuealert/"),
        ("/admin/comments/term/add/", "/admin/detection/term/add/"),
        ("/admin/comments/domainrule/", "/admin/detection/domainrule/"),
        ("/admin/comments/detectorversion/", "/admin/detection/detectorversion/"),
    ],
)
def test_old_admin_url_redirects_permanently(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_comments_own_admin_pages_stay(admin_client):
    assert admin_client.get("/admin/comments/comment/").status_code == 200
    assert admin_client.get("/admin/moderation/moderationqueue/").status_code == 200
