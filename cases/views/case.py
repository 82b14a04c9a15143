"""The case page, its parts (the forms drawn when opened, cases.views.parts) and the one POST view
behind every form on it (see actions.ACTIONS)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .. import once
from ..errors import CaseRuleError
from ..forms import add_rule_error
from ..refused_forms import say_what_the_page_hides
from ..selectors_ui import case_for_viewer
from ..services.common import display_name
from .actions import ACTIONS
from .page import case_page_context
from .parts import LISTS, page_url


# Pages holding forms are not kept by the browser (never_cache: no-store): Back or a restored tab fetches
# them again, with fresh one-time tokens (cases/once.py), instead of re-showing a form already sent.
@login_required
@require_safe  # a post here would be ignored and answered 200: every form posts to its own action
@never_cache
def case_detail(request, reference):
    case = case_for_viewer(request.user, reference)
    return render(request, "cases/case_detail.html", case_page_context(request, case))


@login_required
@require_safe
@never_cache
def case_part(request, reference, key):
    """A part the page offers, drawn open: a form, an earlier step's block with its forms, or one of the
    long lists (the whole timeline, the older status updates, the promises' history). 404 for a part the
    page would not offer this user. Without htmx: the page, with it open."""
    case = case_for_viewer(request.user, reference)
    context = case_page_context(request, case, opened={key})
    block = next((b for b in context["blocks_earlier"] if b["name"] == key and b["editable"]), None)
    if key not in LISTS and block is None and key not in context["parts"]:
        raise Http404("Nothing to open here.")
    if not request.htmx:
        anchor = LISTS[key][0] if key in LISTS else f"blk-{key}" if block else context["parts"][key].dom_id
        return redirect(page_url(case, key, anchor))
    if key in LISTS:
        return render(request, LISTS[key][1], context)
    if block is not None:
        return render(request, "cases/parts/_block_body.html", {**context, "b": block})
    return render(request, "cases/parts/_part_form.html", {**context, "p": context["parts"][key]})


@login_required
@require_POST
def case_action(request, reference, action, pk=None):
    spec = ACTIONS[action]
    case = case_for_viewer(request.user, reference)
    obj = spec.get_object(case, pk)
    if not spec.allows(request.user, case, obj):
        return _not_theirs(request, reference, spec, case, obj)
    with once.saving(request) as attempt:  # the form's one-time token is kept only with what it saved
        if not attempt.first:
            messages.info(request, once.ALREADY)
            return go_to(request, reverse("cases:case_detail", args=[case.reference]))
        form = spec.bind(request.POST, case=case, user=request.user, obj=obj)
        if form.is_valid():
            try:
                result = spec.run(request.user, case, obj, form)
                attempt.saved = True
            except CaseRuleError as exc:
                add_rule_error(form, exc)
    if attempt.saved:
        return _done(request, reference, spec, result)
    return _refused(request, reference, spec, form, obj)


def _not_theirs(request, reference, spec, case, obj):
    """Refused for who they are (403). Often a late click: the case or the item changed hands while the
    rep was typing. Without htmx the page comes back as it is now, saying who owns the case and what the
    rep wrote (nothing typed is lost); with htmx nothing is swapped, so the form keeps what they typed."""
    why = ("Only the case owner, a co-owner or a supervisor can do that (or the item's holder, for its own "
           f"moves). The case is {display_name(case.owner)}'s now"
           + ("; reload the page to see it as it is." if request.htmx else "; the page shows it as it is."))
    if request.htmx:
        raise PermissionDenied(why)
    form = spec.bind(request.POST, case=case, user=request.user, obj=obj)
    form.is_valid()
    form.add_error(None, why)
    response = _refused(request, reference, spec, form, obj)
    response.status_code = 403
    return response


def _refused(request, reference, spec, form, obj):
    """Re-render with the rep's input and the error beside the field. A refusal for a form the page
    does not show (a forged or stale post) is said at the top of the page instead."""
    case = case_for_viewer(request.user, reference)  # re-read: the refused service may have raced
    context = case_page_context(request, case, bound={spec.form_key(obj): form}, focus_block=spec.block)
    context["submitted"] = spec.block
    template = "cases/_action_response.html" if request.htmx else "cases/case_detail.html"
    html = render_to_string(template, context, request)
    # The page comes back without the rep's form: say why, and (a whole page) say back what they wrote.
    unseen = say_what_the_page_hides(request, form, html, say_typed=not request.htmx)
    if unseen:
        html = render_to_string(template, context, request)
    response = HttpResponse(html, status=422)
    if unseen and request.htmx:
        response["HX-Reswap"] = "none"  # keep the rep's block as it is; the message says why
    return response


def _done(request, reference, spec, result=None):
    done = spec.done(result) if callable(spec.done) else spec.done
    if done:
        messages.success(request, done)
    try:
        case = case_for_viewer(request.user, reference)
    except Http404:  # e.g. a declined handoff: the case is no longer theirs to see
        return go_to(request, reverse("cases:my_cases"))
    url = reverse("cases:case_detail", args=[case.reference])
    if not request.htmx:
        return redirect(f"{url}#blk-{spec.block}")
    if spec.refresh:
        return go_to(request, url)
    context = case_page_context(request, case, focus_block=spec.block)
    context["submitted"] = spec.block
    return render(request, "cases/_action_response.html", context)


def go_to(request, url):
    """Go to `url`: a redirect, or with htmx the whole page loaded there (HX-Redirect)."""
    return HttpResponse(headers={"HX-Redirect": url}) if request.htmx else redirect(url)
