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
