// Guide page, signed-in readers: tick checklist items without a page reload, and remember the
// section reached. Without this script the same forms post and the page reloads.
(function () {
  "use strict";
  var article = document.querySelector("article[data-guide]");
  if (!article) return;
  var tickUrl = article.getAttribute("data-tick-url");
  var positionUrl = article.getAttribute("data-position-url");

  function token(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setCount(selector, value) {
    var node = document.querySelector(selector + " .count");
    if (node) node.textContent = String(value);
  }

  document.querySelectorAll("form[data-checklist]").forEach(function (form) {
    if (!token(form)) return; // visitors: the form invites them to sign in
    form.classList.add("checklist-live");
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches("input[type=checkbox]")) return;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token(form));
      body.append("item", box.value);
      body.append("checked", box.checked ? "1" : "0");
      box.disabled = true;
      fetch(tickUrl, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          setCount('[data-section-progress="' + data.section + '"]', data.section_ticked);
          setCount("[data-guide-progress]", data.guide_ticked);
        })
        .catch(function () {
          box.checked = !box.checked; // not saved: show the truth
          form.classList.remove("checklist-live"); // and offer the Save button again
        })
        .finally(function () {
          box.disabled = false;
        });
    });
  });

  // The section in view when the reader leaves, for "Continue reading".
  var current = "";
  if ("IntersectionObserver" in window && positionUrl) {
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) current = entry.target.id;
        });
      },
      { rootMargin: "0px 0px -60% 0px" }
    );
    article.querySelectorAll("section.guide-section[id]").forEach(function (section) {
      observer.observe(section);
    });
    var anyForm = document.querySelector("form[data-checklist], form.finish-form");
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "hidden" || !current || !anyForm) return;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token(anyForm));
      body.append("guide", article.getAttribute("data-guide"));
      body.append("section", current);
      navigator.sendBeacon(positionUrl, body);
    });
  }
})();
