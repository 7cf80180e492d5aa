from django.contrib.auth import views as auth_views
from django.urls import path

from safecampus.accounts import views
from safecampus.accounts.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_done",
    ),
    path("language/", views.set_language, name="language"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/roles/", views.user_roles, name="user_roles"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/active/", views.user_active, name="user_active"),
]
