"""An app's HTTP callback endpoint built on PyPI dingtalk-sdk 1.3.8's DingTalkCrypto — an
implementation of DingTalk's callback crypto independent of opending's. It verifies each POST's
signature, decrypts it, prints the plaintext as one line (`event {...}`), and answers the
encrypted, signed "success" DingTalk expects.

Usage: callback_server.py TOKEN AES_KEY OWN_ID [MODE]. Prints `port N` first. MODE `html`
answers an HTML page instead (a misconfigured endpoint), `wrong` the encrypted "fail",
`redirect` a 302 to another URL, `hang` nothing at all for a minute.
Run by crates/server/tests/api/sdk.rs.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from dingtalk.crypto import DingTalkCrypto

TOKEN, AES_KEY, OWN_ID = sys.argv[1:4]
MODE = sys.argv[4] if len(sys.argv) > 4 else "ok"
CRYPTO = DingTalkCrypto(TOKEN, AES_KEY, OWN_ID)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if MODE == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if MODE == "hang":
            time.sleep(60)
            return
        query = parse_qs(urlparse(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            plain = CRYPTO.decrypt_message(body, query["signature"][0], query["timestamp"][0],
                                           query["nonce"][0])
        except Exception as e:  # a forged or garbled push: refuse it
            print(f"refused {type(e).__name__}", flush=True)
            self.send_response(400)
            self.end_headers()
            return
        print("event " + (plain.decode() if isinstance(plain, bytes) else plain), flush=True)
        if MODE == "html":
            answer, kind = b"<html><body>ok</body></html>", "text/html"
        else:
            text = "success" if MODE == "ok" else "fail"
            answer, kind = json.dumps(CRYPTO.encrypt_message(text)).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()
