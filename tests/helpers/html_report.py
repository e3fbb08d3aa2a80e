"""Reading the HTML report (``--report-html``) as its reader does: the items of a list under
a heading."""

from __future__ import annotations

import re


def listed(page: str, heading: str) -> list[str]:
    """The items (their HTML) of the first list after ``heading`` in ``page``."""
    after = page.split(heading, 1)[1].split("<ul>", 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", after)
