// DeskAdmin's own behaviour: theme switch, navigation drawer, keyboard shortcuts, toasts from HX-Trigger.
(function () {
  "use strict";

  var THEMES = ["system", "light", "dark"];
  var root = document.documentElement;
  root.classList.add("js");

  function storageGet(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function storageSet(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* ignore */ } }

  // --- Theme -------------------------------------------------------------------------------
  function currentTheme() { return root.getAttribute("data-theme") || "system"; }
  function applyTheme(theme) {
    root.setAttribute("data-theme", theme);
    storageSet("deskadmin-theme", theme);
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-label", "Theme: " + theme);
      button.setAttribute("title", "Theme: " + theme + " (Shift+T to change)");
    });
  }
  function cycleTheme() {
    var next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
    applyTheme(next);
    showToast({ message: "Theme: " + next, level: "info" });
  }

  // --- Toasts and alerts -------------------------------------------------------------------
  function showToast(detail, regionId) {
    var region = document.getElementById(regionId || "toasts");
    var template = document.getElementById("toast-template");
    if (!region || !template || !detail || !detail.message) { return; }
    var node = template.content.firstElementChild.cloneNode(true);
    node.classList.add("toast-" + (detail.level || "info"));
    node.querySelector(".toast-text").textContent = detail.message;
    node.querySelector(".toast-close").addEventListener("click", function () { node.remove(); });
    region.appendChild(node);
    if (regionId !== "alerts") {
      setTimeout(function () { node.remove(); }, detail.level === "error" ? 10000 : 5000);
    }
  }
  document.body.addEventListener("toast", function (event) { showToast(event.detail); });
  document.body.addEventListener("alert", function (event) { showToast(event.detail, "alerts"); });
  // A request that failed at the network level or with a server error still tells the user.
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!event.detail.xhr.getResponseHeader("HX-Trigger")) {
      showToast({ message: "The server answered " + status + ". Nothing was lost: try again.", level: "error" }, "alerts");
    }
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast({ message: "Could not reach DeskAdmin. Check your connection and try again.", level: "error" }, "alerts");
  });
  // Toasts rendered with the page (Django messages) fade like the others.
  document.querySelectorAll("#toasts .toast").forEach(function (node) {
    setTimeout(function () { node.remove(); }, 6000);
  });

  // --- Navigation drawer (phone width) ------------------------------------------------------
  document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var nav = document.getElementById("sidenav");
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // --- Auto-submitting selects (org switcher) ----------------------------------------------
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  // --- Shortcuts dialog ---------------------------------------------------------------------
  var dialog = document.getElementById("shortcuts");
  function openShortcuts() { if (dialog && !dialog.open) { dialog.showModal(); } }
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (b) { b.addEventListener("click", openShortcuts); });
  document.querySelectorAll("[data-dialog-close]").forEach(function (b) {
    b.addEventListener("click", function () { b.closest("dialog").close(); });
  });
  document.querySelectorAll("[data-theme-toggle]").forEach(function (b) { b.addEventListener("click", cycleTheme); });

  var shortcutsOn = storageGet("deskadmin-shortcuts") !== "off";
  document.querySelectorAll("[data-shortcuts-toggle]").forEach(function (box) {
    box.checked = shortcutsOn;
    box.addEventListener("change", function () {
      shortcutsOn = box.checked;
      storageSet("deskadmin-shortcuts", shortcutsOn ? "on" : "off");
      showToast({ message: "Single-key shortcuts " + (shortcutsOn ? "on" : "off"), level: "info" });
    });
  });

  // --- Keyboard shortcuts -------------------------------------------------------------------
  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row]")); }
  function moveRow(step) {
    var list = rows();
    if (!list.length) { return; }
    var index = list.indexOf(document.activeElement.closest ? document.activeElement.closest("[data-row]") : null);
    var next = list[Math.max(0, Math.min(list.length - 1, index + step))] || list[0];
    next.focus();
  }
  var pendingGo = false;
  var goTimer = null;
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) { return; }
    if (event.key === "?") { event.preventDefault(); openShortcuts(); return; }
    if (!shortcutsOn) { return; }
    if (pendingGo) {
      pendingGo = false;
      clearTimeout(goTimer);
      var link = document.querySelector('.sidenav a[data-go="' + event.key + '"]');
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    switch (event.key) {
      case "g": pendingGo = true; goTimer = setTimeout(function () { pendingGo = false; }, 1200); break;
      case "/": {
        var search = document.querySelector("[data-search]");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      }
      case "T": event.preventDefault(); cycleTheme(); break;
      case "j": event.preventDefault(); moveRow(1); break;
      case "k": event.preventDefault(); moveRow(-1); break;
      case "x": {
        var row = document.activeElement.closest && document.activeElement.closest("[data-row]");
        var box = row && row.querySelector("input[type=checkbox]");
        if (box) { event.preventDefault(); box.click(); }
        break;
      }
      case "Enter": {
        var current = document.activeElement.closest && document.activeElement.closest("[data-row]");
        var open = current && current.querySelector("a[data-open], a");
        if (open && current === document.activeElement) { event.preventDefault(); open.click(); }
        break;
      }
      default: break;
    }
  });

  // Forms that ask before they do something that cannot be taken back (deleting a shared view).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The queue's filters fold behind one "Filters" button at phone width.
  document.querySelectorAll("[data-filters-toggle]").forEach(function (button) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("is-open", open);
      if (open) {
        var first = panel.querySelector("input, select, summary, button");
        if (first) { first.focus(); }
      }
    });
  });

  // URLs carry only the filters that are set: a page that knows its own canonical query (the queue's
  // data-canonical-query) gets that; otherwise empty parameters are dropped from the pushed URL.
  document.body.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var history = event.detail.history;
    if (!history || !history.path) { return; }
    var url = new URL(history.path, window.location.href);
    var text = event.detail.xhr ? event.detail.xhr.responseText || "" : "";
    var match = /data-canonical-query="([^"]*)"/.exec(text);
    if (match) {
      var holder = document.createElement("textarea");
      holder.innerHTML = match[1];
      url.search = holder.value;
    } else {
      var params = new URLSearchParams(url.search);
      var kept = new URLSearchParams();
      params.forEach(function (value, key) { if (value !== "") { kept.append(key, value); } });
      url.search = kept.toString();
    }
    history.path = url.pathname + (url.search ? url.search : "") + url.hash;
  });

  // --- Wide tables ----------------------------------------------------------------------------
  // A .table-wrap that scrolls sideways (a wide table, a phone) must be reachable by keyboard to be
  // scrolled (WCAG 2.1.1): it becomes a named, focusable region while it overflows, and stops being
  // a tab stop when it fits again. Every page's tables get this without anything in their templates.
  function markScrollableTables(scope) {
    (scope || document).querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var table = wrap.querySelector("table");
        var caption = table && table.caption ? table.caption.textContent.trim() : "";
        var name = caption || (table && table.getAttribute("aria-label")) || "Table";
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name + " (scrolls sideways)");
        wrap.setAttribute("data-scroll-region", "");
      } else if (!scrolls && wrap.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (attribute) {
          wrap.removeAttribute(attribute);
        });
      }
    });
  }
  markScrollableTables();
  document.body.addEventListener("htmx:afterSettle", function () { markScrollableTables(); });
  window.addEventListener("resize", function () { markScrollableTables(); });
})();
