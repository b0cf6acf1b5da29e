from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Username or email", max_length=254, widget=forms.TextInput(attrs={"autofocus": True})
    )


class RegisterForm(forms.Form):
    username = forms.CharField(max_length=32, help_text="3-32 letters, digits, '_', '.' or '-'.")
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
