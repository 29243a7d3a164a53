"""The newsroom's roles, one Django group each, in one table.

Roles are cumulative: a desk chief is in Editors and Desk chiefs, an admin
in all three groups. The data migration ``moderation.0003_roles`` and
``moderation.services.roles_ensure`` (after a test flush, or to repair a
group changed by hand) both read this table. docs/moderation-desk.md
("Roles") says the same in words.
"""

from __future__ import annotations

EDITOR = "editor"
CHIEF = "chief"
ADMIN = "admin"


def _crud(app_label: str, *models: str) -> list[tuple[str, str]]:
    return [(app_label, f"{verb}_{model}") for model in models
            for verb in ("add", "change", "delete", "view")]


# role -> (group name, permissions the group itself grants)
ROLE_GROUPS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # Decide on comments: the queue, the changelist, the dashboard.
    EDITOR: ("Editors", [
        ("articles", "view_article"),
        ("comments", "moderate_comment"),
        ("comments", "view_comment"),
        ("comments", "view_moderationevent"),
        ("comments", "view_commentreport"),
        *_crud("moderation", "queuealert"),
    ]),
    # Run the desk: article controls (open/close, policy, thresholds), bans,
    # the term and domain lists, detector versions.
    CHIEF: ("Desk chiefs", [
        ("articles", "add_article"),
        ("articles", "change_article"),
        *_crud("moderation", "ban"),
        *_crud("detection", "domainrule", "term"),
        ("detection", "view_detectorversion"),
        ("detection", "change_detectorversion"),
        ("detection", "delete_detectorversion"),
    ]),
    # Partner access and people: API keys, webhooks, users and groups,
    # API tokens, staff sign-in.
    ADMIN: ("Admins", [
        *_crud("partners", "apikey", "webhookendpoint"),
        ("partners", "view_webhookdelivery"),
        ("partners", "change_webhookdelivery"),
        ("partners", "view_webhookattempt"),
        *_crud("auth", "user", "group"),
        ("authtoken", "view_tokenproxy"),
        ("authtoken", "add_tokenproxy"),
        ("authtoken", "delete_tokenproxy"),
        # Staff sign-in (docs/security.md): TOTP devices, and lockouts to
        # read and lift.
        *_crud("otp_totp", "totpdevice"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accessfailurelog"),
        ("axes", "view_accesslog"),
    ]),
}

# Each role's groups: itself and every role below it.
ROLE_ORDER = [EDITOR, CHIEF, ADMIN]


def role_group_names(role: str) -> list[str]:
    if role not in ROLE_GROUPS:
        raise ValueError(f"Unknown role {role!r}; use one of: {', '.join(ROLE_ORDER)}.")
    return [ROLE_GROUPS[r][0] for r in ROLE_ORDER[: ROLE_ORDER.index(role) + 1]]


def roles_grant(*, group_model, permission_model) -> None:
    """Give every role's group exactly its permissions (models passed in, so
    a migration can call it with its historical models)."""
    from django.db.models import Q

    for name, permissions in ROLE_GROUPS.values():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = Q(pk__in=[])
        for app_label, codename in permissions:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permission_model.objects.filter(wanted))
