from rest_framework.views import APIView

ROUTES: list = []


class ObtainTokenView(APIView):
    pass
