"""PyPI dingtalk-sdk 1.3.8 (a real legacy client: GET /gettoken, errcode envelope) against an
opending server seeded with docs/examples/world.yaml.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port and OPENDING_V1_TOKEN
(the token the v1.0 endpoint handed out for the same app). Prints one line per check and exits
non-zero on the first failure.
"""
import os

from dingtalk.client import AppKeyClient
from dingtalk.core.exceptions import DingTalkClientException

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
HR = ("dingacmehr", "acme-hr-secret-0123456789abcdef")
TRAVEL = ("suitetravel", "travel-secret-0123456789abcdef")


def client(key, secret):
    c = AppKeyClient("dingacme", key, secret)
    # Where dingtalk-sdk takes its base URL (docs/pointing-apps-at-opending.md).
    c.API_BASE_URL = f"http://{ENDPOINT}/"
    return c


def expect_errcode(key, secret, errcode):
    try:
        client(key, secret).access_token
    except DingTalkClientException as err:
        assert err.errcode == errcode, f"errcode {err.errcode!r} != {errcode}"
        return
    raise AssertionError(f"expected errcode {errcode}")


def main():
    token = client(*HR).access_token
    assert len(token) == 32 and all(c in "0123456789abcdef" for c in token), token
    print("ok: AppKeyClient.access_token from /gettoken")
    assert client(*HR).access_token == token, "a repeat request returns the live token"
    assert token == os.environ["OPENDING_V1_TOKEN"], "one token for both families"
    print("ok: the same token as /v1.0/oauth2/accessToken")
    expect_errcode(HR[0], "wrong-secret-0123456789abcdef", 40096)
    expect_errcode("dingnosuchapp", HR[1], 40096)
    expect_errcode(*TRAVEL, 40096)
    print("ok: wrong secret, unknown key and a third-party key answer errcode 40096")


if __name__ == "__main__":
    main()
