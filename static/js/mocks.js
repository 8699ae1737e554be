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
// Chromium's ICU still names some zones by their old names (Asia/Calcutta): the member is shown
// today's name, the same zone.
const CURRENT_NAMES = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};
(() => {
  const field = document.getElementById("id_time_zone");
  if (!field || field.dataset.chosen) return;
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = CURRENT_NAMES[browser] || browser;
  if (zone && [...field.options].some((option) => option.value === zone) && field.value === "UTC") {
    field.value = zone;
  }
})();
