"""Data URLs and media types: the one place images and files change spelling.

OpenAI puts base64 into ``data:`` URLs; Anthropic and Gemini keep the media
type and the payload apart. Splitting and joining is string slicing: a large
image is never decoded.
"""

from __future__ import annotations

import mimetypes

__all__ = ["guess_media_type", "join_data_url", "split_data_url"]


def split_data_url(url: str) -> tuple[str, str] | None:
    """``(media_type, base64)`` of a ``data:<type>;base64,<data>`` URL, else ``None``."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url.partition(",")
    if not sep or not head.endswith(";base64"):
        return None
    media_type = head[5:-7] or "application/octet-stream"
    return media_type, data


def join_data_url(media_type: str | None, data: str) -> str:
    return f"data:{media_type or 'application/octet-stream'};base64,{data}"


def guess_media_type(url: str, default: str) -> str:
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed or default
