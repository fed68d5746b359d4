"""The baseline for the HTTP benchmark: a bare DRF view answering the same payload.

It authenticates and parses exactly like the real endpoint and answers a validation
object of the same shape, but does no work: the difference is what validation costs.
Mounted only by config.settings.bench (bench/urls.py).
"""

from rest_framework.response import Response
from rest_framework.views import APIView

CANNED = {"valid": True, "complete": True, "violations": []}


class BareValidateApi(APIView):
    def post(self, request):
        request.data  # noqa: B018  (parse the body like the real view does)
        return Response(CANNED)


class OrmPartsApi(APIView):
    """The parts list's baseline: 50 part rows straight from the ORM (`values()`), paginated
    by `page`, authenticated like the real endpoint: no serializer, no relations, no cache."""

    def get(self, request):
        from parts.models import Part

        page = max(int(request.query_params.get("page", "1") or 1), 1)
        rows = list(Part.objects.order_by("sku").values(
            "sku", "name", "category", "currency", "lead_time_days", "moq", "annual_capacity",
            "active")[(page - 1) * 50: page * 50])
        return Response({"page": page, "results": rows})
