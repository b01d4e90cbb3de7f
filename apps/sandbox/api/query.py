"""Query-string helpers for the people and org operations: include/enum values, id lists, Desk's search syntax.

Desk's search operations (Search.json) take comma-separated values that are OR-ed, with `*` wildcards
(`jack*`, `*jack*`), `${empty}` / `${notempty}` checks, `customFieldN=cf_name:value`, time ranges
`createdTimeRange=<ISO>,<ISO>`, and `from` 0-999. Every helper raises Desk's 422 naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from apps.sandbox.contract import DeskAPIError, field_error, scope_satisfied

# Search.json: `from` is "minimum 0, maximum 999" on every search operation.
SEARCH_MAX_FROM = 999
CUSTOM_FIELD_PARAMS = tuple(f"customField{n}" for n in range(1, 11))
EMPTY, NOT_EMPTY = "${empty}", "${notempty}"


def unprocessable(name: str, message: str) -> DeskAPIError:
    return DeskAPIError(422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "invalid", message)])


def require_scopes(request: HttpRequest, *groups: Iterable[str]) -> None:
    """Every group needs one granted scope: Zoho lists `Desk.contacts.READ, Desk.search.READ` on a
    search, and a search needs Desk.search.READ besides the module's own READ (real-desk-notes, H)."""
    granted = request.sandbox_token.scopes  # type: ignore[attr-defined]
    for accepted in groups:
        if not scope_satisfied(granted=granted, accepted=accepted):
            raise DeskAPIError(
                403, "SCOPE_MISMATCH", "The OAuth token does not have the scope needed for this operation."
            )


def csv_values(request: HttpRequest, name: str) -> list[str]:
    return [part.strip() for part in request.GET.get(name, "").split(",") if part.strip()]


def include_values(request: HttpRequest, allowed: Iterable[str]) -> set[str]:
    """`include=a,b`: each value must be one the operation lists."""
    allowed_set = set(allowed)
    values = csv_values(request, "include")
    for value in values:
        if value not in allowed_set:
            raise unprocessable(
                "include",
                f"The value '{value}' of 'include' must be one of {', '.join(sorted(allowed_set))}.",
            )
    return set(values)


def enum_value(request: HttpRequest, name: str, allowed: Iterable[str]) -> str | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    allowed_list = list(allowed)
    if raw not in allowed_list:
        raise unprocessable(name, f"The value of '{name}' must be one of {', '.join(allowed_list)}.")
    return raw


def id_values(request: HttpRequest, name: str, *, maximum: int, required: bool = False) -> list[int]:
    """A comma-separated id list (`ids`, `agentIds`, `departmentIds`), at most `maximum` of them."""
    values = csv_values(request, name)
    if not values:
        if required:
            message = f"The parameter '{name}' is required."
            raise DeskAPIError(
                422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "missing", message)]
            )
        return []
    if len(values) > maximum:
        raise unprocessable(name, f"At most {maximum} ids are allowed in '{name}'.")
    if not all(value.isascii() and value.isdigit() and len(value) < 19 for value in values):
        raise unprocessable(name, f"The parameter '{name}' must be a list of ids.")
    return [int(value) for value in values]


def bool_value(request: HttpRequest, name: str) -> bool | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if raw.lower() not in {"true", "false"}:
        raise unprocessable(name, f"The value of '{name}' must be true or false.")
    return raw.lower() == "true"


def min_length(request: HttpRequest, name: str, length: int) -> str | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if len(raw) < length:
        raise unprocessable(name, f"The value of '{name}' must be at least {length} characters long.")
    return raw


def search_paging(request: HttpRequest) -> None:
    """Search.json: `from` 0-999 (the decorator checks >= 0 and `limit`)."""
    raw = request.GET.get("from")
    if raw is not None and raw.isascii() and raw.isdigit() and int(raw) > SEARCH_MAX_FROM:
        raise unprocessable(
            "from", f"The value of 'from' must be an integer between 0 and {SEARCH_MAX_FROM}."
        )


