"""Admin building blocks shared by the apps, and the admin site itself."""

from django.conf import settings
from django.contrib import admin


class NewsroomAdminSite(admin.AdminSite):
    """The admin. Failed sign-ins are counted per account and per client
    by django-axes (AXES_* settings). With ADMIN_TOTP_REQUIRED on, staff also
    type a code from a TOTP app (django-otp) registered to them: without a
    confirmed device, no admin page opens."""

    @property
    def login_form(self):
        if settings.ADMIN_TOTP_REQUIRED:
            from django_otp.admin import OTPAdminAuthenticationForm

            return OTPAdminAuthenticationForm
        return None

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_TOTP_REQUIRED else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_TOTP_REQUIRED or request.user.is_verified()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the system (logs, deliveries): editors read
    them in the admin and never add, change or delete one there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
