"""pytest fixtures for the opending emulator (registered as the ``opending`` plugin).

* ``opending_server`` (session): one emulator for the whole run, started from the options
  below, stopped at the end.
* ``opending`` (function): the same emulator, reset to its start seed before the test — each
  test starts from the same known world.

Options (command line, ``[pytest] ini``, or environment):

=====================  ======================  ===========================
``--opending-binary``  ``opending_binary``     ``OPENDING_BINARY``
``--opending-image``   ``opending_image``      ``OPENDING_IMAGE``
``--opending-seed``    ``opending_seed``       ``OPENDING_SEED``
``--opending-url``     ``opending_url``        ``OPENDING_URL`` (attach; start nothing)
=====================  ======================  ===========================
"""

from __future__ import annotations

import os
from typing import Iterator, Optional

import pytest

from .emulator import Emulator

_OPTIONS = (
    ("binary", "the opending binary to start (default: opending on PATH)"),
    ("image", "a container image to run instead of the binary"),
    ("seed", "a seed file applied at start and restored before each test"),
    ("url", "attach to an emulator that already runs at this URL"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opending", "opending DingTalk emulator")
    for name, help_text in _OPTIONS:
        group.addoption(f"--opending-{name}", dest=f"opending_{name}", default=None, help=help_text)
        parser.addini(f"opending_{name}", help_text)


def _option(config: pytest.Config, name: str) -> Optional[str]:
    return (config.getoption(f"opending_{name}") or config.getini(f"opending_{name}")
            or os.environ.get(f"OPENDING_{name.upper()}") or None)


@pytest.fixture(scope="session")
def opending_server(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """One emulator for the session (see the module's options)."""
    url = _option(pytestconfig, "url")
    if url:
        yield Emulator(url)
        return
    seed = _option(pytestconfig, "seed")
    if seed and not os.path.isabs(seed):
        seed = os.path.join(str(pytestconfig.rootpath), seed)
    emu = Emulator.start(binary=_option(pytestconfig, "binary"), image=_option(pytestconfig, "image"),
                         seed=seed)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def opending(opending_server: Emulator) -> Emulator:
    """The session's emulator, reset to its start seed before the test."""
    opending_server.reset()
    return opending_server
