"""DingTalk's official Python SDK: contact_1_0.get_org_auth_info_with_options (seed 003) against
an opending server seeded with docs/examples/world.yaml. Run by crates/server/tests/api/sdk.rs."""
import os
import sys

from alibabacloud_dingtalk.contact_1_0 import models as cm
from alibabacloud_dingtalk.contact_1_0.client import Client as ContactClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

ENDPOINT = os.environ["OPENDING_ENDPOINT"]


def cfg():
    return open_api_models.Config(protocol="http", endpoint=ENDPOINT)


def app_token(corp, cid, secret):
    req = om.GetTokenRequest(client_id=cid, client_secret=secret, grant_type="client_credentials")
    return OAuthClient(cfg()).get_token(corp, req).body.access_token


def auth_info(token, target=None):
    return ContactClient(cfg()).get_org_auth_info_with_options(
        cm.GetOrgAuthInfoRequest(target_corp_id=target),
        cm.GetOrgAuthInfoHeaders(x_acs_dingtalk_access_token=token),
        util_models.RuntimeOptions(),
    )


def expect_error(token, target, status, code, detail=None):
    try:
        auth_info(token, target)
    except Exception as err:
        assert err.code == code, f"code {err.code!r} != {code!r}"
        assert err.statusCode == status, f"statusCode {err.statusCode!r} != {status}"
        assert err.data.get("accessdenieddetail") == detail, err.data
        return
    raise AssertionError(f"expected {code}")


def main():
    hr = app_token("dingacme", "dingacmehr", "acme-hr-secret-0123456789abcdef")
    r = auth_info(hr)
    assert r.status_code == 200
    b = r.body
    assert (b.org_name, b.auth_level, b.legal_person) == ("Acme Corp", 1, "Wile E. Coyote"), b.to_map()
    assert b.unified_social_credit == "91110000000000001X"
    print("ok get_org_auth_info_with_options (own org, certified)")

    travel = app_token("dingglobex", "suitetravel", "travel-secret-0123456789abcdef")
    b = auth_info(travel, "dingglobex").body
    assert b.to_map() == {"authLevel": 0, "orgName": "Globex"}, b.to_map()
    print("ok level 0 returns only authLevel and orgName")

    expect_error("0123456789abcdef0123456789abcdef", None, 400, "InvalidAuthentication")
    print("ok InvalidAuthentication")
    ops = app_token("dingglobex", "dingglobexops", "globex-ops-secret-0123456789ab")
    expect_error(ops, None, 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                 {"requiredScopes": ["Contact.Org.Read"]})
    print("ok AccessTokenPermissionDenied with requiredScopes")
    expect_error(hr, "dingnosuchorg", 400, "invalidParameter.system.param")
    print("ok invalidParameter.system.param")
    expect_error(travel, "dingacme", 400, "permission.denied")
    print("ok permission.denied")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
