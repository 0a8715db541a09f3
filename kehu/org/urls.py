from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

app_name = "org"
urlpatterns = [
    path("login/", login_not_required(auth_views.LoginView.as_view(template_name="org/login.html")), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", auth_views.PasswordChangeView.as_view(), name="account"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
]
