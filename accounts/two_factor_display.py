"""How an authenticator's key is handed to its app: the otpauth URL, the base32 secret
and a QR code (segno, as an SVG `data:` URL: the CSP allows `data:` images, and nothing
is drawn in the browser)."""

from base64 import b32encode

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrolment(device: TOTPDevice) -> dict[str, str]:
    url = device.config_url
    return {
        "secret": b32encode(device.bin_key).decode(),
        "otpauth_url": url,
        "qr_code": segno.make(url, error="m").svg_data_uri(scale=5, border=2),
    }
