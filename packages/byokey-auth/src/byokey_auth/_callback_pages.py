"""The pages the browser shows at the end of an auth-code login."""

from __future__ import annotations

import html

__all__ = ["error_page", "page_response", "pending_page", "success_page", "waiting_page"]

_STYLE = (
    "body{font-family:system-ui,-apple-system,sans-serif;max-width:32rem;margin:4rem auto;"
    "padding:0 1rem;color:#222}h1{font-size:1.4rem}.ok{color:#17803d}.err{color:#b42318}"
)


def _page(title: str, heading_class: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1 class={heading_class}>{html.escape(title)}</h1>"
        f"{body}</body></html>"
    )


def success_page(provider: str) -> str:
    return _page(
        "Login successful!",
        "ok",
        f"<p>byokey is now signed in to {html.escape(provider)}. "
        "You may close this tab and return to the terminal.</p>",
    )


def error_page(provider: str, reason: str) -> str:
    return _page(
        "Login failed",
        "err",
        f"<p>byokey could not sign in to {html.escape(provider)}: {html.escape(reason)}.</p>"
        "<p>Close this tab and run the login command again.</p>",
    )


def pending_page(provider: str) -> str:
    """Shown when the flow took too long to say how the exchange went."""
    return _page(
        "Almost done",
        "ok",
        f"<p>byokey received the answer from {html.escape(provider)}. "
        "Return to the terminal to see whether the login finished.</p>",
    )


def waiting_page() -> str:
    return _page("Waiting for login", "ok", "<p>This is not the login callback.</p>")


def page_response(status: int, reason: str, body: str) -> bytes:
    data = body.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + data
