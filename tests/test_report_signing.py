"""Signed reports: `qms report --sign KEY.p12` and `qms report verify`, with a CA made here."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pypdf import PdfReader

from qms.cli import main
from report_support import write_check_output

pytestmark = pytest.mark.slow
PASSPHRASE = "mật-khẩu-thử"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Trung tâm thử nghiệm"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                            decipher_only=False), critical=True))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _identity(directory, common: str):
    """A CA (PEM) and a signer under it (PKCS#12 with its chain)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(_name(f"CA {common}"), _name(f"CA {common}"), ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name(common), ca.subject, key.public_key(), ca_key, ca=False)
    p12 = directory / f"{common}.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", key, certificate, [ca], serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    ca_pem = directory / f"{common}-ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return p12, ca_pem


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    base = tmp_path_factory.mktemp("signing")
    check_dir = write_check_output(base / "check", 80)
    p12, ca_pem = _identity(base, "Lê Đức Cường")
    unsigned = base / "unsigned.pdf"
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--from-check", str(check_dir), "--pdf", str(unsigned)])
    assert result.exit_code == 0, result.output
    pdf = base / "signed.pdf"
    result = runner.invoke(main, ["report", "--from-check", str(check_dir), "--pdf", str(pdf), "--sign", str(p12)],
                           env={"QMS_SIGN_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    return base, pdf, unsigned, ca_pem


def _verify(*args):
    return CliRunner().invoke(main, ["report", "verify", *map(str, args)])


def test_signed_report_verifies_and_names_signer_time_and_report_id(signed):
    _base, pdf, _unsigned, ca_pem = signed
    result = _verify(pdf, "--trust", ca_pem)
    assert result.exit_code == 0, result.output
    manifest = json.loads(PdfReader(pdf).attachments["manifest.json"][0])
    assert manifest["report"]["id"] in result.output
    assert "Lê Đức Cường" in result.output
    assert "Hợp lệ" in result.output
    data = json.loads(_verify(pdf, "--trust", ca_pem, "--format", "json").stdout)
    assert data["valid"] and data["trusted"] and data["report_id"] == manifest["report"]["id"]
    assert dt.datetime.fromisoformat(data["signed_at"]) <= dt.datetime.now(dt.timezone.utc)


def test_signing_keeps_pdfa_and_the_attachments(signed):
    _base, pdf, _unsigned, _ca = signed
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root
    assert b"pdfaid:part" in root["/Metadata"].get_object().get_data()
    assert set(reader.attachments) == {"manifest.json", "findings.csv"}
    # A visible signature widget, on the page with the approval block, with a real size.
    widgets = [annotation.get_object() for page in reader.pages for annotation in page.get("/Annots", [])
               if annotation.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1
    x1, y1, x2, y2 = (float(value) for value in widgets[0]["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 30
    last_page_text = " ".join(reader.pages[-1].extract_text().split())
    assert "Ký số bởi: Lê Đức Cường" in last_page_text


def test_a_byte_changed_after_signing_is_caught(signed):
    base, pdf, _unsigned, ca_pem = signed
    data = bytearray(pdf.read_bytes())
    marker = data.find(b"/Type /Page")  # inside the signed range, well before the signature
    assert marker > 0
    data[marker + 7] = ord("X")  # "/Type /Pa..." -> "/Type /PaXe"
    tampered = base / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = _verify(tampered, "--trust", ca_pem)
    assert result.exit_code == 1
    assert "Không hợp lệ" in result.output


def test_appended_after_signing_is_caught(signed):
    base, pdf, _unsigned, ca_pem = signed
    appended = base / "appended.pdf"
    appended.write_bytes(pdf.read_bytes() + b"\n% a line added after signing\n")
    result = _verify(appended, "--trust", ca_pem)
    assert result.exit_code == 1


def test_unsigned_and_untrusted(signed, tmp_path):
    _base, pdf, unsigned, _ca = signed
    result = _verify(unsigned)
    assert result.exit_code == 1 and "chưa được ký" in result.output
    _other_p12, other_ca = _identity(tmp_path, "Người khác")
    result = _verify(pdf, "--trust", other_ca)
    assert result.exit_code == 1 and "không thuộc CA tin cậy" in result.output


def test_wrong_passphrase_is_a_clear_error(signed, tmp_path):
    base, _pdf, _unsigned, _ca = signed
    result = CliRunner().invoke(main, ["report", "--from-check", str(base / "check"), "--pdf", str(tmp_path / "x.pdf"),
                                       "--sign", str(base / "Lê Đức Cường.p12")], env={"QMS_SIGN_PASSPHRASE": "sai"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Lê Đức Cường.p12" in result.output
