"""Signed links and webhook signatures: the unsubscribe token and the SMS provider's
request signature (Twilio's scheme: HMAC-SHA1 over the URL and the sorted form fields)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer

UNSUBSCRIBE_SALT = "reminders-unsubscribe-v1"


def unsubscribe_token(secret_key: str, patient_id: int) -> str:
    # No expiry: a reminder read weeks later must still let the patient opt out.
    return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).dumps({"p": patient_id})


def patient_from_unsubscribe_token(secret_key: str, token: str) -> int | None:
    try:
        data = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return data.get("p") if isinstance(data, dict) and isinstance(data.get("p"), int) else None


INVITATION_SALT = "portal-invitation-v1"


def invitation_token(secret_key: str, invitation_id: int, nonce: str) -> str:
    # Expiry, single use and revocation are the invitation row's: the signature only proves
    # the link was made here.
    return URLSafeSerializer(secret_key, salt=INVITATION_SALT).dumps({"i": invitation_id, "n": nonce})


def invitation_from_token(secret_key: str, token: str) -> tuple[int, str] | None:
    try:
        data = URLSafeSerializer(secret_key, salt=INVITATION_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        return None
    return data["i"], data["n"]


def sms_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sms_signature_valid(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    if not auth_token or not signature:
        return False
    return hmac.compare_digest(sms_signature(auth_token, url, params), signature)
