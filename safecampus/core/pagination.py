from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from safecampus.core import keyset


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(Pagination):
    """Page numbers on the outside, keyset inside, for the lists that reach a province's depth
    (hazards, inspections): `next` and `previous` are links with a `cursor`, which start after
    the last row shown instead of counting rows off (`OFFSET`), so every page costs what the
    first one does. The answer keeps its shape (`count`, `next`, `previous`, `results`), and
    `?page=N` still answers page N (counted off, as before) for clients that send it.

    A list whose order keyset cannot walk (a computed list, an order by a related field)
    falls back to plain page numbers.
    """

    cursor_query_param = "cursor"
    cursor_query_description = _(
        "Where the page starts: the opaque value found in the `next` and `previous` links. "
        "Follow those links rather than sending `page`: a page reached through its cursor "
        "costs what the first page costs. A cursor altered by hand answers 400."
    )
    page_query_description = _(
        "A page number within the list. Kept for existing clients; deep pages are slower "
        "than following `next`."
    )

    keyset_page = None

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset_page = None
        if not hasattr(queryset, "query") or keyset.keys_of(queryset) is None:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        try:
            self.keyset_page = keyset.paginate(
                queryset,
                size=size,
                cursor=request.query_params.get(self.cursor_query_param),
                page=request.query_params.get(self.page_query_param),
                filters=keyset.digest(request.query_params),
            )
        except keyset.InvalidCursor as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc)]}) from None
        except keyset.InvalidPage:
            raise exceptions.NotFound(
                self.invalid_page_message.format(
                    page_number=request.query_params.get(self.page_query_param),
                    message="",
                )
            ) from None
        return list(self.keyset_page.rows)

    def _link(self, token):
        if token is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def get_paginated_response(self, data):
        if self.keyset_page is None:
            return super().get_paginated_response(data)
        page = self.keyset_page
        return Response(
            {
                "count": page.count,
                "next": self._link(page.next_cursor),
                "previous": self._link(page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        for name in ("next", "previous"):
            answer["properties"][name]["example"] = (
                f"http://api.example.org/api/v1/hazards/?{self.cursor_query_param}=eyJvIjpb…"
            )
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": force_str(self.cursor_query_description),
                "schema": {"type": "string"},
            },
        ]
