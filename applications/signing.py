"""The portal's digital signature on executed agreements, and its verification.

PAdES baseline (ETSI EN 319 142-1) with pyHanko: the signature dictionary's SubFilter is
`ETSI.CAdES.detached` and the CMS carries no `signing-time` attribute (PAdES takes the time
from the timestamp). With `AGREEMENT_TSA_URL` set, an RFC 3161 timestamp from that authority
makes it B-T, and the certificates and revocation data needed to validate it later are
embedded in the document's security store (DSS), which makes it B-LT: the agreement stays
verifiable after the signing certificate expires. Without a TSA (a laptop) it is B-B.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _paths() -> tuple[Path, Path]:
    return Path(settings.AGREEMENT_SIGNING_KEY), Path(settings.AGREEMENT_SIGNING_CERT)


def signer():
    from pyhanko.sign import signers

    key, cert = _paths()
    if not key.exists() or not cert.exists():
        raise ImproperlyConfigured(
            f"No signing certificate at {cert}: run `manage.py make_signing_cert` (development) or set "
            "AGREEMENT_SIGNING_KEY and AGREEMENT_SIGNING_CERT."
        )
    passphrase = settings.AGREEMENT_SIGNING_PASSPHRASE.encode() or None
    return signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase,
                                     ca_chain_files=tuple(settings.AGREEMENT_SIGNING_CHAIN) or None)


def trust_roots():
    from pyhanko.keys import load_cert_from_pemder

    _key, cert = _paths()
    return [load_cert_from_pemder(str(path)) for path in (settings.AGREEMENT_TRUST_ROOTS or [cert])]


def timestamper():
    from pyhanko.sign import timestamps

    return timestamps.HTTPTimeStamper(settings.AGREEMENT_TSA_URL, timeout=20) if settings.AGREEMENT_TSA_URL else None


def validation_context(*, for_signing: bool = False):
    """Trust the configured roots; fetch CRLs and OCSP responses when signing (to embed
    them) and, when verifying, use what the document carries first."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=trust_roots(), allow_fetching=True,
                             revocation_mode="hard-fail" if for_signing else "soft-fail")


def sign_pdf(data: bytes, *, reason: str, field: str = "PortalSignature") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    tsa = timestamper()
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=field, reason=reason, location="대한민국",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=tsa is not None,
        validation_context=validation_context(for_signing=True) if tsa is not None else None,
    )
    out = signers.sign_pdf(writer, meta, signer=signer(), timestamper=tsa)
    return out.getvalue()


def validate(data: bytes) -> dict:
    """Whether the PDF carries the portal's valid signature covering the whole document."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception as exc:  # not a PDF, or broken beyond reading
        return {"signed": False, "valid": False, "error": f"{type(exc).__name__}"}
    if not signatures:
        return {"signed": False, "valid": False, "error": "no signature"}
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, validation_context())
        return {
            "signed": True,
            "valid": bool(status.intact and status.valid and status.trusted),
            "intact": status.intact,
            # False for a signature by any certificate other than the portal's (or its CA's).
            "trusted": status.trusted,
            # The signature covers the whole file, or everything after it is validation data
            # (the DSS that makes it B-LT), as pyHanko's difference analysis judges.
            "covers_whole_file": status.coverage.name == "ENTIRE_FILE" or (
                status.coverage.name == "ENTIRE_REVISION" and status.modification_level is not None
                and status.modification_level.name == "LTA_UPDATES"),
            "signer": status.signing_cert.subject.human_friendly if status.signing_cert else "",
            "subfilter": str(signature.sig_object.get("/SubFilter", "")),
            "timestamped": status.timestamp_validity is not None,
        }
    except Exception as exc:  # a crafted signature: a /ByteRange with negative numbers, a broken CMS, …
        return {"signed": True, "valid": False, "unreadable": True, "intact": False, "trusted": False,
                "error": f"{type(exc).__name__}"}
