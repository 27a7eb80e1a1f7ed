"""The official SDK's ISV, SSO and personal-auth-rule calls, unmodified, against an opending
server seeded with docs/examples/world.yaml: get_suite_access_token, get_corp_access_token,
get_auth_info, create_jsapi_ticket (with the corp token), get_sso_access_token,
get_sso_user_info and get_personal_auth_rule, and the error codes the SDK raises.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port and the suite ticket,
an SSO code and a user token in OPENDING_SUITE_TICKET, OPENDING_SSO_CODE, OPENDING_USER_TOKEN.
"""
import os

from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models
from Tea.exceptions import TeaException

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
TRAVEL = ("suitetravel", "travel-secret-0123456789abcdef")
GLOBEX = "dingglobex"


def raises(code, call):
    try:
        call()
    except TeaException as e:
        assert e.code == code, (e.code, e.message)
        return
    raise AssertionError(f"expected {code}")


def main():
    c = OAuthClient(open_api_models.Config(protocol="http", endpoint=ENDPOINT))
    rt = util_models.RuntimeOptions()
    ticket = os.environ["OPENDING_SUITE_TICKET"]

    suite = c.get_suite_access_token(
        om.GetSuiteAccessTokenRequest(suite_key=TRAVEL[0], suite_secret=TRAVEL[1], suite_ticket=ticket)
    ).body
    assert suite.access_token and suite.expire_in == 7200, suite.to_map()
    raises("invalidSuiteTicket", lambda: c.get_suite_access_token(
        om.GetSuiteAccessTokenRequest(suite_key=TRAVEL[0], suite_secret=TRAVEL[1], suite_ticket="stale")))
    print("ok: get_suite_access_token")

    corp = c.get_corp_access_token(
        om.GetCorpAccessTokenRequest(auth_corp_id=GLOBEX, suite_key=TRAVEL[0], suite_secret=TRAVEL[1], suite_ticket=ticket)
    ).body
    assert corp.access_token and corp.expire_in == 7200, corp.to_map()
    raises("invalidAuthInfo", lambda: c.get_corp_access_token(
        om.GetCorpAccessTokenRequest(auth_corp_id="dingacme", suite_key=TRAVEL[0], suite_secret=TRAVEL[1], suite_ticket=ticket)))
    raises("invalidSuiteKey", lambda: c.get_corp_access_token(
        om.GetCorpAccessTokenRequest(auth_corp_id=GLOBEX, suite_key="suitenosuch", suite_secret=TRAVEL[1], suite_ticket=ticket)))
    print("ok: get_corp_access_token")

    info = c.get_auth_info_with_options(
        om.GetAuthInfoRequest(auth_corp_id=GLOBEX),
        om.GetAuthInfoHeaders(x_acs_dingtalk_access_token=suite.access_token), rt,
    ).body
    agent = info.auth_app_info.agent_list[0]
    assert agent.agent_name == "Travel Booking" and agent.agent_id > 0, info.to_map()
    assert info.auth_corp_info.corp_name == "Globex", info.to_map()
    assert info.auth_user_info.user_id in agent.admin_list, info.to_map()
    raises("orgNotAuthApp", lambda: c.get_auth_info_with_options(
        om.GetAuthInfoRequest(auth_corp_id="dingacme"),
        om.GetAuthInfoHeaders(x_acs_dingtalk_access_token=suite.access_token), rt))
    print("ok: get_auth_info")

    jsapi = c.create_jsapi_ticket_with_options(
        om.CreateJsapiTicketHeaders(x_acs_dingtalk_access_token=corp.access_token), rt
    ).body
    assert jsapi.jsapi_ticket and jsapi.expire_in > 0, jsapi.to_map()
    raises("AuthenticationFailed.MissingParameter", lambda: c.create_jsapi_ticket())
    print("ok: create_jsapi_ticket with a corp token")

    sso = c.get_sso_access_token(
        om.GetSsoAccessTokenRequest(corpid=GLOBEX, sso_secret="globex-sso-secret-0123456789")
    ).body
    assert sso.access_token and sso.expire_in == 3600, sso.to_map()
    raises("invalidClientIdOrSecret", lambda: c.get_sso_access_token(
        om.GetSsoAccessTokenRequest(corpid=GLOBEX, sso_secret="wrong")))
    print("ok: get_sso_access_token")

    code = os.environ["OPENDING_SSO_CODE"]
    user = c.get_sso_user_info_with_options(
        om.GetSsoUserInfoRequest(code=code),
        om.GetSsoUserInfoHeaders(x_acs_dingtalk_access_token=sso.access_token), rt,
    ).body
    assert user.corp_id == GLOBEX and user.user_name == "Carol Wang" and user.is_admin is True, user.to_map()
    raises("invalidCode", lambda: c.get_sso_user_info_with_options(
        om.GetSsoUserInfoRequest(code=code),
        om.GetSsoUserInfoHeaders(x_acs_dingtalk_access_token=sso.access_token), rt))
    print("ok: get_sso_user_info")

    rules = c.get_personal_auth_rule_with_options(
        om.GetPersonalAuthRuleHeaders(x_acs_dingtalk_access_token=os.environ["OPENDING_USER_TOKEN"]), rt
    ).body
    got = {(r.resource, tuple(r.auth_items)) for r in rules.result}
    assert got == {("Contact.User", ("Read",))}, got
    print("ok: get_personal_auth_rule")


if __name__ == "__main__":
    main()
