// The intake form: questions that depend on another answer, the caller's cases by phone number, and a
// draft of everything typed kept in this browser (per person and channel) until the contact is recorded.
(() => {
  const form = document.getElementById("intake-form");
  if (!form) return;
  const DRAFT_HOURS = 12;
  const key = form.dataset.draftKey;
  const status = document.getElementById("draft-status");
  const callers = document.getElementById("callers");

  function valueOf(name) {
    const fields = [...form.elements].filter((el) => el.name === name && el.type !== "hidden");
    if (!fields.length) return "";
    const field = fields[0];
    if (field.type === "checkbox") return field.checked ? "true" : "false";
    if (field.type === "radio") return (fields.find((el) => el.checked) || {}).value || "";
    return field.value;
  }

  function showConditions() {
    form.querySelectorAll("[data-when]").forEach((part) => {
      const [name, wanted] = part.dataset.when.split("=");
      part.hidden = valueOf(name) !== wanted;
    });
  }

  // --- the draft -------------------------------------------------------------------------------
  function snapshot() {
    const fields = {};
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf_token" || el.type === "hidden" || el.type === "submit") continue;
      if (el.type === "checkbox") fields[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) fields[el.name] = el.value; }
      else fields[el.name] = el.value;
    }
    return fields;
  }

  function save() {
    try {
      localStorage.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: snapshot() }));
    } catch (err) { /* storage full or off: the form still works, only the draft is not kept */ }
  }

  function stored() {
    try {
      const draft = JSON.parse(localStorage.getItem(key) || "null");
      if (draft && Date.now() - draft.savedAt < DRAFT_HOURS * 3600 * 1000) return draft;
      localStorage.removeItem(key);
    } catch (err) { /* unreadable: as if none */ }
    return null;
  }

  function restore(draft) {
    for (const el of form.elements) {
      if (!el.name || !(el.name in draft.fields) || el.type === "hidden") continue;
      const value = draft.fields[el.name];
      if (el.type === "checkbox") el.checked = Boolean(value);
      else if (el.type === "radio") el.checked = el.value === value;
      else el.value = value;
    }
    const time = new Date(draft.savedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    status.querySelector("[data-saved-at]").textContent = `(${time})`;
    status.hidden = false;
  }

  let saving = null;
  function later(fn, ms) { clearTimeout(saving); saving = setTimeout(fn, ms); }

  // --- the caller's cases -----------------------------------------------------------------------
  let asked = "";
  let lookup = null;
  function lookUp() {
    const phone = valueOf("customer_phone").trim();
    const digits = phone.replace(/[^0-9]/g, "");
    if (digits.length < 7) { callers.innerHTML = ""; asked = ""; return; }
    if (phone === asked) return;
    asked = phone;
    fetch(`${form.dataset.callers}&customer_phone=${encodeURIComponent(phone)}`, { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.text() : ""))
      .then((html) => { if (asked === phone) callers.innerHTML = html; })
      .catch(() => { asked = ""; });
  }

  form.addEventListener("input", (event) => {
    showConditions();
    later(save, 300);
    if (event.target.name === "customer_phone") { clearTimeout(lookup); lookup = setTimeout(lookUp, 350); }
  });
  form.addEventListener("change", () => { showConditions(); save(); });
  callers.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-repeat-of]");
    if (!link) return;
    event.preventDefault();
    const box = form.querySelector("input[type=checkbox][name=is_repeat]");
    box.checked = true;
    form.elements.namedItem("repeat_of").value = link.dataset.repeatOf;
    showConditions();
    save();
    form.elements.namedItem("repeat_reason").focus();
  });
  document.getElementById("draft-clear").addEventListener("click", () => {
    localStorage.removeItem(key);
    window.location.assign(window.location.pathname);
  });

  const shownAgain = form.querySelector(".field-error") || document.querySelector("p.error")
    || new URLSearchParams(window.location.search).toString();
  const draft = shownAgain ? null : stored();
  if (draft) restore(draft);
  showConditions();
  if (draft) lookUp();
})();
