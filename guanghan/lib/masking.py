"""Masks for personal numbers shown in lists: 510681********123X, 138****5678."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = str(value)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
