from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def tree(request):
    return HttpResponse("")


urlpatterns = [
    path("", tree, name="tree"),
    path("people/", tree, name="people"),
    path("groups/", tree, name="groups"),
]
