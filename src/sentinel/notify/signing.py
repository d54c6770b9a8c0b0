"""Request signatures of the two Chinese cloud APIs the SMS and voice channels call, from their
published recipes (plain functions over values; the key never leaves them).

**Aliyun V3, ACS3-HMAC-SHA256** (help.aliyun.com, 公共参数 / V3 版本请求体&签名机制; the same scheme as
Nightingale's ``aliyun_sms_provider.go`` ``getSignature``)::

    CanonicalRequest = METHOD \\n PATH \\n CanonicalQuery \\n CanonicalHeaders \\n SignedHeaders \\n hex(sha256(body))
    CanonicalQuery   = sorted  pe(k)=pe(v)  joined by &   (pe: RFC 3986, space %20, * %2A, ~ kept)
    CanonicalHeaders = lower(name):trim(value)\\n for host, content-type and every x-acs-*, sorted
    StringToSign     = "ACS3-HMAC-SHA256\\n" + hex(sha256(CanonicalRequest))
    Authorization    = ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<...>,Signature=<hex HMAC>

**Tencent Cloud API 3.0, TC3-HMAC-SHA256** (tencentcloud.com/document/product/1084/39391; Nightingale's
``tencent_sms_provider.go`` ``getTxSignature``)::

    CanonicalRequest = POST \\n / \\n \\n content-type:application/json\\nhost:<host>\\nx-tc-action:<action lower>\\n
                       \\n content-type;host;x-tc-action \\n hex(sha256(payload))
    CredentialScope  = <UTC date of the timestamp> / <service> / tc3_request
    StringToSign     = "TC3-HMAC-SHA256\\n" + timestamp + "\\n" + CredentialScope + "\\n" + hex(sha256(CanonicalRequest))
    kDate = HMAC("TC3"+SecretKey, date); kService = HMAC(kDate, service); kSigning = HMAC(kService, "tc3_request")
    Authorization    = TC3-HMAC-SHA256 Credential=<SecretId>/<scope>, SignedHeaders=..., Signature=<hex HMAC(kSigning)>

Tencent refuses a timestamp more than 5 minutes from its clock (``AuthFailure.SignatureFailure``
is often clock skew), and Aliyun dates each request too, so the time is the caller's ``now``, passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

__all__ = ["acs3_authorization", "acs3_canonical_query", "percent_encode", "tc3_authorization"]

ACS3 = "ACS3-HMAC-SHA256"
TC3 = "TC3-HMAC-SHA256"
TC3_SIGNED_HEADERS = "content-type;host;x-tc-action"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding as Aliyun wants it: only ``A-Za-z0-9-_.~`` kept."""
    return quote(text, safe="-_.~")


def acs3_canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def acs3_authorization(
    *, key_id: str, secret: str, method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The ``Authorization`` header for a request with these query ``params`` and ``headers`` (which
    must already hold ``host``, ``x-acs-*`` including ``x-acs-content-sha256``)."""
    signed = {name.lower(): value.strip() for name, value in headers.items()
              if name.lower() in ("host", "content-type") or name.lower().startswith("x-acs-")}
    names = sorted(signed)
    canonical = "\n".join([
        method.upper(), path or "/", acs3_canonical_query(params),
        "".join(f"{name}:{signed[name]}\n" for name in names), ";".join(names), _sha256(body),
    ])
    to_sign = f"{ACS3}\n{_sha256(canonical.encode('utf-8'))}"
    signature = hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{ACS3} Credential={key_id},SignedHeaders={';'.join(names)},Signature={signature}"


def tc3_authorization(
    *, secret_id: str, secret_key: str, service: str, host: str, action: str, timestamp: int, payload: bytes,
) -> str:
    """The ``Authorization`` header for a JSON POST of ``payload`` to ``/`` at ``timestamp`` (Unix seconds)."""
    canonical_headers = f"content-type:application/json\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical = f"POST\n/\n\n{canonical_headers}\n{TC3_SIGNED_HEADERS}\n{_sha256(payload)}"
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"{TC3}\n{timestamp}\n{scope}\n{_sha256(canonical.encode('utf-8'))}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{TC3} Credential={secret_id}/{scope}, SignedHeaders={TC3_SIGNED_HEADERS}, Signature={signature}"


def iso_utc(now: datetime) -> str:
    """``2025-01-01T08:00:00Z``, the x-acs-date format."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
