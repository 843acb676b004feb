"""What a process designer does in the modeler, step by step, as browser actions (Playwright):
select, append from the context pad, change a type, name in place, drop a boundary event, pick
in the properties panel, type in its code editor."""
from __future__ import annotations

CANVAS_SPOT = {"x": 900, "y": 620}  # an empty place on the canvas, away from the drawing


class Modeler:
    def __init__(self, page):
        self.page = page
        page.wait_for_selector("body[data-modeler-ready=true]")

    def element(self, element_id: str):
        return self.page.locator(f'.djs-element[data-element-id="{element_id}"]')

    def shapes(self) -> list[str]:
        return self.page.eval_on_selector_all(".djs-shape", "els => els.map(e => e.dataset.elementId)")

    def select(self, element_id: str) -> None:
        for _ in range(3):  # a click right after the panel re-rendered may land on the canvas
            self.element(element_id).click()
            if self.page.locator(f'.djs-element.selected[data-element-id="{element_id}"]').count():
                return
            self.page.wait_for_timeout(200)
        raise AssertionError(f"{element_id} cannot be selected")

    def click_at(self, x: float, y: float) -> None:
        self.page.mouse.click(x, y)

    def finish_typing(self, label: str) -> None:
        self.page.wait_for_selector(".djs-direct-editing-content")
        self.page.keyboard.type(label)
        self.page.click(".modeler-canvas", position=CANVAS_SPOT)

    def rename(self, element_id: str, label: str) -> None:
        self.element(element_id).dblclick()
        self.page.keyboard.press("Control+A")
        self.finish_typing(label)

    def append(self, source: str, action: str, label: str | None = None) -> str:
        """Append from `source`'s context pad (append.append-task, append.gateway, append.end-event)."""
        before = set(self.shapes())
        self.select(source)
        self.page.click(f'.djs-context-pad .entry[data-action="{action}"]')
        created = next(i for i in self.shapes() if i not in before and not i.endswith("_label"))
        if label is not None:
            if self.page.locator(".djs-direct-editing-content").is_visible():
                self.finish_typing(label)
            else:
                self.rename(created, label)
        return created

    def replace(self, element_id: str, entry: str) -> None:
        """Change an element's type from the context pad's menu (replace-with-user-task …)."""
        self.select(element_id)
        self.page.click('.djs-context-pad .entry[data-action="replace"]')
        self.page.click(f'.djs-popup [data-id="{entry}"]')

    def drop_boundary_event(self, task: str, label: str) -> str:
        """An intermediate event from the palette, dropped on the task's lower border."""
        before = set(self.shapes())
        box = self.element(task).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"]
        self.page.click('.djs-palette .entry[data-action="create.intermediate-event"]')
        self.page.mouse.move(x, y - 2)
        self.page.mouse.move(x + 1, y)
        self.page.mouse.click(x + 1, y)
        created = next(i for i in self.shapes() if i not in before and not i.endswith("_label"))
        self.finish_typing(label)
        return created

    def connection_between(self, source: str, target: str) -> str:
        """Select the flow that ends at `target` by clicking just before the target's left side."""
        box = self.element(target).bounding_box()
        before = self.page.eval_on_selector_all(".djs-connection", "els => els.map(e => e.dataset.elementId)")
        self.click_at(box["x"] - 12, box["y"] + box["height"] / 2)
        selected = self.page.eval_on_selector_all(".djs-connection.selected", "els => els.map(e => e.dataset.elementId)")
        assert len(selected) == 1 and selected[0] in before, (source, target, selected)
        return selected[0]

    def type_code(self, text: str) -> None:
        """Type into the properties panel's code editor (conditions, scripts) and wait for the check."""
        self.page.click(".sqflow-code .cm-content")
        self.page.keyboard.type(text)
        self.page.wait_for_selector(".sqflow-check-ok, .sqflow-check-error")

    def fill_panel(self, entry_id: str, value: str) -> None:
        self.page.fill(f"#bio-properties-panel-{entry_id}", value)
        self.page.wait_for_timeout(400)  # the panel writes after a short pause

    def choose_in_panel(self, entry_id: str, label: str) -> None:
        self.page.select_option(f"#bio-properties-panel-{entry_id}", label=label)

    def open_group(self, title: str) -> None:
        header = self.page.locator(".bio-properties-panel-group-header", has_text=title)
        if "open" not in (header.get_attribute("class") or ""):
            header.click()
