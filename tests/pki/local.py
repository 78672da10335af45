"""A real RFC 3161 time-stamping authority and CRL repository on localhost, from the
certomancer test PKI in tests/pki/certomancer.yml: the signing code talks to it over HTTP,
exactly as it talks to a production TSA."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CONFIG = Path(__file__).with_name("certomancer.yml")


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class _ThreadedServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        thread.start()

    def process_request_thread(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@dataclass
class LocalPKI:
    url: str
    root_cert: Path
    signer_key: Path
    signer_cert: Path
    tsa_url: str
    requests: list
    server: WSGIServer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _write_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def start(folder: Path) -> LocalPKI:
    from asn1crypto import tsp
    from certomancer.registry import CertomancerConfig

    for name in ("root", "signer", "tsa"):
        _write_key(folder / f"{name}.key.pem")
    requests: list = []
    holder: dict = {}

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        requests.append(path)
        arch = holder["arch"]
        if path == "/portal-test/tsa/tsa" and environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            response = arch.service_registry.summon_timestamper("tsa").request_tsa_response(tsp.TimeStampReq.load(body))
            start_response("200 OK", [("Content-Type", "application/timestamp-reply")])
            return [response.dump()]
        if path == "/portal-test/crls/root/latest.crl":
            start_response("200 OK", [("Content-Type", "application/pkix-crl")])
            return [arch.service_registry.get_crl("root").dump()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = make_server("127.0.0.1", 0, app, server_class=_ThreadedServer, handler_class=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_yaml(CONFIG.read_text().replace("http://127.0.0.1:0", url), key_search_dir=str(folder))
    arch = config.get_pki_arch("portal-test")
    holder["arch"] = arch
    for label in ("root", "signer"):
        (folder / f"{label}.cert.pem").write_bytes(_pem(arch.get_cert(label).dump()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LocalPKI(url=url, root_cert=folder / "root.cert.pem", signer_key=folder / "signer.key.pem",
                    signer_cert=folder / "signer.cert.pem", tsa_url=f"{url}/portal-test/tsa/tsa", requests=requests, server=server)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der)
