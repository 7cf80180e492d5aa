from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from safecampus.core.models import AuditEntry


@login_required
def audit_list(request):
    entries = AuditEntry.objects.for_user(request.user).select_related("user", "content_type")[:100]
    return render(request, "core/audit_list.html", {"entries": entries})
