"""Forms of the web UI's account pages: they check shape, the services decide."""

import math
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed

from chat_project.client_ip import client_ip
from chat_project.exceptions import Throttled

from . import services
from .models import User

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length or 254


class LoginForm(AuthenticationForm):
    """The web login: the same service, and so the same login limits, as the API."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm sets the field's length to the username's (32), which cut an
        # email address short in the browser and in validation: the field takes either.
        field = cast(forms.CharField, self.fields["username"])
        field.max_length = EMAIL_MAX_LENGTH
        field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.user_authenticate(
                    username=username, password=password, client_ip=client_ip(self.request)
                )
            except Throttled as exc:
                raise forms.ValidationError(
                    gettext("Too many failed logins: try again in %(seconds)s s.")
                    % {"seconds": math.ceil(exc.wait or 1)},
                    code="throttled",
                ) from exc
            except AuthenticationFailed as exc:
                if exc.get_codes() == "account_disabled":
                    raise forms.ValidationError(
                        self.error_messages["inactive"], code="inactive"
                    ) from exc
                if exc.get_codes() == "account_suspended":
                    user = exc.detail  # the service's sentence names the end
                    raise forms.ValidationError(
                        gettext("%(detail)s Ask the moderators if you think this is a mistake.")
                        % {"detail": user},
                        code="suspended",
                    ) from exc
                raise self.get_invalid_login_error() from exc
        return self.cleaned_data


class RegisterForm(forms.Form):
    username = forms.CharField(
        max_length=32,
        label=_("Username"),
        help_text=_("3-32 letters, digits, '_', '.' or '-'."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    email = forms.EmailField(
        required=False,
        label=_("Email"),
        help_text=_("Optional. We mail it a link; once you follow it, you can log in with it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        label=_("Password"),
        help_text=_("At least 8 characters, not too common, not only digits."),
    )


class ProfileForm(forms.Form):
    """What others see of you; uniqueness and limits are checked by `user_profile_update`."""

    display_name = forms.CharField(
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        label=_("Display name"),
        help_text=_("Shown instead of your username. Leave empty to use the username."),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    bio = forms.CharField(
        max_length=User._meta.get_field("bio").max_length,
        label=_("Bio"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PasswordChangeForm(forms.Form):
    """Old password plus the new one twice; the service validates strength and the old one."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean: cleaned_data
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", gettext("The two new passwords do not match."))
        return cleaned
