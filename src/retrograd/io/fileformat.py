"""The `__metadata__` entries retrograd writes, shared by model, weights and checkpoint files.

Every value is a string (safetensors' rule); structured values are JSON. `format` and
`format_version` say which reader understands the file, `content` what it holds.
"""

from __future__ import annotations

import json
import os
from typing import Any

from retrograd.io.errors import ModelFileError

FORMAT = "retrograd"
FORMAT_VERSION = 1


def header_metadata(content: str, **entries: Any) -> dict[str, str]:
    """`__metadata__` for a file holding `content`, each entry written as JSON."""
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "content": content}
    for key, value in entries.items():
        metadata[key] = json.dumps(value, allow_nan=True)
    return metadata


def check_content(metadata: dict[str, str], content: str, path: str | os.PathLike[str]) -> None:
    """Raise ModelFileError unless the file is a retrograd file holding `content`."""
    name = os.fspath(path)
    found = metadata.get("content") if metadata.get("format") == FORMAT else None
    if found != content and content == "model" and found in (None, "state_dict"):
        raise ModelFileError(
            f"{name}: holds weights without an architecture (written by save_state_dict or "
            "another library); build the model in code and use "
            "model.load_state_dict(retrograd.io.load_state_dict_file(path))"
        )
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{name}: not a retrograd {content} file (no retrograd metadata)")
    version = metadata.get("format_version", "")
    if not version.isdigit() or int(version) > FORMAT_VERSION:
        raise ModelFileError(
            f"{name}: format version {version!r:.20} is not one this retrograd reads (it reads "
            f"up to {FORMAT_VERSION}); a newer retrograd wrote it"
        )
    if found != content:
        raise ModelFileError(f"{name}: holds a {found!r:.40}, not a {content!r}")


def json_entry(metadata: dict[str, str], key: str, path: str | os.PathLike[str]) -> Any:
    """The JSON value of metadata entry `key` (None when absent)."""
    text = metadata.get(key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ModelFileError(
            f"{os.fspath(path)}: metadata entry {key!r} is not valid JSON: {error}"
        ) from None
