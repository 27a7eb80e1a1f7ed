"""The helper's own tests: the fixtures drive a real opending binary ($OPENDING_BINARY, or
the image with $OPENDING_IMAGE), and the app under test is DingTalk's official Python SDK."""

import json
import urllib.error
import urllib.request

import pytest
from alibabacloud_dingtalk.contact_1_0 import models as contact_models
from alibabacloud_dingtalk.contact_1_0.client import Client as ContactClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

from opending_emulator import Emulator, EmulatorError

HR, HR_SECRET, ACME = "dingacmehr", "acme-hr-secret-0123456789abcdef", "dingacme"
ALICE = "aliceUnionId0000000001"


def sdk_config(emu):
    return open_api_models.Config(protocol="http", endpoint=emu.endpoint)


def app_token(emu):
    r = OAuthClient(sdk_config(emu)).get_access_token(
        oauth_models.GetAccessTokenRequest(app_key=HR, app_secret=HR_SECRET))
    return r.body.access_token


def test_the_official_sdk_gets_an_app_token_and_the_journal_shows_it(opending):
    assert len(app_token(opending)) == 32
    calls = opending.requests(pathPrefix="/v1.0/oauth2/accessToken")
    assert [(c["method"], c["status"]) for c in calls] == [("POST", 200)], calls


def test_a_minted_code_signs_alice_in_through_the_sdk(opending):
    code = opending.mint_code(HR, ALICE, ["Contact.User.Read"], corp_id=ACME)
    tokens = OAuthClient(sdk_config(opending)).get_user_token(oauth_models.GetUserTokenRequest(
        client_id=HR, client_secret=HR_SECRET, code=code, grant_type="authorization_code"))
    me = ContactClient(sdk_config(opending)).get_user_with_options(
        "me", contact_models.GetUserHeaders(x_acs_dingtalk_access_token=tokens.body.access_token),
        util_models.RuntimeOptions())
    assert (me.body.union_id, me.body.nick) == (ALICE, "Alice Chen")


def test_each_test_starts_from_the_seed(opending):
    # The tests before this one minted tokens; the fixture's reset removed them.
    assert opending.tokens() == []
    opending.apply_seed({"orgs": [{"corpId": "dingtemporg", "name": "Temporary"}]})
    app_token(opending)
    assert len(opending.tokens()) == 1
    opending.reset()
    assert opending.tokens() == []


def test_the_clock_expires_tokens(opending):
    token = app_token(opending)

    def auth_infos():
        req = urllib.request.Request(opending.base_url + "/v1.0/contact/organizations/authInfos",
                                     headers={"x-acs-dingtalk-access-token": token})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    assert auth_infos()[0] == 200
    opending.advance_clock(7201)
    status, body = auth_infos()
    assert (status, body["code"]) == (400, "InvalidAuthentication"), body


def test_a_control_api_error_is_raised_with_its_status(opending):
    with pytest.raises(EmulatorError) as e:
        opending.mint_code(HR, ALICE, ["No.Such.Point"], corp_id=ACME)
    assert 400 <= e.value.status < 500 and e.value.body


def test_faults_and_events_are_reachable(opending):
    opending.add_fault({"pathPrefix": "/v1.0/oauth2/accessToken", "times": 1,
                        "action": {"kind": "error", "code": "Forbidden.AccessDenied.QpsLimitForApi"}})
    with pytest.raises(Exception) as e:
        app_token(opending)
    assert "QpsLimitForApi" in str(e.value)
    assert len(app_token(opending)) == 32  # spent after one request
    raised = opending.raise_event("user_add_org", corp_id=ACME, data={"userId": ["alice"]})
    assert raised["events"], raised


def test_a_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(EmulatorError, match="did not start|No such file|no opending binary"):
        try:
            Emulator.start(binary=str(tmp_path / "nope"))
        except FileNotFoundError as e:  # Popen's own error, re-raised as the helper's
            raise EmulatorError(str(e)) from e
