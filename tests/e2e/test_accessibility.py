"""Colours and focus, measured in a real headless Chromium from the styles the browser computed (an audit
with axe-core found them too faint): the contrast of text (4.5:1 at least) and of the focus ring against
what is around it (3:1 at least), with WCAG's formula written below in the page, no library.

- every mood chip on New case, picked and not (the five intake offers on the page, and all seven moods
  in a group the test adds to the same form, so the two happy ends are measured too); the picked one is
  marked by more than its colour (a check mark and a ring);
- the focus ring of a text box on a white card and of the search box in the dark top bar;
- the keyboard hints (kbd) in the footer and the top bar, the stepper's done steps and an item's "done";
- the "/" shortcut: not with Ctrl or Alt held, not while typing, and a footer button turns it off (WCAG 2.1.4).
The markup side of the audit: tests/cases/test_accessible_markup.py."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import sign_in
from tests.e2e.test_supervisor_journey import case_with_a_broken_promise, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOODS = ("irate", "angry", "upset", "anxious", "calm", "satisfied", "delighted")

# window.a11y: colours read from getComputedStyle, composited as the browser paints them (each ancestor's
# background and opacity, over a white canvas), and WCAG 2's contrast ratio.
CONTRAST_JS = r"""
() => {
  function parse(text) {
    let m = /^rgba?\(([^)]*)\)/.exec(text);
    if (m) {
      const n = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return [n[0] / 255, n[1] / 255, n[2] / 255, n.length > 3 ? n[3] : 1];
    }
    m = /^color\(srgb ([^)]*)\)/.exec(text);
    if (m) {
      const n = m[1].split(/[\s\/]+/).filter(Boolean).map(Number);
      return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1];
    }
    throw new Error("a colour this test cannot read: " + text);
  }
  // premultiplied alpha: src over dst
  const pre = c => [c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]];
  const over = (s, d) => [0, 1, 2, 3].map(i => s[i] + d[i] * (1 - s[3]));
  function onScreen(el, paint) {
    // `paint` (rgba) drawn inside `el`: fold it into el's background, then each ancestor's, group by group
    const chain = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) chain.push(node);
    let group = pre(paint || [0, 0, 0, 0]);
    for (const node of chain) {
      const style = getComputedStyle(node);
      group = over(group, pre(parse(style.backgroundColor)));
      const o = Number(style.opacity);
      group = group.map(v => v * o);
    }
    const c = over(group, [1, 1, 1, 1]);
    return [c[0], c[1], c[2]];
  }
  const lum = c => {
    const l = c.map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100;
  };
  window.a11y = {
    parse, onScreen, ratio,
    // the element's text against its own background
    text(el) { return ratio(onScreen(el, parse(getComputedStyle(el).color)), onScreen(el)); },
    // the focused element's outline and halo (box-shadow) against what is around the element
    ring(el) {
      const style = getComputedStyle(el);
      const around = el.parentElement ? onScreen(el.parentElement) : [1, 1, 1];
      const shadow = /^(rgba?\([^)]*\)|color\([^)]*\))/.exec(style.boxShadow);
      return {
        focusVisible: el.matches(":focus-visible"),
        outlineStyle: style.outlineStyle,
        outline: style.outlineStyle === "none" ? 0 : ratio(onScreen(el.parentElement, parse(style.outlineColor)), around),
        halo: shadow ? ratio(onScreen(el.parentElement, parse(shadow[1])), around) : 0,
      };
    },
  };
}
"""

CHIPS_JS = r"""
(moods) => {
  // all seven moods as the mood field of a form draws them (cases/parts/_field.html), in the New case form
  const form = document.querySelector("main form");
  const group = document.createElement("fieldset");
  group.className = "choices";
  group.id = "all-moods";
  for (const mood of moods) {
    const label = document.createElement("label");
    label.className = "choice chip mood mood--" + mood;
    label.innerHTML = '<input type="radio" name="all_moods" value="' + mood + '"> ' + mood;
    group.append(label);
  }
  form.append(group);
  const seen = [];
  for (const name of ["temperature", "all_moods"]) {
    const inputs = [...document.querySelectorAll('label.choice.mood input[name="' + name + '"]')];
    for (const picked of inputs) {
      picked.checked = true;
      for (const input of inputs) {
        const label = input.closest("label");
        seen.push({
          mood: label.className.match(/mood--(\w+)/)[1], group: name, picked: input === picked,
          checked: input.checked, ratio: window.a11y.text(label),
          mark: getComputedStyle(label, "::after").content, shadow: getComputedStyle(label).boxShadow,
        });
      }
    }
    inputs.forEach(input => { input.checked = false; });
  }
  return seen;
}
"""


def measure_text(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(el => [el.textContent.trim(), window.a11y.text(el)])")


def test_text_and_focus_contrast(page, live_server, team):  # noqa: F811 (the fixture)
    """Every finding is collected, then asserted at once: a failure lists them all."""
    _sam, fran, _alex = team
    case, _ = case_with_a_broken_promise(fran)
    faint = []

    def at_least(what, measured, minimum):
        assert measured, f"nothing measured for {what}"
        faint.extend((what, *m) for m in measured if m[-1] < minimum)

    sign_in(page, live_server, fran)  # lands on My cases
    page.evaluate(CONTRAST_JS)
    # Keyboard hints, in the footer (grey page) and on the top bar's links.
    at_least("kbd in the footer", measure_text(page, "footer kbd"), 4.5)
    at_least("kbd in the top bar", measure_text(page, ".topbar kbd"), 4.5)
    # The focus ring in the dark top bar: the amber halo shows there.
    page.locator("#id_nav_q").focus()
    ring = page.eval_on_selector("#id_nav_q", "el => window.a11y.ring(el)")
    assert ring["focusVisible"], ring
    at_least("focus ring in the top bar", [["#id_nav_q", max(ring["outline"], ring["halo"])]], 3)

    # New case: every mood chip, picked and not; the focus ring of a text box on the white card.
    page.goto(f"{live_server.url}/cases/new/")
    page.evaluate(CONTRAST_JS)
    chips = page.evaluate(CHIPS_JS, list(MOODS))
    assert {c["mood"] for c in chips if c["group"] == "temperature"} == set(MOODS[:5])
    assert {c["mood"] for c in chips if c["group"] == "all_moods"} == set(MOODS)
    at_least("mood chip", [[c["group"], c["mood"], "picked" if c["picked"] else "not picked", c["ratio"]]
                           for c in chips], 4.5)
    for chip in chips:  # the picked chip is marked by more than its colour: a check mark and a ring
        assert chip["checked"] == chip["picked"]
        if ("\u2713" in chip["mark"]) != chip["picked"] or (chip["shadow"] != "none") != chip["picked"]:
            faint.append(("mood chip picked shown by colour alone", chip["mood"], chip["mark"], chip["shadow"]))
    page.locator("#id_summary").focus()
    ring = page.eval_on_selector("#id_summary", "el => window.a11y.ring(el)")
    assert ring["focusVisible"], ring
    at_least("focus ring on the white card", [["#id_summary", ring["outline"]]], 3)

    # The case page: the stepper's done steps and the done item's chip (a finished item is not dimmed).
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.evaluate(CONTRAST_JS)
    at_least("stepper done label", measure_text(page, ".stepper__step.is-done .stepper__label"), 4.5)
    at_least("item done chip", measure_text(page, ".item__meta > .chip--ok"), 4.5)

    assert faint == [], "too faint:\n" + "\n".join(map(str, faint))


def test_the_slash_shortcut_leaves_modifiers_and_typing_alone_and_turns_off(page, live_server, team):  # noqa: F811
    _sam, fran, _alex = team
    sign_in(page, live_server, fran)  # My cases: "/" goes to the list's own search box
    search = page.locator("#id_q")

    page.locator("h1").click()
    page.keyboard.press("Control+/")
    page.keyboard.press("Alt+/")
    expect(search).not_to_be_focused()
    page.keyboard.press("/")
    expect(search).to_be_focused()
    search.fill("")
    page.keyboard.press("/")
    expect(search).to_have_value("/")  # typed into the box, not taken as the shortcut

    switch = page.locator("footer [data-slash-switch]")
    expect(switch).to_have_text("Turn the / key off")
    switch.click()
    expect(switch).to_have_text("Turn the / key on")
    page.reload()
    expect(switch).to_have_text("Turn the / key on")  # remembered by this browser
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(search).not_to_be_focused()
    switch.click()
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(search).to_be_focused()
