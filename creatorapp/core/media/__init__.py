"""Image formats: detection, safe in-place writing, sidecars and reading back.

Registration order matters only for naming what a mislabelled file really is: specific magic
numbers first, plain TIFF before the TIFF-based raw formats.
"""

from creatorapp.core.media import sidecar

sidecar.register_specific()

from creatorapp.core.media import jpeg, png, tiff, webp  # noqa: E402  (registration order)

sidecar.register_tiff_based()

__all__ = ["jpeg", "png", "sidecar", "tiff", "webp"]