def _parse_time(name: str, value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise unprocessable(
            name,
            f"The value of '{name}' must be two ISO times, e.g. 2017-11-05T00:00:00.000Z,2018-09-05T23:59:00.000Z.",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def time_range(request: HttpRequest, name: str) -> tuple[dt.datetime, dt.datetime] | None:
    """`createdTimeRange` / `modifiedTimeRange`: "<from>,<to>", both ends inclusive (best reading)."""
    raw = request.GET.get(name)
    if raw is None or raw == "" or raw == "null":
        return None
    parts = raw.split(",")
    if len(parts) != 2:
        raise unprocessable(name, f"The value of '{name}' must be two ISO times separated by a comma.")
    start, end = _parse_time(name, parts[0]), _parse_time(name, parts[1])
    if start > end:
        raise unprocessable(name, f"The start of '{name}' must not be after its end.")
    return start, end


def filter_time_range(queryset: QuerySet, request: HttpRequest, name: str, column: str) -> QuerySet:
    bounds = time_range(request, name)
    if bounds is None:
        return queryset
    return queryset.filter(**{f"{column}__gte": bounds[0], f"{column}__lte": bounds[1]})


def _one_value_q(columns: Iterable[str], value: str) -> Q:
    """Desk's search value syntax on one or more columns (any column may match)."""
    lowered = value.lower()
    result = Q()
    for column in columns:
        if lowered == EMPTY:
            part = Q(**{column: ""}) | Q(**{f"{column}__isnull": True})
        elif lowered == NOT_EMPTY:
            part = ~Q(**{column: ""}) & Q(**{f"{column}__isnull": False})
        elif value.startswith("*") and value.endswith("*") and len(value) > 1:
            part = Q(**{f"{column}__icontains": value.strip("*")})
        elif value.endswith("*"):
            part = Q(**{f"{column}__istartswith": value.rstrip("*")})
        elif value.startswith("*"):
            part = Q(**{f"{column}__iendswith": value.lstrip("*")})
        else:
            part = Q(**{f"{column}__iexact": value})
        result |= part
    return result


def search_q(raw: str | None, *columns: str, multiple: bool = True) -> Q | None:
    """The filter for one search parameter; comma-separated values are OR-ed when `multiple`."""
    if raw is None or raw.strip() == "":
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()] if multiple else [raw.strip()]
    combined = Q()
    for value in values:
        combined |= _one_value_q(columns, value)
    return combined


def all_columns_q(raw: str | None, *columns: str) -> Q | None:
    """`_all`: every listed column, matched as a substring (a wildcard search without the stars)."""
    if raw is None or raw.strip("* ") == "":
        return None
    word = raw.strip("* ")
    combined = Q()
    for column in columns:
        combined |= Q(**{f"{column}__icontains": word})
    return combined


def custom_field_filters(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """`customField1..10=cf_name:value` against the record's `cf` JSON object."""
    for name in CUSTOM_FIELD_PARAMS:
        raw = request.GET.get(name)
        if raw is None:
            continue
        key, sep, value = raw.partition(":")
        if not sep or not key.strip() or not key.strip().replace("_", "").isalnum():
            raise unprocessable(name, f"The value of '{name}' must look like cf_name:value.")
        condition = search_q(value, f"cf__{key.strip()}", multiple=True)
        if condition is not None:
            queryset = queryset.filter(condition)
    return queryset


def search_sort(
    queryset: QuerySet, request: HttpRequest, *, fields: dict[str, str], default: str = "relevance"
) -> QuerySet:
    """Search.json sortBy: `relevance` (our best reading: most recently modified first) or a listed
    field, `-` for descending."""
    raw = request.GET.get("sortBy") or default
    name = raw.lstrip("-")
    descending = raw.startswith("-")
    if name == "relevance":
        return queryset.order_by("-modified_time", "-pk")
    column = fields.get(name)
    if column is None:
        allowed = ", ".join(["relevance", *fields])
        raise unprocessable(
            "sortBy", f"The value of 'sortBy' must be one of {allowed}, optionally with a leading '-'."
        )
    return queryset.order_by(f"-{column}" if descending else column, "-pk" if descending else "pk")


def ids_body(data: dict, name: str) -> list[int]:
    """A JSON body's id list (`{"agentIds": [...]}`); Desk's INVALID_DATA when absent or malformed."""
    value = data.get(name)
    if name not in data:
        raise DeskAPIError(
            422,
            "INVALID_DATA",
            f"The field '{name}' is required.",
            errors=[field_error(name, "missing", f"The field '{name}' is required.")],
        )
    if not isinstance(value, list) or not value:
        message = f"The field '{name}' must be a non-empty list of ids."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error(name, "invalid", message)])
    ids: list[int] = []
    for item in value:
        text = str(item)
        if isinstance(item, bool) or not (text.isascii() and text.isdigit()) or len(text) >= 19:
            message = f"The field '{name}' contains an invalid id."
            raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error(name, "invalid", message)])
        ids.append(int(text))
    return ids


def unknown_ids(name: str, missing: list[int], what: str) -> DeskAPIError:
    message = f"No {what} with id {missing[0]}."
    return DeskAPIError(422, "INVALID_DATA", message, errors=[field_error(name, "invalid", message)])
