"""DingTalk's official Python SDK against an opending server seeded with docs/examples/world.yaml.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port. Prints one line per
check and exits non-zero on the first failure.
"""
import os
import sys

from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
HR = ("dingacmehr", "acme-hr-secret-0123456789abcdef")
TRAVEL = ("suitetravel", "travel-secret-0123456789abcdef")


def client():
    return OAuthClient(open_api_models.Config(protocol="http", endpoint=ENDPOINT))


def token_request(cid, secret, grant="client_credentials"):
    return om.GetTokenRequest(client_id=cid, client_secret=secret, grant_type=grant)


def expect_error(corp, req, status, code):
    try:
        client().get_token(corp, req)
    except Exception as err:  # TeaException or its 0.4.x subclass
        assert err.code == code, f"code {err.code!r} != {code!r}"
        assert err.statusCode == status, f"statusCode {err.statusCode!r} != {status}"
        assert err.data["requestid"], err.data
        assert f"code: {status}" in err.message, err.message
        return
    raise AssertionError(f"expected {code} for {corp}")


def main():
    c = client()
    first = c.get_token("dingacme", token_request(*HR))
    assert first.status_code == 200
    assert isinstance(first.body.access_token, str) and len(first.body.access_token) == 32
    assert first.body.expires_in == 7200, first.body.expires_in
    print("ok get_token")

    again = c.get_token("dingacme", token_request(*HR))
    assert again.body.access_token == first.body.access_token
    print("ok get_token again returns the same token")

    third_party = c.get_token("dingglobex", token_request(*TRAVEL))
    assert third_party.body.access_token != first.body.access_token
    print("ok third-party app in the org that installed it")

    legacy = c.get_access_token(om.GetAccessTokenRequest(app_key=HR[0], app_secret=HR[1]))
    assert legacy.body.access_token == first.body.access_token
    assert legacy.body.expire_in == 7200
    print("ok get_access_token (legacy)")

    expect_error("dingacme", token_request(HR[0], "wrong-secret-000000"), 400, "invalid.client")
    expect_error("dingacme", token_request("dingnobody", "whatever-0000000"), 400, "invalid.client")
    print("ok invalid.client")
    expect_error("dingacme", token_request(*HR, grant="password"), 400, "unsupported.grant.type")
    print("ok unsupported.grant.type")
    expect_error("dingglobex", token_request(*HR), 401, "unauthorized.client")
    expect_error("dinginitech", token_request(*TRAVEL), 401, "unauthorized.client")
    print("ok unauthorized.client")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
