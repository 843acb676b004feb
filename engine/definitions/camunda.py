"""Camunda 7 diagrams read where the meaning is the same: rewritten in place into the dialect the
engine runs (SpiffWorkflow's), before anything else checks them. Ids and line numbers are kept, so
every later message still points at the element the designer drew.

What is read:
- user tasks: `candidateGroups` (one group: the task's lane), `candidateUsers` (one person) and
  `assignee` (a name or `${variable}`), `formKey`/`formRef` (the deployed `<name>.schema.json`
  whose name matches the key's last part: `embedded:app:forms/claim.html` -> `claim.schema.json`);
- business rule tasks: `decisionRef`, with `resultVariable` and `mapDecisionResult`;
- multi-instance: `collection` and `elementVariable`;
- `camunda:inputOutput` with plain values, `${variable}`, lists and maps of those;
- service and send tasks by `type="external"` + `topic`, `class`, `delegateExpression` or connector id:
  a service registered with sqflow (`services`), or refused naming the registered ones;
- JUEL conditions and expressions that are variable comparisons (`juel`); others, and JavaScript or
  Groovy scripts, are refused by element with the expression shown;
- `candidateStarterGroups` as the process's starters; settings with no effect on what runs
  (history time to live, async continuations, job priorities, properties) are ignored.
Any other camunda:* attribute or element is refused by element: sqflow never silently runs a
diagram differently from what it says.
"""
from __future__ import annotations

from lxml import etree

from ..errors import DefinitionProblem
from . import camunda_io
from .camunda_io import CAMUNDA_NS, SPIFF_NS, Rewriter, bpmn, spiff_child
from .juel import is_juel, translate, variable_name
from .services import ServiceRegistry, calling_script
from .xml_guard import BPMN_NS

IGNORED_ATTRIBUTES = {
    "historyTimeToLive", "async", "asyncBefore", "asyncAfter", "exclusive", "jobPriority", "taskPriority",
    "priority", "versionTag", "isStartableInTasklist", "diagramRelationId", "modelerTemplate",
    "modelerTemplateVersion", "modelerTemplateIcon", "failedJobRetryTimeCycle", "calledElementTenantId",
    "decisionRefBinding", "decisionRefTenantId", "caseTenantId", "formKey", "formRef", "formRefBinding",
}
IGNORED_ELEMENTS = {"properties", "property", "failedJobRetryTimeCycle"}
_HANDLED_ELEMENTS = {"inputOutput", "inputParameter", "outputParameter", "list", "map", "entry", "value",
                     "in", "out", "executionListener", "taskListener", "connector", "connectorId", "script",
                     "field", "string", "expression", "formData", "formField", "validation", "constraint"}
_SERVICE_TAGS = ("serviceTask", "sendTask", "businessRuleTask")
_SCRIPT_LANGUAGES_RUN = {"", "python", "text/x-python"}


def uses_camunda(tree: etree._ElementTree) -> bool:
    root = tree.getroot()
    return CAMUNDA_NS in (root.nsmap or {}).values() or any(
        isinstance(e.tag, str) and (etree.QName(e).namespace == CAMUNDA_NS
                                    or any(k.startswith(f"{{{CAMUNDA_NS}}}") for k in e.attrib))
        for e in root.iter())


def read_camunda(file_name: str, tree: etree._ElementTree, form_names: set[str], services: ServiceRegistry,
                 decisions: dict[str, camunda_io.DecisionShape]) -> list[DefinitionProblem]:
    """Rewrite the Camunda 7 dialect of `tree` in place; the problems of what cannot be read."""
    rewriter = Rewriter(file_name, tree)
    if not uses_camunda(tree) and "${" not in etree.tostring(tree, encoding="unicode"):
        return []
    root = tree.getroot()
    for process in root.iter(bpmn("process")):
        _starters(rewriter, process)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or etree.QName(element).namespace != BPMN_NS:
            continue
        local = etree.QName(element).localname
        if local == "userTask":
            _user_task(rewriter, element, form_names)
        if local in _SERVICE_TAGS and _service_kind(element):
            _service_task(rewriter, element, services)
        elif local == "businessRuleTask":
            _business_rule_task(rewriter, element, decisions)
        elif local == "scriptTask":
            _script_task(rewriter, element)
        elif local == "sequenceFlow":
            _condition(rewriter, element)
        elif local == "multiInstanceLoopCharacteristics":
            _multi_instance(rewriter, element)
        elif local in ("timeDate", "timeDuration", "timeCycle", "loopCardinality", "completionCondition",
                       "condition"):
            _expression_text(rewriter, element, element.getparent().getparent())
        elif local == "callActivity":
            camunda_io.call_mappings(rewriter, element)
        if local not in ("serviceTask", "sendTask") or not _service_kind(element):
            camunda_io.input_output(rewriter, element)
        _listeners(rewriter, element)
        _leftovers(rewriter, element)
    return rewriter.problems


