"""The public service page (SVC-8), outside the login: file a complaint, suggestion or inquiry, and look up
its status. Every POST is counted per client address, then per phone; every form carries the challenge
(kehu/service/challenge.py). Plain HTML forms: the pages work without JavaScript."""

from __future__ import annotations

import logging
import math

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.service import challenge, challenge_image, public
from kehu.service.forms_public import ChallengeForm, IntakeForm, LookupForm

logger = logging.getLogger(__name__)

# Forged, expired and reused tokens read the same: the visitor only needs to answer the new question.
REFUSALS = {
    "forged": _("验证题已失效，请按新的验证题重新作答。"),
    "expired": _("验证题已失效，请按新的验证题重新作答。"),
    "reused": _("验证题已失效，请按新的验证题重新作答。"),
    "too_fast": _("提交过快，请确认填写内容后再提交。"),
    "wrong": _("验证题答案不正确，请按新的验证题重新作答。"),
}
UNAVAILABLE = _("暂时无法受理，请稍后再试。")
# One message whether the number or the phone is wrong: nobody learns which numbers exist.
NOT_FOUND = _("没有找到与该工单号和手机号码相符的工单，请核对后重试。")


def public_view(view):
    """Open without signing in; never cached (the form holds a CSRF token and a one-time challenge); the
    phone and the answer kept out of error reports."""
    view = sensitive_post_parameters("phone", "answer")(require_http_methods(["GET", "POST"])(view))
    return login_not_required(never_cache(view))


@public_view
def intake(request):
    if request.method == "GET":
        return _form_page(request, "service/public_intake.html", IntakeForm())
    form = IntakeForm(request.POST)
    refused = _checked(request, form, "submit")
    if refused:
        return refused
    if form.errors:
        return _form_page(request, "service/public_intake.html", form, status=400)
    data = form.cleaned_data
    try:
        number = public.file_ticket(kind=data["kind"], category=data["category"], company=data["company"],
                                    name=data["name"], phone=data["phone"], email=data["email"],
                                    product=data["product"], description=data["description"])
    except DomainError as refusal:
        # The form checked the input, so this is ours (say nobody can take tickets): the visitor keeps the text,
        # the administrator finds the reason in the log.
        logger.warning("public intake refused by the service: %s", refusal.code)
        form.add_error(None, UNAVAILABLE)
        return _form_page(request, "service/public_intake.html", form, status=503)
    return render(request, "service/public_filed.html", {"number": number})


@public_view
def status(request):
    if request.method == "GET":
        return _form_page(request, "service/public_lookup.html", LookupForm())
    form = LookupForm(request.POST)
    refused = _checked(request, form, "lookup")
    if refused:
        return refused
    if form.errors:
        return _form_page(request, "service/public_lookup.html", form, status=400)
    found = public.ticket_status(number=form.cleaned_data["number"], phone=form.cleaned_data["phone"])
    if found is None:
        form.add_error(None, NOT_FOUND)
        return _form_page(request, "service/public_lookup.html", form)
    return render(request, "service/public_status.html", {"ticket": found})


def _checked(request, form: ChallengeForm, action: str):
    """Run the limits and the checks in their order: the address's count, the fields (honeypot included),
    the phone's count, the challenge. Returns the 429 page, or None with any refusal in ``form.errors``."""
    wait = public.over_limit(action, ip=context.current().ip)
    if wait is None and form.is_valid():
        wait = public.over_limit(action, phone=form.cleaned_data["phone"])
        if wait is None:
            try:
                challenge.check(form.cleaned_data["challenge"], form.cleaned_data["answer"])
            except challenge.Refused as refusal:
                form.add_error("answer", REFUSALS[refusal.code])
    if wait is not None:
        response = render(request, "service/public_limited.html", {"minutes": math.ceil(wait / 60)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    return None


def _form_page(request, template: str, form: ChallengeForm, *, status: int = 200):
    token = challenge.issue()
    if form.is_bound:
        form.renew(token)
    else:
        form.initial["challenge"] = token
    chinese = translation.get_language().startswith("zh")
    image = challenge_image.data_uri(challenge.question_for(token), chinese=chinese)
    return render(request, template, {"form": form, "challenge_image": image}, status=status)
