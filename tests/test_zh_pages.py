"""The Chinese UI as each demo person reads it: every page they can open (the GET pages of
test_access_matrix.py, their task pages and cases) in zh-CN, with what JavaScript draws (diagrams, the
dashboard's charts, the modeler's palette, context pad and replace menu), shows no requirement id, no
code and no English word.

What may stay in Latin letters: sqflow and a few abbreviations people use as they are (SLA, ID, VIP...),
addresses, mail addresses, login names and case numbers, a code the page shows as a code (in <code>, for
the administrator and the designer who write them into diagrams), and bpmn.io's "Powered by" mark its
licence keeps. What the designer edits (the diagram's own bilingual names, a form's JSON, a decision
table's expressions) is the designer's material, not the UI.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cli.inputs import source_files
from processes.complaints import demo as complaint_demo
from processes.demo_people import DEMO_PASSWORD
from processes.supervisors.demo import seed_supervisors

from .browser_support import LiveApp, screenshot

BPMN = Path(__file__).resolve().parents[1] / "bpmn"
REQUIREMENT_ID = re.compile(r"R-[A-Z]+-\d+")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# Event and problem codes (case.reminded) look like logins (li.wei): known code families are told apart.
DOTTED_CODE = re.compile(r"\b(?:case|task|sla|instance|timer|message|signal|reaction|element|person|group|"
                         r"supervisor|deploy|rollback|lint)\.[a-z_]+\b")
WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {"sqflow", "SLA", "ID", "PDF", "CSV", "VIP", "SMS", "QR", "API", "JSON", "BPMN", "DMN", "XML", "App",
           "APP", "IT", "OK", "Schema", "FIRST", "UNIQUE", "ANY", "COLLECT", "PRIORITY", "RULE", "ORDER", "OUTPUT"}
NOT_WORDS = [
    re.compile(r"https?://\S+"),                          # addresses
    re.compile(r"[\w/.-]*\.(bpmn|dmn|schema\.json|json|csv|png)\b"),  # file names
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),            # mail addresses
    re.compile(r"\b[a-z]+(\.[a-z]+)+\b"),                 # login names (li.wei), file names
    re.compile(r"\b(admin|demo)\b"),                      # the administrator's and the demo's logins
    re.compile(r"\b[A-Z]{1,4}(-[A-Z]{1,4})*-\d[\d-]*\b"),  # case, report and certificate numbers
    re.compile(r"\b\d+(\.\d+)?\s?(px|h|ms|KB|MB)\b"),
]
ROLES = {
    "first responder": "zhang.min", "handler": "li.wei", "team lead": "wu.lead", "manager": "ma.manager",
    "designer": "lin.designer", "supervisor": "qian.jiandu", "admin": "admin",
}
EVERYONE = ["/", "/inbox/", "/inbox/?scope=all", "/notifications/", "/notifications/preferences", "/password"]
PAGES = {
    "zhang.min": ["/cases/new", "/cases/new/hotline", "/cases/"],
    "li.wei": [],
    "wu.lead": ["/cases/team", "/dashboard"],
    "ma.manager": ["/instances", "/dashboard", "/supervisors/roster"],
    "lin.designer": ["/designer/", "/designer/processes/new",
                     "/designer/processes/complaint_work_order/forms/sign_for.schema.json"],
    "qian.jiandu": ["/supervisors/my-id", "/supervisors/reports"],
    "admin": ["/admin/", "/admin/people", "/admin/people/new", "/admin/people/li.wei", "/admin/groups",
              "/admin/groups/network_dept", "/instances", "/dashboard"],
}
# Pages reached by following the links of a listed page (at most `limit` of them, distinct by `key`).
FOLLOW = {
    "/cases/new": ('a[href^="/cases/new/"]', 8),
    "/inbox/?scope=all": ('a[href^="/inbox/tasks/"]', 12),
    "/cases/": ('a[href^="/inbox/tasks/"], a[href^="/cases/"]', 4),
    "/instances": ('a[href^="/instances/"]', 8),
    "/supervisors/reports": ('a[href^="/supervisors/reports/"]', 2),
    "/designer/": ('a[href$="/edit"]', 3),
}
SHOTS = {"/inbox/", "/cases/new/hotline", "/cases/", "/cases/team", "/dashboard", "/instances", "/designer/",
         "/supervisors/reports", "/supervisors/roster", "/admin/people", "/admin/groups"}
SHOT_FIRST = ("/inbox/tasks/", "/instances/", "/designer/processes/", "/designer/decisions/")  # one page of each

READ_PAGE = """() => {
  const texts = [];
  document.querySelectorAll('details').forEach(folded => { folded.open = true; });  // what one click shows
  // The designer's own names and labels (the diagram or decision being edited) are their material.
  const config = document.getElementById('designer-config');
  const xml = config ? (JSON.parse(config.textContent).xml || '') : '';
  const own = [...xml.matchAll(/ (?:name|label|typeRef)="([^"]+)"/g)].map(m => m[1])
    .sort((a, b) => b.length - a.length);
  const notUi = '[lang]:not([lang^="zh"]), code, kbd, .bjs-powered-by';
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], [alt]')) {
    if (el.closest(notUi)) continue;
    for (const attribute of ['title', 'placeholder', 'aria-label', 'alt']) {
      const value = el.getAttribute(attribute);
      if (value) texts.push([attribute, value]);
    }
  }
  if (window.Chart && window.Chart.instances) {
    for (const chart of Object.values(window.Chart.instances)) {
      for (const label of chart.data.labels || []) texts.push(['chart', String(label)]);
      for (const set of chart.data.datasets || []) if (set.label) texts.push(['chart', set.label]);
    }
  }
  const editing = '.djs-container.djs-modeler-canvas, .bjs-container svg, .cm-editor, .dmn-decision-table-container td,'
    + ' .dmn-decision-table-container th .input-expression, textarea, script, style, noscript, ' + notUi;
  const modeler = document.querySelector('.djs-palette') !== null;
  for (const text of document.querySelectorAll('svg text')) {
    if (!modeler) texts.push(['diagram', text.textContent]);
  }
  for (const el of document.querySelectorAll(editing)) {
    if (!modeler && el.matches('.bjs-container svg')) continue;
    el.remove();
  }
  texts.push(['text', document.body.innerText]);
  return texts.map(([kind, text]) => [kind, own.reduce((left, name) => left.split(name).join(' '), text)]);
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The app served with what `sqflow demo` seeds: every diagram of bpmn/, the supervisors, the complaints."""
    tmp = tmp_path_factory.mktemp("zh")
    app = LiveApp(f"sqlite:///{tmp / 'sqflow.db'}", tmp / "var")
    app.clock.set(datetime.now(timezone.utc))
    with app.sessions.begin() as db:
        app.engine.definitions.deploy(db, source_files([str(BPMN)], base=BPMN), "lin.designer")
    seed_supervisors(app.engine, app.sessions, app.clock.now(), app.engine.desk.directory)
    complaint_demo.seed(app.engine, app.sessions, app.clock.now())
    yield app
    app.close()


def problems_in(where: str, texts: list[list[str]]) -> list[str]:
    """One entry per line that shows a problem: the page, where on it, what, and the line."""
    found = []
    for kind, text in texts:
        for line in dict.fromkeys(text.splitlines()):
            problems = _problems(line)
            if problems:
                found.append(f"{where} [{kind}] {', '.join(dict.fromkeys(problems))}: {line.strip()[:160]}")
    return found


def _problems(line: str) -> list[str]:
    problems = [f"requirement id {m}" for m in REQUIREMENT_ID.findall(line)]
    problems += [f"code {m.group(0)}" for m in DOTTED_CODE.finditer(line)]
    plain = line
    for pattern in NOT_WORDS:
        plain = pattern.sub(" ", plain)
    problems += [f"code {m}" for m in SNAKE_CASE.findall(plain)]
    english = [m for m in WORD.findall(SNAKE_CASE.sub(" ", plain)) if m not in ALLOWED]
    problems += [f"English {' '.join(english)!r}"] if english else []
    return problems


def read(page, live, path: str, shot: str | None) -> list[str]:
    answer = page.goto(live.url + path)
    page.wait_for_load_state("networkidle")
    if page.query_selector(".djs-container") is not None:
        page.wait_for_selector(".djs-container svg g.djs-element", state="attached")
    where = f"{path} ({answer.status if answer else '?'})"
    found = []
    if page.query_selector(".djs-palette") is not None:
        found += modeler_menus(page, where)
    if shot:
        screenshot(page, shot)
    return found + problems_in(where, page.evaluate(READ_PAGE))


def modeler_menus(page, where: str) -> list[str]:
    """The modeler's context pad and replace menu, opened on a task of the diagram."""
    task = (page.query_selector('.djs-element.djs-shape[data-element-id] .djs-visual > rect[rx="10"]')
            or page.query_selector('.djs-element.djs-shape[data-element-id] .djs-visual > circle'))
    if task is None:
        return [f"{where}: no element to open the context pad on"]
    task.click(force=True)
    page.wait_for_selector(".djs-context-pad .entry")
    texts = [["context pad", e.get_attribute("title") or ""] for e in page.query_selector_all(".djs-context-pad .entry")]
    replace = page.query_selector('.djs-context-pad .entry[data-action="replace"]')
    if replace is not None:
        replace.click()
        page.wait_for_selector(".djs-popup")
        texts += [["replace menu", e.inner_text() or e.get_attribute("title") or ""]
                  for e in page.query_selector_all(".djs-popup .entry")]
        texts += [["replace menu", e.get_attribute("placeholder") or ""] for e in page.query_selector_all(".djs-popup input")]
        page.keyboard.press("Escape")
    return problems_in(where, texts)


