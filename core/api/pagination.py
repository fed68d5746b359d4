from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        """`page_size` as asked, or a 400 naming it: DRF falls back to the default for "abc",
        0 or -5 and to the maximum for 1000, so a client that asked for something else was
        answered as if it had not, without a word."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                f"a whole number from 1 to {self.max_page_size}; {raw[:20]!r} given"]})
        return int(raw)
