"""JSAPI tickets through both real clients against an opending server seeded with
docs/examples/world.yaml: the official SDK's create_jsapi_ticket_with_options (v1.0) and PyPI
dingtalk-sdk 1.3.8's AppKeyClient.jsapi_ticket (legacy /get_jsapi_ticket), which must agree.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port.
"""
import os

from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models
from dingtalk.client import AppKeyClient

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
HR = ("dingacmehr", "acme-hr-secret-0123456789abcdef")


def main():
    official = OAuthClient(open_api_models.Config(protocol="http", endpoint=ENDPOINT))
    token = official.get_token(
        "dingacme",
        om.GetTokenRequest(client_id=HR[0], client_secret=HR[1], grant_type="client_credentials"),
    ).body.access_token
    v1 = official.create_jsapi_ticket_with_options(
        om.CreateJsapiTicketHeaders(x_acs_dingtalk_access_token=token), util_models.RuntimeOptions()
    ).body
    assert v1.jsapi_ticket and 0 < v1.expire_in <= 7200, v1.to_map()
    print("ok: create_jsapi_ticket_with_options")

    legacy = AppKeyClient("dingacme", *HR)
    legacy.API_BASE_URL = f"http://{ENDPOINT}/"
    assert legacy.jsapi_ticket == v1.jsapi_ticket, "one ticket for both families"
    params = legacy.get_jsapi_params("https://app.example/page", noncestr="abc", timestamp=1)
    assert params["signature"] and params["corpId"] == "dingacme", params
    print("ok: dingtalk-sdk jsapi_ticket and get_jsapi_params")


if __name__ == "__main__":
    main()
