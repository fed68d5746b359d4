from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Sets Content-Security-Policy when COREKIT_CONTENT_SECURITY_POLICY is configured (production).

    The app's pages use only same-origin scripts (vendored htmx) and styles, so a strict
    policy holds; the admin and the API docs are same-origin too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "COREKIT_CONTENT_SECURITY_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
