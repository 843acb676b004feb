"""The XML edits behind `camunda`: writing SpiffWorkflow's extensions, lanes, scripts and loops into a
diagram, and Camunda's input/output mappings and decision results as pre- and post-scripts."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..errors import DefinitionProblem
from .juel import is_juel, translate
from .problems import coded
from .xml_guard import BPMN_NS

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}
_PROCESS_HEAD = {"documentation", "extensionElements", "supportedInterfaceRef", "ioSpecification", "ioBinding",
                 "auditing", "monitoring", "property", "laneSet"}


def bpmn(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


@dataclass
class Rewriter:
    file_name: str
    tree: etree._ElementTree
    problems: list[DefinitionProblem] = field(default_factory=list)

    def refuse(self, code: str, element: etree._Element, **params: object) -> None:
        self.problems.append(coded(code, self.file_name, element, **params))


@dataclass(frozen=True)
class DecisionShape:
    """What a business rule task's result looks like: the decision's output names and hit policy."""
    outputs: tuple[str, ...]
    collects: bool


def extension_elements(element: etree._Element) -> etree._Element:
    found = element.find(bpmn("extensionElements"))
    if found is None:
        found = etree.Element(bpmn("extensionElements"))
        documentation = [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == "documentation"]
        element.insert(element.index(documentation[-1]) + 1 if documentation else 0, found)
    return found


def spiff_child(element: etree._Element, local: str) -> etree._Element:
    extensions = extension_elements(element)
    found = extensions.find(f"{{{SPIFF_NS}}}{local}")
    if found is None:
        found = etree.SubElement(extensions, f"{{{SPIFF_NS}}}{local}")
    return found


def set_property(element: etree._Element, name: str, value: str) -> None:
    properties = spiff_child(element, "properties")
    for existing in properties.findall(f"{{{SPIFF_NS}}}property"):
        if existing.get("name") == name:
            existing.set("value", value)
            return
    etree.SubElement(properties, f"{{{SPIFF_NS}}}property", name=name, value=value)


# Elements SpiffWorkflow runs pre- and post-scripts for; a script task takes them into its script.
SCRIPTED = {"userTask", "manualTask", "task", "businessRuleTask", "callActivity", "subProcess", "scriptTask"}


def add_prescript(element: etree._Element, script: str) -> None:
    if etree.QName(element).localname == "scriptTask":
        holder = element.find(bpmn("script"))
        if holder is not None:
            holder.text = "\n".join(part for part in (script, holder.text) if part)
            return
    holder = spiff_child(element, "preScript")
    holder.text = "\n".join(part for part in (holder.text, script) if part)


def add_postscript(element: etree._Element, script: str) -> None:
    if etree.QName(element).localname == "scriptTask":
        holder = element.find(bpmn("script"))
        if holder is not None:
            holder.text = "\n".join(part for part in (holder.text, script) if part)
            return
    holder = spiff_child(element, "postScript")
    holder.text = "\n".join(part for part in (script, holder.text) if part)


def set_script(task: etree._Element, source: str) -> None:
    script = task.find(bpmn("script"))
    if script is None:
        script = etree.Element(bpmn("script"))
        anchors = [c for c in task if isinstance(c.tag, str) and etree.QName(c).localname in (
            "documentation", "extensionElements", "incoming", "outgoing", "ioSpecification", "property",
            "dataInputAssociation", "dataOutputAssociation", "resourceRole", "loopCharacteristics",
            "standardLoopCharacteristics", "multiInstanceLoopCharacteristics")]
        task.insert(task.index(anchors[-1]) + 1 if anchors else 0, script)
    script.text = source


def assign_lane(task: etree._Element, lane_name: str) -> None:
    """Make `task` belong to the lane called `lane_name` (the task's group), creating it if needed."""
    root = task.getroottree().getroot()
    for reference in root.iter(bpmn("flowNodeRef")):
        if (reference.text or "").strip() == task.get("id"):
            reference.getparent().remove(reference)
    process = next(a for a in task.iterancestors() if etree.QName(a).localname == "process")
    lane = next((lane for lane in process.iter(bpmn("lane")) if lane.get("name") == lane_name), None)
    if lane is None:
        lane_set = process.find(bpmn("laneSet"))
        if lane_set is None:
            lane_set = etree.Element(bpmn("laneSet"), id=f"{process.get('id')}_sqflow_groups")
            head = [c for c in process if isinstance(c.tag, str) and etree.QName(c).localname in _PROCESS_HEAD]
            process.insert(process.index(head[-1]) + 1 if head else 0, lane_set)
        lane = etree.SubElement(lane_set, bpmn("lane"), id=f"{task.get('id')}_sqflow_lane", name=lane_name)
    reference = etree.Element(bpmn("flowNodeRef"))
    reference.text = task.get("id")
    child_set = lane.find(bpmn("childLaneSet"))
    if child_set is not None:
        child_set.addprevious(reference)
    else:
        lane.append(reference)


def loop_over(loop: etree._Element, collection: str, element_variable: str | None) -> None:
    """Give a multi-instance loop the collection it runs over and the name each item gets."""
    reference = etree.Element(bpmn("loopDataInputRef"))
    reference.text = collection
    cardinality = loop.find(bpmn("loopCardinality"))
    if cardinality is not None:
        loop.remove(cardinality)
    loop.insert(0, reference)
    if element_variable:
        item = etree.Element(bpmn("inputDataItem"), id=element_variable, name=element_variable)
        after = loop.find(bpmn("loopDataOutputRef"))
        (after if after is not None else reference).addnext(item)


def _value(rewriter: Rewriter, owner: etree._Element, parameter: etree._Element, kind: str) -> str | None:
    """The Python expression of a Camunda parameter's value: plain text, ${variable}, list or map."""
    children = [c for c in parameter if isinstance(c.tag, str)]
    name = parameter.get("name") or parameter.get("key") or ""
    if not children:
        text = (parameter.text or "").strip()
        if is_juel(text):
            python = translate(text)
            if python is None:
                rewriter.refuse("camunda.expression", owner, what=f"the {kind} {name}", expression=text)
            return python
        return repr(text)
    child = children[0]
    local = etree.QName(child).localname
    if local == "list":
        items = [_value(rewriter, owner, item, kind) for item in child if isinstance(item.tag, str)]
        return None if None in items else f"[{', '.join(items)}]"
    if local == "map":
        entries = [(entry.get("key"), _value(rewriter, owner, entry, kind)) for entry in child
                   if isinstance(entry.tag, str)]
        if any(value is None for _, value in entries):
            return None
        return "{" + ", ".join(f"{key!r}: {value}" for key, value in entries) + "}"
    rewriter.refuse("camunda.io_value", owner, name=name, kind=local)
    return None


def _io_parameters(element: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    holder = element.xpath("./bpmn:extensionElements/camunda:inputOutput", namespaces=_NS)
    if not holder:
        return [], []
    inputs = holder[0].findall(f"{{{CAMUNDA_NS}}}inputParameter")
    outputs = holder[0].findall(f"{{{CAMUNDA_NS}}}outputParameter")
    holder[0].getparent().remove(holder[0])
    return inputs, outputs


def take_inputs_as_arguments(rewriter: Rewriter, task: etree._Element) -> dict[str, str]:
    """A service task's input parameters as call arguments (name -> Python expression)."""
    inputs, outputs = _io_parameters(task)
    arguments = {}
    for parameter in inputs:
        value = _value(rewriter, task, parameter, "input parameter")
        if value is not None:
            arguments[parameter.get("name")] = value
    _outputs_as_postscript(rewriter, task, outputs)
    return arguments


def input_output(rewriter: Rewriter, element: etree._Element) -> None:
    """Input parameters set before the element runs and are gone after it (they are local in Camunda);
    output parameters are set when it completes."""
    inputs, outputs = _io_parameters(element)
    if not inputs and not outputs:
        return
    if etree.QName(element).localname not in SCRIPTED:
        rewriter.refuse("camunda.extension", element, extension="inputOutput")
        return
    assignments = []
    for parameter in inputs:
        value = _value(rewriter, element, parameter, "input parameter")
        if value is not None:
            assignments.append(f"{parameter.get('name')} = {value}")
    if assignments:
        add_prescript(element, "\n".join(assignments))
    _outputs_as_postscript(rewriter, element, outputs, [p.get("name") for p in inputs])


def _outputs_as_postscript(rewriter: Rewriter, element: etree._Element, outputs: list[etree._Element],
                           local_names: list[str] = ()) -> None:
    lines = []
    for parameter in outputs:
        value = _value(rewriter, element, parameter, "output parameter")
        if value is not None:
            lines.append(f"{parameter.get('name')} = {value}")
    kept = {p.get("name") for p in outputs}
    lines += [f"del {name}" for name in local_names if name not in kept]
    if lines:
        add_postscript(element, "\n".join(lines))


def call_mappings(rewriter: Rewriter, call: etree._Element) -> None:
    """`camunda:in/out variables="all"` is what a call activity does anyway; a partial mapping is refused."""
    for mapping in call.xpath("./bpmn:extensionElements/camunda:in | ./bpmn:extensionElements/camunda:out",
                              namespaces=_NS):
        kind = etree.QName(mapping).localname
        if mapping.get("variables") != "all" and mapping.get("businessKey") is None:
            detail = mapping.get("source") or mapping.get("sourceExpression") or ""
            rewriter.refuse("camunda.call_mapping", call, kind=kind, detail=detail)
        mapping.getparent().remove(mapping)
    binding = call.get(f"{{{CAMUNDA_NS}}}calledElementBinding")
    if binding is not None:
        del call.attrib[f"{{{CAMUNDA_NS}}}calledElementBinding"]
        call.attrib.pop(f"{{{CAMUNDA_NS}}}calledElementVersion", None)
        call.attrib.pop(f"{{{CAMUNDA_NS}}}calledElementVersionTag", None)
        if binding not in ("latest", "deployment"):
            rewriter.refuse("camunda.extension", call, extension=f"calledElementBinding={binding}")


def decision_result_script(variable: str, mapping: str, shape: DecisionShape) -> str:
    """Camunda's `resultVariable` with `mapDecisionResult`, from the outputs SpiffWorkflow leaves in the
    data (one value each, or a list each when the table collects); the outputs themselves are removed."""
    outputs = list(shape.outputs)
    if shape.collects:
        rows = (f"[{{{', '.join(f'{o!r}: {o}[i]' for o in outputs)}}} for i in range(len({outputs[0]}))]"
                if outputs else "[]")
        first = f"({rows}[0] if {rows} else None)"
        by_mapping = {"singleEntry": f"({outputs[0]}[0] if {outputs[0]} else None)" if outputs else "None",
                      "singleResult": first, "collectEntries": outputs[0] if outputs else "[]",
                      "resultList": rows}
    else:
        row = "{" + ", ".join(f"{o!r}: {o}" for o in outputs) + "}"
        by_mapping = {"singleEntry": outputs[0] if outputs else "None", "singleResult": row,
                      "collectEntries": f"[{outputs[0]}]" if outputs else "[]", "resultList": f"[{row}]"}
    lines = [f"{variable} = {by_mapping.get(mapping, by_mapping['resultList'])}"]
    lines += [f"del {o}" for o in outputs if o != variable]
    return "\n".join(lines)
