"""Photos taken on a phone in a village: checked to be images, turned upright, shrunk and stripped of their metadata.

A phone photo is 3–8 MB and 4000 px wide and carries the GPS position in its EXIF; what is stored is a JPEG at most
`max_side` pixels wide or high, without EXIF. The size is checked before decoding, and images with too many pixels
(decompression bombs) are refused before their pixels are read.
"""

import warnings
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 50_000_000  # 50 megapixels: any phone camera, not a crafted bomb


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message says why, in Chinese."""


def shrink_photo(upload, *, max_bytes: int, max_side: int, name: str = "photo") -> ContentFile:
    """The upload as a JPEG ContentFile, or PhotoError."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise PhotoError(f"“{upload.name}”有 {size / 1048576:.1f} MB，照片不能超过 {max_bytes // 1048576} MB。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(f"“{upload.name}”不是 JPG、PNG 或 WebP 照片。")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(f"“{upload.name}”像素过大，请用手机相机拍摄的照片。")
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"“{upload.name}”像素过大，请用手机相机拍摄的照片。") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise PhotoError(f"“{upload.name}”不是有效的图片文件，请重新拍照或选择照片。") from None
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name=f"{name}.jpg")
