"""The opending DingTalk emulator from Python: start it (the binary or the container image),
point DingTalk's SDKs at it, and drive its control API (``/_opending/``) from tests.

    from opending_emulator import Emulator

    with Emulator.start(seed="world.yaml") as emu:
        emu.endpoint        # "127.0.0.1:PORT", for the official SDK's Config(endpoint=...)
        emu.reset()         # back to the seed
        code = emu.mint_code("dingacmehr", "aliceUnionId0000000001", ["Contact.User.Read"])

Every method is one call of the control API (docs/emulator.md); none reimplements a rule of
the server. The pytest fixtures are in :mod:`opending_emulator.pytest_plugin`.
"""

from .emulator import Emulator, EmulatorError

__all__ = ["Emulator", "EmulatorError"]
