from kehu.web import navigation


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    return {"nav_sections": navigation.for_user(user)}
