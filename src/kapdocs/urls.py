"""Splitting a URL from a page, which may be any string.

:func:`urllib.parse.urlsplit` raises ``ValueError`` for a host in brackets that is not an
IPv6 address, such as ``https://[example`` in a reStructuredText link or raw HTML; one
such link on one page would otherwise stop the checks of every page, or the build.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(url: str) -> SplitResult:
    """*url*'s parts as :func:`~urllib.parse.urlsplit` gives them, for any string.

    A bracketed host that ``urlsplit`` rejects is read with its brackets percent-encoded,
    so that the scheme, whether there is a host, the path and the fragment still come out
    as they are written.
    """
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit(url.replace("[", "%5B").replace("]", "%5D"))


def url_scheme(url: str) -> str:
    """*url*'s scheme in lower case ("" for none)."""
    return split_url(url).scheme.lower()
