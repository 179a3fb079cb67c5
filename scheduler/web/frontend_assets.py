"""GOV.UK Frontend's stylesheet as the app serves it.

The GDS Transport typeface may be used only by services on GOV.UK; a council's service must
use Arial instead. Unless told the service is on GOV.UK, the app serves the stylesheet with
the typeface's @font-face rules and its name taken out of every font stack (the stacks then
begin with Arial) and does not serve the font files.
"""

from __future__ import annotations

import re

TYPEFACE = "GDS Transport"
_FONT_FACE = re.compile(r"@font-face\{font-family:\"?GDS Transport\"?;[^}]*\}")
_IN_STACK = re.compile(r"\"?GDS Transport\"?,\s*")


def without_gds_transport(css: str) -> str:
    """`css` with no @font-face rule for GDS Transport and its name in no font stack."""
    return _IN_STACK.sub("", _FONT_FACE.sub("", css))
