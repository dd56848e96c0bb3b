// Keyboard shortcuts for the review screen: any element with data-key="x" is clicked when x is pressed
// (radio buttons are checked), unless the reviewer is typing in a field.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) {
    if (event.key === "Escape") { target.blur(); }
    return;
  }
  var el = document.querySelector('[data-key="' + event.key + '"]');
  if (!el) { return; }
  event.preventDefault();
  if (el.type === "radio") { el.checked = true; el.focus(); return; }
  if (el.tagName === "SUMMARY") { el.parentElement.open = true; var input = el.parentElement.querySelector("input[name=value]"); if (input) { input.focus(); } return; }
  el.click();
});
// Rejecting needs a reason: block the submit and say so (the server checks it as well).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.id !== "reject-form") { return; }
  var picked = form.querySelector("input[name=reason_code]:checked");
  var note = form.querySelector("textarea[name=note]");
  if (!picked && !(note && note.value.trim())) {
    event.preventDefault();
    form.querySelector("fieldset").classList.add("missing");
    alert("Choose a reason (1–8) or write one: the member is told why.");
  }
});
document.addEventListener("focusin", function (event) {
  if (event.target.classList && event.target.classList.contains("copy")) { event.target.select(); }
});
