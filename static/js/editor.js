// The admin's Markdown editor: refresh the preview while the editor types (a moment after the
// last keystroke) by submitting the form's Preview button into the preview frame. Without this
// script the Preview button does the same on a click.
(function () {
  "use strict";
  var form = document.getElementById("markdown-editor");
  var button = document.getElementById("preview-button");
  var text = document.getElementById("id_markdown");
  var status = document.getElementById("preview-status");
  if (!form || !button || !text || !form.requestSubmit) return;
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
