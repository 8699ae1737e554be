// The diagnostic's clock: the server renders the seconds since the statement was first shown;
// this ticks them on every second. Without it the page still works: the server times the answer.
(function () {
  "use strict";
  var clock = document.querySelector("[data-diagnostic-clock]");
  if (!clock) return;
  var time = clock.querySelector("[data-clock-time]");
  var target = parseInt(clock.getAttribute("data-target"), 10) || 60;
  var start = Date.now() - (parseInt(clock.getAttribute("data-elapsed"), 10) || 0) * 1000;

  function tick() {
    var seconds = Math.max(0, Math.floor((Date.now() - start) / 1000));
    time.textContent = seconds + " s";
    time.classList.toggle("over", seconds > target);
  }

  tick();
  window.setInterval(tick, 1000);
})();
