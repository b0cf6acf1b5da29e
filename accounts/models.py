from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

username_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{3,32}$",
    "Username must be 3-32 characters: letters, digits, '_', '.' or '-'.",
    code="invalid_username",
)

_CONSTRAINT_FIELDS = {"username_taken": "username", "email_taken": "email"}


class CaseInsensitiveUserManager(UserManager):
    """Username lookups for login and createsuperuser ignore letter case."""

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(username__iexact=username)


class User(AbstractUser):
    username = models.CharField(
        max_length=32,
        unique=True,
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField(blank=True, default="")
    display_name = models.CharField(max_length=64, blank=True, default="")
    bio = models.TextField(max_length=500, blank=True, default="")
    avatar = models.URLField(max_length=500, blank=True, default="")

    objects = CaseInsensitiveUserManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_code="username_taken",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        """Report the case-insensitive uniqueness errors on their field, not __all__."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as exc:
            errors: dict[str, list] = {}
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    target = _CONSTRAINT_FIELDS.get(error.code, field)
                    errors.setdefault(target, []).append(error)
            raise ValidationError(errors) from exc

    @property
    def name(self) -> str:
        """What other people see: the display name, else the username."""
        return self.display_name or self.username
