"""PyPI dingtalk-stream 0.24.3 (DingTalk's official Stream SDK), unmodified, against an opending
emulator seeded with docs/examples/world.yaml: the SDK reads its base URL from
DINGTALK_OPENAPI_ENDPOINT, opens a connection for Acme's directory app, receives a user_add_org
event raised through the emulator, and acknowledges it the Python SDK's way (code 200 with the
event's data echoed, no status). Also: a third-party app's connection receives its suite ticket.

Run by crates/server/tests/api/sdk.rs with DINGTALK_OPENAPI_ENDPOINT=http://host:port. Prints one
line per check and exits non-zero on the first failure.
"""
import asyncio
import json
import logging
import os
import sys
import urllib.request

import dingtalk_stream
from dingtalk_stream import AckMessage

BASE = os.environ["DINGTALK_OPENAPI_ENDPOINT"]
DIR = ("dingacmedir", "acme-dir-secret-0123456789abcdef")
CRM = ("suitecrm", "crm-secret-0123456789abcdef")


def emulator(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


class Recorder(dingtalk_stream.EventHandler):
    def __init__(self):
        super().__init__()
        self.queue = asyncio.Queue()

    async def process(self, event):
        self.queue.put_nowait(event)
        return AckMessage.STATUS_OK, "OK"


async def connected_client(credential):
    """A client of the unmodified SDK, started in the background (it never returns)."""
    client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(*credential),
                                                  logger=logging.getLogger("sdk"))
    recorder = Recorder()
    client.register_all_event_handler(recorder)
    task = asyncio.get_running_loop().create_task(client.start())
    return recorder, task


async def wait_acked(event_id):
    for _ in range(200):
        events = await asyncio.to_thread(emulator, "GET", "/_opending/events")
        found = [e for e in events if e["eventId"] == event_id]
        if found and found[0]["state"] == "acked":
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"event {event_id} was never acknowledged")


async def main():
    recorder, _ = await connected_client(DIR)
    raised = await asyncio.to_thread(emulator, "POST", "/_opending/events", {
        "eventType": "user_add_org", "corpId": "dingacme", "data": {"userId": ["py-user-1"]}})
    event_id = raised["events"][0]["eventId"]
    event = await asyncio.wait_for(recorder.queue.get(), 30)
    assert event.headers.event_type == "user_add_org", event.headers
    assert event.headers.event_id == event_id, event.headers
    assert event.headers.event_corp_id == "dingacme", event.headers
    assert isinstance(event.headers.event_born_time, int), event.headers
    assert event.data["userId"] == ["py-user-1"], event.data
    print("ok: user_add_org received with its headers and data")
    done = await wait_acked(event_id)
    assert done["deliveries"][-1]["outcome"] == "acked", done
    print("ok: acknowledged with code 200 and the echoed data")

    recorder, _ = await connected_client(CRM)
    event = await asyncio.wait_for(recorder.queue.get(), 30)
    assert event.headers.event_type == "suite_ticket", event.headers
    ticket = await asyncio.to_thread(emulator, "GET", "/_opending/suite-tickets/suitecrm")
    assert event.data["suiteTicket"] == ticket["suiteTicket"], (event.data, ticket)
    print("ok: a third-party app's connection receives its suite ticket")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    # Not asyncio.run: it cancels the SDK's client.start() at the end and waits for it, and that
    # loop swallows cancellation and reconnects forever. Run main, then leave without waiting.
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.wait_for(main(), 60))
    sys.stdout.flush()
    os._exit(0)
