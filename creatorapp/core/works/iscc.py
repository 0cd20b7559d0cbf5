"""A work's ISCC (International Standard Content Code, ISO 24138:2024), made here from its bytes.

Content-fingerprint registries (Liccium's TDM·AI registry) find a work by its ISCC rather than by
its address or its embedded metadata, so a reservation declared for the code still applies to a
copy whose metadata was stripped: the Content-Code is computed from the pixels alone.  The full
ISCC-CODE joins four units, as the registries expect (``ISCC:`` and 55 characters):

- Meta-Code: the work's name
- Content-Code (image): a perceptual hash of the normalised pixels
- Data-Code: a similarity hash of the file's bytes
- Instance-Code: a checksum of the file's bytes

The pixels are normalised the way the ISCC reference SDK (``iscc-sdk``) does before hashing, so a
registry computing the code from the same file finds the same Content-Code.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from creatorapp.errors import UserError

# what a registry accepts: the four-unit ISCC-CODE (dev.liccium.com declaration API)
CODE_FORM = re.compile(r"^ISCC:[A-Z2-7]{55}$")
_SIDE = 32  # the image Content-Code hashes 32 x 32 grey pixels


class IsccError(UserError):
    """A work whose code cannot be made here (not an image this version can read)."""


@dataclass(frozen=True)
class Iscc:
    code: str  # the ISCC-CODE, "ISCC:" and 55 characters
    units: tuple[str, ...]  # Meta, Content, Data and Instance codes, each "ISCC:..."
    name: str  # what the Meta-Code was made from
    mediatype: str  # image/jpeg, image/png ...
    sha256: str  # of the bytes the code was made from

    @property
    def content(self) -> str:
        """The Content-Code: the unit that survives stripped or rewritten metadata."""
        return self.units[1]


def name_of(path: Path) -> str:
    """A work's name for its Meta-Code: its file name without the extension, as the ISCC SDK
    names a file that carries no title."""
    return re.sub(r"[_\s]+", " ", Path(path).stem).strip() or Path(path).name


def of_file(path: Path, name: str | None = None) -> Iscc:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IsccError(f"cannot read {path} ({exc.strerror or exc})") from None
    return of_bytes(data, name or name_of(Path(path)), where=str(path))


def of_bytes(data: bytes, name: str, *, where: str = "the work") -> Iscc:
    import iscc_core as ic

    pixels, mediatype = _pixels(data, where)
    units = (
        ic.gen_meta_code_v0(name)["iscc"],
        ic.gen_image_code_v0(pixels)["iscc"],
        ic.gen_data_code_v0(io.BytesIO(data))["iscc"],
        ic.gen_instance_code_v0(io.BytesIO(data))["iscc"],
    )
    code = ic.gen_iscc_code_v0(list(units))["iscc"]
    if not CODE_FORM.match(code):  # a change in the library would show here, not at the registry
        raise IsccError(f"{where}: the ISCC made for it has an unexpected form ({code})")
    return Iscc(code, units, name, mediatype, hashlib.sha256(data).hexdigest())


def _pixels(data: bytes, where: str) -> tuple[list[int], str]:
    """The 1024 grey values the image Content-Code hashes: turned upright (EXIF orientation),
    transparency on white, a uniform border trimmed, grey, 32 x 32 bicubic (iscc-sdk's
    ``image_normalize``)."""
    from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            mediatype = Image.MIME.get(opened.format or "", "application/octet-stream")
            img = ImageOps.exif_transpose(opened)
            if img.mode != "RGBA":
                img = img.convert("RGBA")
            img = Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255)), img)
            corner = Image.new(img.mode, img.size, img.getpixel((0, 0)))
            diff = ImageChops.difference(img, corner)
            box = ImageChops.add(diff, diff).getbbox()
            if box and box != (0, 0, *img.size):
                img = img.crop(box)
            small = img.convert("L").resize((_SIDE, _SIDE), Image.Resampling.BICUBIC)
            flat = getattr(small, "get_flattened_data", small.getdata)()
            return [int(v) for v in flat], mediatype
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise IsccError(
            f"{where} is not an image this version can fingerprint ({type(exc).__name__})"
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise IsccError(f"{where} cannot be decoded as an image ({exc})") from None
