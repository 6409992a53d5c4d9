"""Digital signatures on report PDFs (chữ ký số), with pyHanko.

`sign_pdf()` adds a PAdES signature to a finished report as an incremental update:
the PDF/A-3b content and its attachments (manifest.json, findings.csv) are left as
they were, and a visible signature appears in the approval block. `verify_pdf()` is
what an inspector runs on a file received: the signature covers the whole file
(nothing was appended or changed after signing), the signer's certificate chains to
a trusted CA when one is given, and the hashes in the embedded manifest match the
embedded attachments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import QmsError
from ..core.i18n import gettext as _

SIGNATURE_FIELD = "qms-approval"


@dataclass(frozen=True)
class SignaturePlace:
    """Where the visible signature goes: 0-based page and a box in PDF points (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]


@dataclass
class Verification:
    signed: bool
    valid: bool
    problems: list[str] = field(default_factory=list)
    signer: str | None = None
    signed_at: dt.datetime | None = None
    report_id: str | None = None
    trusted: bool | None = None  # None: no CA given, the chain was not checked
    attachments: dict[str, str] = field(default_factory=dict)  # name -> sha256

    def as_dict(self) -> dict:
        return {"signed": self.signed, "valid": self.valid, "problems": self.problems, "signer": self.signer,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "report_id": self.report_id, "trusted": self.trusted, "attachments": self.attachments}


def load_signer(key_file: Path, passphrase: bytes | None):
    """A pyHanko signer from a PKCS#12 file (.p12/.pfx: key, certificate and chain)."""
    from pyhanko.sign import signers

    key_file = Path(key_file)
    if not key_file.is_file():
        raise QmsError(_("{path}: no such key file").format(path=key_file))
    try:
        signer = signers.SimpleSigner.load_pkcs12(key_file, passphrase=passphrase)
    except (ValueError, TypeError) as error:
        raise QmsError(_("{path}: cannot open the PKCS#12 key (wrong passphrase?): {reason}").format(
            path=key_file, reason=error)) from None
    if signer is None:
        raise QmsError(_("{path}: cannot open the PKCS#12 key (wrong passphrase?)").format(path=key_file))
    return signer


def signer_name(signer) -> str:
    """The common name on the signer's certificate (else the whole subject)."""
    subject = signer.signing_cert.subject
    return subject.native.get("common_name") or subject.human_friendly


def sign_pdf(pdf: Path, signer, place: SignaturePlace | None, *, reason: str, location: str | None = None) -> Path:
    """Sign `pdf` in place (PAdES baseline B, SHA-256) with a signer from `load_signer()`.
    At `place`, the signature gets a visible, framed widget over the words the report
    printed there (signer and date, in the report's own fonts)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    pdf = Path(pdf)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location)
    # No text of pyHanko's own: the report already printed "Ký số bởi …" in the box (with
    # DejaVu, which renders Vietnamese properly); the widget only frames it.
    style = TextStampStyle(stamp_text="", border_width=1, background=None)
    partial = pdf.with_name(pdf.name + ".signing")
    try:
        with pdf.open("rb") as source:
            writer = IncrementalPdfFileWriter(source, strict=False)
            if place is not None:
                fields.append_signature_field(writer, fields.SigFieldSpec(
                    SIGNATURE_FIELD, on_page=place.page, box=place.box))
            with partial.open("wb") as output:
                signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(writer, output=output)
        partial.replace(pdf)
    except OSError as error:
        raise QmsError(f"{pdf}: cannot sign: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return pdf


def _attachments(reader) -> dict[str, bytes]:
    """The embedded files of a PDF (name -> content), read with pyHanko's reader."""
    root = reader.root
    names = root.get("/Names")
    found: dict[str, bytes] = {}
    if names is None or "/EmbeddedFiles" not in names:
        return found

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        pairs = node.get("/Names")
        if pairs is not None:
            for index in range(0, len(pairs), 2):
                spec = pairs[index + 1].get_object()
                stream = spec["/EF"].get("/F") or spec["/EF"].get("/UF")
                found[str(pairs[index])] = stream.get_object().data
        for kid in node.get("/Kids", []):
            walk(kid)

    walk(names["/EmbeddedFiles"])
    return found


def _check_manifest(files: dict[str, bytes], result: Verification) -> None:
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    result.attachments = hashes
    if "manifest.json" not in files:
        result.problems.append(_("the PDF carries no manifest.json"))
        return
    try:
        manifest = json.loads(files["manifest.json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        result.problems.append(_("manifest.json is not valid JSON: {reason}").format(reason=error))
        return
    result.report_id = (manifest.get("report") or {}).get("id")
    listed = manifest.get("attachments") or {}
    if not listed:
        result.problems.append(_("manifest.json lists no attachment hashes"))
    for name, expected in listed.items():
        if name not in hashes:
            result.problems.append(_("{name} is listed in manifest.json but not attached").format(name=name))
        elif hashes[name] != expected.get("sha256"):
            result.problems.append(_("{name} does not match its hash in manifest.json").format(name=name))


def verify_pdf(pdf: Path, trust: list[Path] | None = None) -> Verification:
    """Check a report PDF's signature and attachments (see module doc)."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    pdf = Path(pdf)
    try:
        data = pdf.read_bytes()
    except OSError as error:
        raise QmsError(f"{pdf}: cannot read: {error.strerror}") from None
    import io

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        files = _attachments(reader)
    except (PdfReadError, KeyError, ValueError) as error:
        return Verification(False, False, [_("not a readable PDF: {reason}").format(reason=error)])
    result = Verification(signed=bool(signatures), valid=False)
    _check_manifest(files, result)
    if not signatures:
        result.problems.insert(0, _("the PDF is not signed"))
        return result
    roots = []
    for path in trust or []:
        try:
            content = Path(path).read_bytes()
        except OSError as error:
            raise QmsError(f"{path}: cannot read: {error.strerror}") from None
        blobs = [der for _kind, _headers, der in pem.unarmor(content, multiple=True)] if pem.detect(content) \
            else [content]
        try:
            roots += [x509.Certificate.load(blob) for blob in blobs]
        except ValueError as error:
            raise QmsError(f"{path}: not a certificate (PEM or DER): {error}") from None
    context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else None
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, context) if context else validate_pdf_signature(signature)
    except (SignatureValidationError, ValueError) as error:
        result.problems.append(_("the signature cannot be validated: {reason}").format(reason=error))
        return result
    certificate = status.signing_cert
    result.signer = certificate.subject.human_friendly if certificate is not None else None
    result.signed_at = status.signer_reported_dt
    if not status.intact:
        result.problems.append(_("the signed content was changed after signing (the digest does not match)"))
    if not status.valid:
        result.problems.append(_("the signature value does not verify against the signer's certificate"))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        result.problems.append(_("the file was changed or extended after it was signed"))
    if context is not None:
        result.trusted = bool(status.trusted)
        if not status.trusted:
            result.problems.append(_("the signer's certificate does not chain to the trusted CA"))
    result.valid = not result.problems
    return result