def _attr(element: etree._Element, name: str) -> str | None:
    return element.get(f"{{{CAMUNDA_NS}}}{name}")


def _take(element: etree._Element, name: str) -> str | None:
    value = _attr(element, name)
    if value is not None:
        del element.attrib[f"{{{CAMUNDA_NS}}}{name}"]
    return value


def _starters(rewriter: Rewriter, process: etree._Element) -> None:
    groups = _take(process, "candidateStarterGroups")
    users = _take(process, "candidateStarterUsers")
    if users:
        rewriter.refuse("camunda.extension", process, extension="candidateStarterUsers")
    if groups:
        entries = ", ".join(f"group:{g.strip()}" for g in groups.split(",") if g.strip())
        camunda_io.set_property(process, "starters", entries)


def _user_task(rewriter: Rewriter, task: etree._Element, form_names: set[str]) -> None:
    groups = _take(task, "candidateGroups")
    users = _take(task, "candidateUsers")
    assignee = _take(task, "assignee")
    if groups:
        names = [g.strip() for g in groups.split(",") if g.strip()]
        if len(names) > 1:
            rewriter.refuse("camunda.groups_several", task, groups=names)
        elif is_juel(names[0]):
            python = translate(names[0])
            if python is None:
                rewriter.refuse("camunda.expression", task, what="camunda:candidateGroups", expression=names[0])
            else:
                camunda_io.assign_lane(task, f"={python}")
        else:
            camunda_io.assign_lane(task, names[0])
    if users:
        names = [u.strip() for u in users.split(",") if u.strip()]
        if len(names) > 1:
            rewriter.refuse("camunda.users_several", task, users=names)
        elif not assignee:
            assignee = names[0]
    if assignee:
        python = translate(assignee) if is_juel(assignee) else repr(assignee.strip())
        if python is None:
            rewriter.refuse("camunda.expression", task, what="camunda:assignee", expression=assignee)
        else:
            camunda_io.set_property(task, "assignee", python)
    for name in ("dueDate", "followUpDate"):
        if _take(task, name) is not None:
            rewriter.refuse("camunda.extension", task, extension=name)
    _form(rewriter, task, form_names)


def form_file_for(key: str) -> str:
    """The form schema file a Camunda form key names: its last part, extension replaced."""
    last = key.strip().replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if last.lower().endswith(".schema.json"):
        return last
    stem = last.rsplit(".", 1)[0] if "." in last else last
    return f"{stem}.schema.json"


def _form(rewriter: Rewriter, element: etree._Element, form_names: set[str]) -> None:
    key = _attr(element, "formKey") or _attr(element, "formRef")
    if not key:
        return
    if is_juel(key):
        rewriter.refuse("camunda.expression", element, what="camunda:formKey", expression=key)
        return
    expected = form_file_for(key)
    if expected not in form_names:
        rewriter.refuse("camunda.form_unmatched", element, form_key=key, expected=expected)
        return
    camunda_io.set_property(element, "formJsonSchemaFilename", expected)


def _service_kind(element: etree._Element) -> tuple[str, str] | None:
    """(what kind of reference, the name) a Camunda service task calls, if it names one."""
    if _attr(element, "type") == "external" and _attr(element, "topic"):
        return "the external task topic", _attr(element, "topic")
    if _attr(element, "class"):
        return "the Java class", _attr(element, "class")
    if _attr(element, "delegateExpression"):
        expression = _attr(element, "delegateExpression")
        return "the delegate", variable_name(expression) or expression
    if _attr(element, "expression"):
        return "the expression", _attr(element, "expression")
    connector = element.xpath("./bpmn:extensionElements/camunda:connector/camunda:connectorId/text()",
                              namespaces={"bpmn": BPMN_NS, "camunda": CAMUNDA_NS})
    if connector:
        return "the connector", connector[0].strip()
    return None


