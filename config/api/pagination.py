from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (up to 500), as in reference/api.md."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
