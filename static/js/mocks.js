// A booked mock's Cancel and no-show buttons ask first, saying what it costs (a late cancel or a
// no-show is a strike). Without JavaScript the button acts at once; the page says the cost beside
// it.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// The request form's time zone, from the browser, until the member chooses another: the
// windows are read on their own clock. Without JavaScript the field keeps its default (UTC).
(() => {
  const field = document.getElementById("id_time_zone");
  if (!field || field.dataset.chosen) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && [...field.options].some((option) => option.value === zone) && field.value === "UTC") {
    field.value = zone;
  }
})();
