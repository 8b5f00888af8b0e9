"""DejaVu Sans (shipped with matplotlib), cut down to the characters a page uses and inlined as @font-face.

The page then renders the same offline on any machine, Vietnamese diacritics included, without shipping
the whole 750 kB font. Timestamps are kept from the source font, so the same text gives the same bytes.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib
from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "PII DejaVu Sans"
FACES = (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold"))


def font_dir() -> Path:
    """matplotlib's folder of bundled TrueType fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def subset_font(path: Path, text: str) -> bytes:
    """The font at ``path`` with only the glyphs of ``text`` (plus what shaping needs), as WOFF bytes."""
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]   # keep combining-mark positioning for stacked Vietnamese diacritics
    options.name_IDs = ["*"]          # keep the licence and copyright names of the font
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]   # FontForge's timestamps: not needed to render
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def font_face_css(text: str) -> str:
    """@font-face rules embedding the regular and bold faces subset to the characters of ``text``."""
    chars = "".join(sorted(set(text) | set(" 0123456789.,/%—–-")))
    rules = []
    for file, weight in FACES:
        data = base64.b64encode(subset_font(font_dir() / file, chars)).decode("ascii")
        rules.append(f"@font-face {{ font-family: '{FAMILY}'; font-weight: {weight}; font-style: normal; "
                     f"src: url(data:font/woff;base64,{data}) format('woff'); }}")
    return "\n".join(rules)
