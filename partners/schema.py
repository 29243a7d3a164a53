"""drf-spectacular: describe API-key authentication in the schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": "A partner API key, sent as `X-Api-Key: <key>` or "
            "`Authorization: Api-Key <key>`. Reads also work without a key, "
            "under a lower throttle.",
        }
