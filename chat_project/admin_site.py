"""The admin site — the moderators' console — behind a second factor.

A staff session reaches the admin only once it is verified with a one-time code
(django-otp's `request.user.is_verified()`: the web login asks for the code after the
password, or the two-factor page verifies the session). The admin's own password form is
not used while the factor is required: it would let a password alone in, so its login URL
sends a logged-in staff member to the two-factor page (enrol or verify) and anybody else to
the web login, which asks for the code. `ADMIN_OTP_REQUIRED=false` turns the requirement
off (the test settings do, for the admin's own tests).

It names no app: the pages it redirects to are looked up by URL name.
"""

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


class StaffOTPAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if not settings.ADMIN_OTP_REQUIRED:
            return True
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not settings.ADMIN_OTP_REQUIRED:
            return super().login(request, extra_context)
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        query = urlencode({"next": next_url or reverse("admin:index", current_app=self.name)})
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            return HttpResponseRedirect(f"{reverse('two-factor')}?{query}")
        return HttpResponseRedirect(f"{reverse('login')}?{query}")


class AdminConfig(DjangoAdminConfig):
    """`django.contrib.admin` with `StaffOTPAdminSite` as `admin.site`."""

    default_site = "chat_project.admin_site.StaffOTPAdminSite"
