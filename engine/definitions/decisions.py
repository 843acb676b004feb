"""DMN decision tables as SpiffWorkflow 3.2 can run them.

SpiffWorkflow reads one decision per DMN document, while modelers save several in one file; each
decision is therefore handed over as a document of its own. Its rule cells are Python, joined to
the input expression as `input + cell` when the cell is not a plain value, so `in ["a", "b"]`
would become `channelin [...]`: such cells get the space they need. Every input expression and
cell is compiled by the sandbox at deployment, so a bad cell is refused before anything runs, and the
table's hit policy is checked (`hit_policies`).
"""
from __future__ import annotations

from copy import deepcopy

from lxml import etree
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser

from ..errors import DefinitionProblem
from ..scripting import check_script
from .hit_policies import check_table


def one_document_per_decision(root: etree._Element) -> list[etree._Element]:
    decisions = [e for e in root if isinstance(e.tag, str) and etree.QName(e).localname == "decision"]
    if len(decisions) <= 1:
        return [root]
    documents = []
    for keep in decisions:
        document = deepcopy(root)
        for element in list(document):
            if (isinstance(element.tag, str) and etree.QName(element).localname == "decision"
                    and element.get("id") != keep.get("id")):
                document.remove(element)
        documents.append(document)
    return documents


def _cell_problem(cell: str) -> str | None:
    """The sandbox's objection to a rule cell, read the way SpiffWorkflow's DMN engine will."""
    if "?" in cell:
        return check_script(cell.replace("?", "dmninputexpr"), "eval")
    as_value = check_script(f"(dmninputexpr) == ({cell})", "eval")
    if as_value is None:
        return None
    return None if check_script(f"dmninputexpr {cell}", "eval") is None else as_value


def prepare_and_check(parser: DMNParser, file_name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    """Parse a decision, give operator cells their space, and list every cell the sandbox refuses."""
    if parser.decision is None:
        parser.parse()
    problems = []

    def problem(element_id: str, what: str, objection: str) -> None:
        found = tree.xpath("//*[@id=$id]", id=element_id)
        problems.append(DefinitionProblem(file_name, f"{what}: {objection}",
                                          line=found[0].sourceline if found else None, element_id=element_id,
                                          code="dmn.expression", params={"what": what, "objection": objection}))

    problems.extend(check_table(parser.decision, file_name, tree))
    for table in parser.decision.decisionTables:
        for column in table.inputs:
            if column.expression and (objection := check_script(column.expression, "eval")):
                problem(column.id, "input expression", objection)
        for rule in table.rules:
            for entry in rule.inputEntries:
                for index, cell in enumerate(entry.lhs):
                    if not cell or not cell.strip():
                        continue
                    if objection := _cell_problem(cell):
                        problem(entry.id, f"rule {rule.row_number} input cell", objection)
                    elif "?" not in cell and check_script(f"(dmninputexpr) == ({cell})", "eval") is not None:
                        entry.lhs[index] = " " + cell.lstrip()
            for entry in rule.outputEntries:
                if entry.text and (objection := check_script(entry.text, "eval")):
                    problem(entry.id, f"rule {rule.row_number} output cell", objection)
    return problems
