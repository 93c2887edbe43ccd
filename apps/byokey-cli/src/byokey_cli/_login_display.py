"""What ``byokey login`` shows while a flow runs: the URL, the device code, a spinner.

byokey_auth never prints; it hands each step over as a prompt value. This module
turns them into terminal output: a browser URL always printed (so an SSH user can
copy it), a device code in a box that cannot be missed, and a rich spinner while
the login waits for the user. Off a terminal (pipes, tests) rich draws no spinner
and the text comes out plain.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.status import Status
from rich.text import Text

if TYPE_CHECKING:
    from byokey_auth import DeviceCodePrompt, LoginPrompt
    from byokey_types import ProviderId


class LoginDisplay:
    """Receives ``on_prompt`` values; use as a context manager around the login."""

    def __init__(self, console: Console, provider: ProviderId, *, browser: bool) -> None:
        self._console = console
        self._provider = provider
        self._browser = browser
        self._status: Status | None = None

    def __enter__(self) -> LoginDisplay:
        self._console.print(f"Signing in to {self._provider.display_name}…")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop_spinner()

    def __call__(self, prompt: LoginPrompt) -> None:
        from byokey_auth import BrowserPrompt, DeviceCodePrompt

        if isinstance(prompt, BrowserPrompt):
            self._show_url(prompt.url)
            self._spin("Waiting for you to finish signing in in the browser…")
        elif isinstance(prompt, DeviceCodePrompt):
            self._show_device_code(prompt)
            self._spin("Waiting for you to enter the code…")
        elif self._status is not None:
            self._status.update(f"{prompt.message}…")

    def browser_failed(self) -> None:
        """The OS browser did not open: the user must use the printed URL."""
        self._console.print("Could not open a browser; open the URL above yourself.")

    def _show_url(self, url: str) -> None:
        lead = (
            "Your browser should open. If it does not, open this URL:"
            if self._browser
            else "Open this URL in a browser (on any machine that can reach this one):"
        )
        self._console.print(lead)
        # soft_wrap keeps the URL on one line so it can be copied whole.
        self._console.print(Text(url, style="bold underline"), soft_wrap=True)

    def _show_device_code(self, prompt: DeviceCodePrompt) -> None:
        minutes = max(1, prompt.expires_in // 60)
        body = Text.assemble(
            "Open  ",
            (prompt.verification_uri, "bold underline"),
            "\nand enter the code\n\n",
            (f"    {prompt.user_code}", "bold reverse"),
            f"\n\nThe code expires in {minutes} min.",
        )
        if prompt.verification_uri_complete:
            body.append("\nOr open directly: ")
            body.append(prompt.verification_uri_complete, "underline")
        self._console.print(
            Panel(body, title=f"{self._provider.display_name} sign-in", expand=False)
        )

    def _spin(self, text: str) -> None:
        self._stop_spinner()
        self._status = self._console.status(text, spinner="dots")
        self._status.start()

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
