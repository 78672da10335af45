"""The portal's digital signature on executed agreements (pyHanko), and its verification."""

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
    return signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)


def sign_pdf(data: bytes, *, reason: str, field: str = "PortalSignature") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=field, reason=reason, location="대한민국")
    out = signers.sign_pdf(writer, meta, signer=signer())
    return out.getvalue()


def trust_roots():
    from pyhanko.keys import load_cert_from_pemder

    _key, cert = _paths()
    return [load_cert_from_pemder(str(cert))]


def validate(data: bytes) -> dict:
    """Whether the PDF carries the portal's valid signature covering the whole document."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception as exc:  # not a PDF, or broken beyond reading
        return {"signed": False, "valid": False, "error": f"{type(exc).__name__}"}
    if not signatures:
        return {"signed": False, "valid": False, "error": "no signature"}
    context = ValidationContext(trust_roots=trust_roots())
    status = validate_pdf_signature(signatures[-1], context)
    return {
        "signed": True,
        "valid": bool(status.intact and status.valid and status.trusted),
        "intact": status.intact,
        "trusted": status.trusted,
        "covers_whole_file": status.coverage.name == "ENTIRE_FILE",
        "signer": status.signing_cert.subject.human_friendly if status.signing_cert else "",
    }
