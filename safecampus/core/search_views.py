from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from safecampus.core.search import search


@login_required
def search_page(request):
    query = request.GET.get("q", "")[:100]
    return render(
        request, "core/search.html", {"query": query, "results": search(request.user, query)}
    )
