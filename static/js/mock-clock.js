// The mock room's clock: the phase moves on by itself. The server decided the page as it stood
// when it was served (the phase, and whether the candidate sees the problem yet); this only
// keeps the words up to date, on the server's clock (the offset between the two is taken from
// the time the page was made). The schedule comes from the page's #room-clock JSON.
const data = JSON.parse(document.getElementById("room-clock")?.textContent || "null");
const status = document.getElementById("room-now");

// The same words as mocks.room.until_words.
function untilWords(ms) {
  const total = Math.floor(ms / 60000);
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const words = (count, unit) => `${count} ${unit}${count === 1 ? "" : "s"}`;
  if (days) return words(days, "day") + (hours ? ` ${words(hours, "hour")}` : "");
  if (hours) return words(hours, "hour") + (minutes ? ` ${words(minutes, "minute")}` : "");
  if (minutes) return words(minutes, "minute");
  return "less than a minute";
}

function tick(offset) {
  const now = Date.now() + offset;
  const current = data.segments.find((s) => Date.parse(s.starts) <= now && now < Date.parse(s.ends));
  let text = "This mock has ended";
  if (now < Date.parse(data.starts)) text = `Starts in ${untilWords(Date.parse(data.starts) - now)}`;
  else if (current) text = `Now: ${current.label}, until ${current.until}`;
  if (status && status.textContent !== text) status.textContent = text;
  for (const list of document.querySelectorAll(".room-timeline")) {
    for (const item of list.children) {
      const on = Boolean(current) && String(current.round) === list.dataset.round
        && String(current.phase) === item.dataset.phase;
      item.classList.toggle("is-current", on);
      if (on) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
  }
  // The candidate's problem is in the page only once it is stated: offer to fetch it then.
  for (const waiting of document.querySelectorAll(".room-stated-later:not(.is-due)")) {
    if (Date.parse(waiting.dataset.stated) <= now) {
      waiting.classList.add("is-due");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small";
      button.textContent = "Show the problem";
      button.addEventListener("click", () => window.location.reload());
      waiting.replaceChildren("The problem is stated now. ", button);
    }
  }
}

if (data) {
  const offset = Date.parse(data.now) - Date.now();
  tick(offset);
  setInterval(() => tick(offset), 1000);
}
