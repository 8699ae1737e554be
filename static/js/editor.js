// The admin's Markdown editor: refresh the preview while the editor types (a moment after the
// last keystroke) by submitting the form's Preview button into the preview frame. Without this
// script the Preview button does the same on a click.
(function () {
  "use strict";
  var form = document.getElementById("markdown-editor");
  var button = document.getElementById("preview-button");
  var text = document.getElementById("id_markdown");
  var status = document.getElementById("preview-status");
  if (!text) return;
  // "line N" beside an error: put the cursor on that line of the text, selected, in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.editor-line") : null;
    if (!link) return;
    event.preventDefault();
    var wanted = parseInt(link.getAttribute("data-line"), 10);
    var lines = text.value.split("\n");
    var start = 0;
    for (var n = 1; n < wanted && n <= lines.length; n++) start += lines[n - 1].length + 1;
    var end = start + (lines[wanted - 1] || "").length;
    text.focus();
    text.setSelectionRange(start, end);
    var height = parseFloat(getComputedStyle(text).lineHeight) || 18;
    text.scrollTop = Math.max(0, (wanted - 3) * height);
  });
  if (!form || !button || !form.requestSubmit) return;
  var timer = null;
  var file = document.getElementById("id_image");
  function refresh() {
    timer = null;
    status.textContent = "Updating preview…";
    // The preview needs the text only: a chosen image is sent when it is uploaded.
    if (file) file.disabled = true;
    form.requestSubmit(button);
    if (file) file.disabled = false;
  }
  function soon() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  }
  text.addEventListener("input", soon);
  document.getElementById("id_as").addEventListener("change", refresh);
  document.getElementById("preview-frame").addEventListener("load", function () {
    status.textContent = "";
  });
})();