def _service_task(rewriter: Rewriter, task: etree._Element, services: ServiceRegistry) -> None:
    kind, name = _service_kind(task)
    for attribute in ("type", "topic", "class", "delegateExpression", "expression", "resultVariable"):
        _take(task, attribute)
    service = services.find(name)
    if service is None:
        rewriter.refuse("camunda.service_unknown", task, kind=kind, service=name, registered=services.names())
        for mapping in task.xpath("./bpmn:extensionElements/camunda:inputOutput",
                                  namespaces={"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}):
            mapping.getparent().remove(mapping)
        return
    arguments = camunda_io.take_inputs_as_arguments(rewriter, task)
    for connector in task.xpath("./bpmn:extensionElements/camunda:connector",
                                namespaces={"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}):
        connector.getparent().remove(connector)
    task.tag = bpmn("scriptTask")
    task.set("scriptFormat", "python")
    for name_ in ("implementation", "operationRef", "messageRef"):
        task.attrib.pop(name_, None)
    camunda_io.set_script(task, calling_script(service, arguments))


def _business_rule_task(rewriter: Rewriter, task: etree._Element,
                        decisions: dict[str, camunda_io.DecisionShape]) -> None:
    reference = _take(task, "decisionRef")
    result_variable = _take(task, "resultVariable")
    mapping = _take(task, "mapDecisionResult") or "resultList"
    if reference is None:
        return
    if is_juel(reference):
        rewriter.refuse("camunda.expression", task, what="camunda:decisionRef", expression=reference)
        return
    spiff_child(task, "calledDecisionId").text = reference.strip()
    shape = decisions.get(reference.strip())
    if result_variable and shape is not None:
        camunda_io.add_postscript(task, camunda_io.decision_result_script(result_variable, mapping, shape))


def _script_task(rewriter: Rewriter, task: etree._Element) -> None:
    language = (task.get("scriptFormat") or "").strip().lower()
    resource = _take(task, "resource")
    script = task.find(bpmn("script"))
    text = (script.text or "").strip() if script is not None else ""
    if resource or language not in _SCRIPT_LANGUAGES_RUN:
        shown = text if len(text) <= 120 else text[:117] + "..."
        rewriter.refuse("camunda.script_language", task, language=task.get("scriptFormat") or "external",
                        script=shown or resource or "")
    elif _take(task, "resultVariable"):
        rewriter.refuse("camunda.extension", task, extension="resultVariable")


def _condition(rewriter: Rewriter, flow: etree._Element) -> None:
    condition = flow.find(bpmn("conditionExpression"))
    if condition is None:
        return
    language = (condition.get("language") or "").lower()
    resource = _take(condition, "resource")
    text = (condition.text or "").strip()
    if resource or (language and "python" not in language and "juel" not in language and not is_juel(text)):
        rewriter.refuse("camunda.script_language", flow, language=condition.get("language") or "external",
                        script=text or resource or "")
        return
    _expression_text(rewriter, condition, flow)


def _expression_text(rewriter: Rewriter, holder: etree._Element, owner: etree._Element | None) -> None:
    """Replace a JUEL expression held as element text by its Python translation, or refuse it."""
    text = (holder.text or "").strip()
    if not is_juel(text):
        return
    python = translate(text)
    owner = owner if owner is not None else holder
    if python is None:
        what = f"the {etree.QName(holder).localname}" if holder is not owner else "the expression"
        rewriter.refuse("camunda.expression", owner, what=what, expression=text)
        return
    holder.text = python
    holder.attrib.pop("language", None)


def _multi_instance(rewriter: Rewriter, loop: etree._Element) -> None:
    collection = _take(loop, "collection")
    element_variable = _take(loop, "elementVariable")
    task = loop.getparent()
    if collection is None:
        if element_variable:
            rewriter.refuse("camunda.extension", task, extension="elementVariable")
        return
    name = variable_name(collection)
    if name is None:
        rewriter.refuse("camunda.expression", task, what="camunda:collection", expression=collection)
        return
    camunda_io.loop_over(loop, name, element_variable)


def _listeners(rewriter: Rewriter, element: etree._Element) -> None:
    for listener in element.xpath("./bpmn:extensionElements/camunda:executionListener"
                                  " | ./bpmn:extensionElements/camunda:taskListener",
                                  namespaces={"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}):
        target = (listener.get("class") or listener.get("delegateExpression") or listener.get("expression")
                  or "a script")
        kind = "task listener" if etree.QName(listener).localname == "taskListener" else "execution listener"
        rewriter.refuse("camunda.listener", element, kind=kind, target=target)
        listener.getparent().remove(listener)


def _leftovers(rewriter: Rewriter, element: etree._Element) -> None:
    """Refuse every camunda:* attribute or extension not read above and not known to be harmless."""
    for key in list(element.attrib):
        qname = etree.QName(key)
        if qname.namespace == CAMUNDA_NS:
            if qname.localname not in IGNORED_ATTRIBUTES:
                rewriter.refuse("camunda.extension", element, extension=qname.localname)
            del element.attrib[key]
    for extension in element.xpath("./bpmn:extensionElements/camunda:*",
                                   namespaces={"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}):
        local = etree.QName(extension).localname
        if local not in IGNORED_ELEMENTS:
            rewriter.refuse("camunda.extension", element, extension=local)
        extension.getparent().remove(extension)


__all__ = ["read_camunda", "uses_camunda", "form_file_for", "SPIFF_NS"]
