"""DingTalk's official Python SDK: oauth2_1_0.get_user_token (code and refresh) and
contact_1_0.get_user_with_options('me') with and without the mobile field point.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port and two fresh
authorization codes for dingacmehr: OPENDING_CODE (Contact.User.Read only) and
OPENDING_CODE_MOBILE (plus fieldScope Contact.User.mobile)."""
import os
import sys

from alibabacloud_dingtalk.contact_1_0 import models as cm
from alibabacloud_dingtalk.contact_1_0.client import Client as ContactClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
CID, SECRET = "dingacmehr", "acme-hr-secret-0123456789abcdef"


def cfg():
    return open_api_models.Config(protocol="http", endpoint=ENDPOINT)


def get_user_token(**kw):
    return OAuthClient(cfg()).get_user_token(om.GetUserTokenRequest(client_id=CID, client_secret=SECRET, **kw))


def me(token):
    return ContactClient(cfg()).get_user_with_options(
        "me", cm.GetUserHeaders(x_acs_dingtalk_access_token=token), util_models.RuntimeOptions()
    )


def main():
    # As the docs' example: an empty refreshToken alongside the code.
    r = get_user_token(code=os.environ["OPENDING_CODE"], grant_type="authorization_code", refresh_token="")
    assert r.status_code == 200
    b = r.body
    assert isinstance(b.access_token, str) and isinstance(b.refresh_token, str), b.to_map()
    assert b.expire_in == 7200 and b.corp_id == "dingacme", b.to_map()
    print("ok get_user_token with a code")

    u = me(b.access_token).body
    assert (u.union_id, u.nick, u.visitor) == ("aliceUnionId0000000001", "Alice Chen", False), u.to_map()
    assert u.mobile is None and u.state_code is None and u.email is None, u.to_map()
    assert u.open_id
    print("ok get_user_with_options('me') without the mobile field point")

    r2 = get_user_token(refresh_token=b.refresh_token, grant_type="refresh_token")
    assert r2.body.refresh_token != b.refresh_token and r2.body.expire_in == 7200
    print("ok get_user_token with a refresh token (rotated)")

    try:
        get_user_token(code=os.environ["OPENDING_CODE"], grant_type="authorization_code")
        raise AssertionError("a replayed code must fail")
    except AssertionError:
        raise
    except Exception as err:
        assert err.code == "invalid.grant" and err.statusCode == 400, (err.code, err.statusCode)
    print("ok replayed code -> invalid.grant")

    m = get_user_token(code=os.environ["OPENDING_CODE_MOBILE"], grant_type="authorization_code")
    u = me(m.body.access_token).body
    assert (u.mobile, u.state_code) == ("13800000001", "86"), u.to_map()
    print("ok get_user_with_options('me') with Contact.User.mobile")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
