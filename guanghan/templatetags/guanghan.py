from django import template

from guanghan.lib import masking

register = template.Library()


@register.filter
def mask_id(value):
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value):
    return masking.mask_phone(value)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination links that keep the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def index(sequence, position):
    """sequence[position] in a template: {{ urls|index:forloop.counter0 }}."""
    try:
        return sequence[position]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def bound_field(form, name):
    """form[name] in a template, for a field chosen by a variable: {{ form|bound_field:name }}."""
    return form[name]


@register.filter
def wan(value, places=2):
    """元 → 万元 with `places` decimals, for leaders' tables: {{ amount|wan }} 万元."""
    from guanghan.lib.money import to_wan

    if value in (None, ""):
        return ""
    return f"{to_wan(value, int(places)):,}"


@register.filter
def role_label(name):
    """A role's (group's) name in Chinese: "org_staff" → 组织部工作人员."""
    from guanghan.access import ROLE_LABELS

    return ROLE_LABELS.get(name, name)
