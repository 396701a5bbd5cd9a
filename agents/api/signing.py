"""Standard Webhooks signatures, per integration, with rotation, on the maintained `standardwebhooks` package.

The package's `Webhook` decodes the `whsec_` secret and signs; this module adds what its `verify` cannot do
here (read in `.venv/.../standardwebhooks/webhooks.py`, 1.1.0):
- `verify` takes the time from `datetime.now()`, so the 5-minute tolerance cannot follow an injected clock;
  it also checks the timestamp before the signature, which tells an unsigned caller which timestamps pass;
- `verify` and `sign` take the body as `str` (`data.decode()`), so a PDF or DOCX body raises
  UnicodeDecodeError; the specification signs the body's bytes;
- a signature entry without a comma, or with bad base64, raises ValueError/binascii.Error (a 500 here).
So the signature is computed by the package (`Webhook.sign` for UTF-8 bodies, the same construction over the
bytes with the package's `hmac_data` otherwise), and this module parses the headers, compares in constant
time, and checks the timestamp against the injected clock *after* the signature matched.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import floor

from standardwebhooks import Webhook
from standardwebhooks.webhooks import hmac_data

TOLERANCE = timedelta(minutes=5)


class SignatureError(Exception):
    """Why a request's signature is refused: `code` for metrics and answers, `status` for HTTP."""

    def __init__(self, code: str, detail: str, status: int = 401) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail
        self.status = status


class _IntegrationWebhook(Webhook):
    def signature(self, msg_id: str, timestamp: datetime, body: bytes) -> str:
        """`v1,<base64>`: the package's own `sign` for text bodies, its `hmac_data` over the bytes otherwise."""
        try:
            return self.sign(msg_id, timestamp, body.decode("utf-8"))
        except UnicodeDecodeError:
            ts = str(floor(timestamp.replace(tzinfo=UTC).timestamp()))
            digest = hmac_data(self._whsecret, f"{msg_id}.{ts}.".encode() + body)
            return f"v1,{base64.b64encode(digest).decode('ascii')}"


@dataclass(frozen=True)
class WebhookSecrets:
    """Integration name -> its accepted secrets (more than one while a secret is rotated)."""

    by_integration: dict[str, tuple[_IntegrationWebhook, ...]]

    @classmethod
    def parse(cls, spec: str | None) -> WebhookSecrets:
        """`"n8n=whsec_a|whsec_b,acme=whsec_c"`; a name given twice adds its secrets too (`n8n=a,n8n=b`).

        A malformed entry raises ValueError naming the integration, never the secret."""
        found: dict[str, list[_IntegrationWebhook]] = {}
        for entry in (spec or "").split(","):
            if not entry.strip():
                continue
            name, sep, values = entry.partition("=")
            name = name.strip()
            if not sep or not name or not values.strip():
                raise ValueError("TRIAGE_WEBHOOK_SECRETS entries are NAME=whsec_...[|whsec_...], comma-separated")
            for value in values.split("|"):
                value = value.strip()
                if not value.startswith("whsec_"):
                    raise ValueError(f"TRIAGE_WEBHOOK_SECRETS: a secret of {name!r} does not start with whsec_")
                try:
                    found.setdefault(name, []).append(_IntegrationWebhook(value))
                except Exception as exc:  # binascii.Error, EmptyWebhookSecretError ...
                    raise ValueError(
                        f"TRIAGE_WEBHOOK_SECRETS: a secret of {name!r} is not valid base64 ({type(exc).__name__})"
                    ) from None
        return cls({name: tuple(hooks) for name, hooks in found.items()})

    def knows(self, integration: str) -> bool:
        return integration in self.by_integration

    def verify(self, integration: str, headers: dict[str, str], body: bytes, now: datetime) -> str:
        """Check a request's Standard Webhooks headers; returns its webhook-id. Raises SignatureError."""
        hooks = self.by_integration.get(integration)
        if not hooks:
            raise SignatureError("unknown_integration", f"no webhook secret is configured for {integration!r}")
        msg_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        signature = headers.get("webhook-signature", "")
        given = {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": signature}
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise SignatureError("missing_signature", "missing header(s): " + ", ".join(missing))
        try:
            timestamp = datetime.fromtimestamp(float(stamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise SignatureError(
                "bad_timestamp", "webhook-timestamp must be integer seconds since the epoch", 400
            ) from None
        offered = _v1_signatures(signature)
        if not offered:
            raise SignatureError("bad_signature", "webhook-signature holds no v1,<base64> signature")
        for hook in hooks:
            expected = base64.b64decode(hook.signature(msg_id, timestamp, body).split(",", 1)[1])
            if any(hmac.compare_digest(expected, sig) for sig in offered):
                break
        else:
            raise SignatureError("bad_signature", "no signature matches the body with this integration's secret")
        if abs(now - timestamp) > TOLERANCE:
            raise SignatureError(
                "stale_timestamp",
                f"webhook-timestamp is {abs(now - timestamp).total_seconds():.0f} s from the server's time; "
                "the tolerance is 300 s",
                400,
            )
        return msg_id


def _v1_signatures(header: str) -> list[bytes]:
    """The decoded `v1` signatures of a header (space-separated `v1,<base64>`); other versions are skipped."""
    found = []
    for entry in header.split():
        version, sep, value = entry.partition(",")
        if version != "v1" or not sep:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value a sender puts on `body` (for `triage sign`, the demo and tests)."""
    return _IntegrationWebhook(secret).signature(msg_id, datetime.fromtimestamp(timestamp, tz=UTC), body)
