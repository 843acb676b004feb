// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy allows no inline script.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-submit-on-change]")) event.target.form.submit();
});

// A contact was recorded (or its caller's open case reminded): its intake draft is done with.
if (document.body && document.body.dataset.clearDraft) {
  try { localStorage.removeItem(document.body.dataset.clearDraft); } catch (err) { /* storage off */ }
}
