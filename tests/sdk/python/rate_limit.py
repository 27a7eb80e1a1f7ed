"""DingTalk's official Python SDK meets opending's per-app per-API rate limit: the SDK must
surface the 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` code, status and DingTalk's
message unchanged. Run by crates/server/tests/api/sdk.rs against a server whose limits allow a
burst of 2 at 1 request a second (no timing is assumed: it keeps asking until refused).
"""
import os

from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
HR = ("dingacmehr", "acme-hr-secret-0123456789abcdef")
CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"


def main():
    c = OAuthClient(open_api_models.Config(protocol="http", endpoint=ENDPOINT))
    req = om.GetTokenRequest(client_id=HR[0], client_secret=HR[1], grant_type="client_credentials")
    passed = 0
    for _ in range(50):
        try:
            c.get_token("dingacme", req)
            passed += 1
        except Exception as err:  # TeaException or its 0.4.x subclass
            assert err.code == CODE, f"code {err.code!r} != {CODE!r}"
            assert err.statusCode == 403, f"statusCode {err.statusCode!r} != 403"
            assert err.data["code"] == CODE, err.data
            assert err.data["requestid"], err.data
            msg = err.data["message"]
            assert msg.startswith("请求过于频繁，限制将在 ") and msg.endswith(" 结束"), msg
            assert passed >= 2, f"the burst passes first ({passed})"
            print(f"ok 403 {CODE} after {passed} tokens, message {msg!r}")
            return
    raise AssertionError(f"no {CODE} after 50 requests")


if __name__ == "__main__":
    main()
