// Live pages: poll the mirror's version stamp (one cache read on the server) and, when it moved, re-read what
// the page shows from the mirror: the queue's rows in place (or a "changed — show" bar while the user is
// selecting rows or typing), a ticket's conversation. Pauses while the tab is hidden.
(function () {
  "use strict";
  const marker = document.querySelector("[data-live]");
  if (!marker || !window.fetch) return;
  const url = marker.dataset.liveUrl;
  const every = (Number(marker.dataset.liveSeconds) || 3) * 1000;
  let version = null;
  let busy = false;
  let bar = null;

  function userIsBusy(container) {
    const active = document.activeElement;
    const typing = active && container.contains(active) && active.matches("input:not([type=checkbox]), textarea, select");
    return Boolean(container.querySelector("input[type=checkbox]:checked") || typing);
  }

  function hideBar() {
    if (bar) bar.hidden = true;
  }

  function showBar(refresh) {
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "banner banner-info live-bar";
      bar.setAttribute("role", "status");
      bar.dataset.liveBar = "";
      const text = document.createElement("span");
      text.textContent = "Tickets changed since this page was drawn. ";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small";
      button.textContent = "Show";
      button.addEventListener("click", function () {
        hideBar();
        refresh();
      });
      bar.append(text, button);
      marker.before(bar);
    }
    bar.hidden = false;
  }

  function refreshQueue() {
    const results = document.getElementById("queue-results");
    if (!results || !window.htmx) return;
    const load = function () {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: "#queue-results",
        swap: "innerHTML",
      });
    };
    if (userIsBusy(results)) {
      showBar(load);
    } else {
      load();
    }
  }

  function refreshTicket() {
    const conversation = document.getElementById("ticket-conversation");
    if (!conversation || !window.htmx) return;
    window.htmx.ajax("GET", window.location.pathname + "?part=conversation", {
      target: "#ticket-conversation",
      swap: "outerHTML",
    });
  }

  async function poll() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (version !== null && data.version !== version) {
          marker.dataset.liveChanges = String(Number(marker.dataset.liveChanges || 0) + 1);
          if (marker.dataset.live === "queue") refreshQueue();
          if (marker.dataset.live === "ticket") refreshTicket();
        }
        version = data.version;
      }
    } catch (error) {
      // Offline or signed out: the next poll tries again.
    } finally {
      busy = false;
    }
  }

  poll();
  window.setInterval(poll, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
})();