def links(page, selector: str, limit: int) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    seen, chosen = set(), []
    for href in hrefs:
        path = href.split("#")[0]
        if path in seen or path.endswith((".bpmn", ".json", ".csv")) or "/static/" in path:
            continue
        seen.add(path)
        chosen.append(path)
    return chosen[:limit]


@pytest.mark.parametrize("role", ROLES)
def test_zh_pages_show_no_english_no_codes_no_requirement_ids(role, demo, browser):
    login = ROLES[role]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = read(page, demo, "/login", "zh-login" if role == "admin" else None)
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    visited, shot_taken = [], set()
    queue = EVERYONE + PAGES[login]
    while queue:
        path = queue.pop(0)
        if path in visited:
            continue
        visited.append(path)
        first = next((prefix for prefix in SHOT_FIRST if path.startswith(prefix) and prefix not in shot_taken), None)
        shot_taken.add(first)
        name = first.strip("/").replace("/", "-") + "-one" if first else path.strip("/").replace("/", "-")
        shot = f"zh-{login}-{name}" if path in SHOTS or first else None
        found += read(page, demo, path, shot)
        if path in FOLLOW:
            selector, limit = FOLLOW[path]
            queue += [p for p in links(page, selector, limit) if p not in visited]
    context.close()
    assert len(visited) >= len(EVERYONE + PAGES[login])
    assert not found, f"{len(found)} problems on {len(visited)} pages of {login}:\n" + "\n".join(found[:200])


def test_every_forms_instructions_shown_above_it_read_in_chinese():
    """A form's top-level description is shown above the form on its task page (its `$comment` is not)."""
    import json

    shown = {path.name: json.loads(path.read_text()).get("description") for path in BPMN.glob("*/forms/*.json")}
    wrong = {name: text for name, text in shown.items() if text and _problems(text)}
    assert not wrong, wrong
    assert shown["verify_by_phone.schema.json"].startswith("派单前")
