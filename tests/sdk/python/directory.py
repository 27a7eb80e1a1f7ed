"""PyPI dingtalk-sdk 1.3.8 (a real legacy client) reads Acme's directory from an opending server
seeded with docs/examples/world.yaml: a unionid resolved to a userid, then that member read,
and the errcode of an unknown one.

Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port. Prints one line per
check and exits non-zero on the first failure.
"""
import os

from dingtalk.client import AppKeyClient
from dingtalk.core.exceptions import DingTalkClientException

ENDPOINT = os.environ["OPENDING_ENDPOINT"]
DIR = ("dingacmedir", "acme-dir-secret-0123456789abcdef")
BOB = "bobUnionId000000000002"
CAROL = "carolUnionId0000000003"


def main():
    c = AppKeyClient("dingacme", *DIR)
    c.API_BASE_URL = f"http://{ENDPOINT}/"
    found = c.user.get_userid_by_unionid(BOB)
    assert found["userid"] == "bob", found
    assert found["contactType"] == 0, found
    print("ok: user.get_userid_by_unionid")
    user = c.user.get(found["userid"])
    assert user["name"] == "Bob Li", user
    assert user["position"] == "Engineer", user
    assert user["department"] == [101, 200], user
    assert user["mobile"] == "13800000002", user
    assert user["isAdmin"] is False, user
    print("ok: user.get reads the member")
    try:
        c.user.get_userid_by_unionid(CAROL)
    except DingTalkClientException as err:
        assert err.errcode == 60121, f"errcode {err.errcode!r}"
        print("ok: a unionid outside the org is errcode 60121")
    else:
        raise AssertionError("expected errcode 60121")


if __name__ == "__main__":
    main()
