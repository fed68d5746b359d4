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
