// Tickets: a/r/c shortcuts, uploads with a real progress bar, automatic retry after a rate limit, row selection.
(function () {
  "use strict";

  function shortcutsOn() {
    try { return localStorage.getItem("deskadmin-shortcuts") !== "off"; } catch (e) { return true; }
  }
  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function notify(name, detail) {
    document.body.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  // --- Shortcut help: the ticket keys join the dialog's list -----------------------------------
  var groups = document.querySelector("#shortcuts .shortcut-groups");
  if (groups && !groups.querySelector("[data-ticket-shortcuts]")) {
    var section = document.createElement("section");
    section.setAttribute("data-ticket-shortcuts", "");
    var heading = document.createElement("h3");
    heading.textContent = "Tickets";
    var list = document.createElement("dl");
    [["a", "Assign"], ["r", "Reply"], ["c", "Comment"], ["x", "Select the row (queue)"]].forEach(function (pair) {
      var dt = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = pair[0];
      dt.appendChild(kbd);
      var dd = document.createElement("dd");
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    section.appendChild(heading);
    section.appendChild(list);
    groups.appendChild(section);
  }

  // --- a / r / c ---------------------------------------------------------------------------------
  var TARGETS = { a: "assign", r: "reply", c: "comment" };
  function focusPart(part) {
    var holder = document.querySelector('[data-shortcut-target="' + { assign: "a", reply: "r", comment: "c" }[part] + '"]');
    if (!holder) { return false; }
    var details = holder.closest("details");
    if (details) { details.open = true; }
    var field = holder.querySelector("textarea, select, input");
    if (field) { field.focus(); holder.scrollIntoView({ block: "center" }); }
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target) || !shortcutsOn()) { return; }
    var part = TARGETS[event.key];
    if (!part) { return; }
    if (focusPart(part)) { event.preventDefault(); return; }
    // On the queue: act on the focused row by opening it at that part.
    var row = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-row][data-href]");
    if (row) {
      event.preventDefault();
      window.location.assign(row.getAttribute("data-href") + "#" + part);
    }
  });
  if (window.location.hash) {
    var wanted = window.location.hash.slice(1);
    if (wanted === "assign" || wanted === "reply" || wanted === "comment") { focusPart(wanted); }
  }

  // --- Row selection on the queue -----------------------------------------------------------------
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-page]")) {
      document.querySelectorAll("[data-select-row]").forEach(function (box) {
        box.checked = target.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      });
      return;
    }
    if (target.matches && target.matches("[data-select-row]")) {
      var row = target.closest("tr");
      if (row) { row.setAttribute("aria-selected", target.checked ? "true" : "false"); }
      var count = document.querySelectorAll("[data-select-row]:checked").length;
      document.querySelectorAll("[data-selected-count]").forEach(function (node) { node.textContent = String(count); });
      // Selecting rows opens the bulk panel, so what can be done with them is in view.
      document.querySelectorAll("[data-bulk-details]").forEach(function (panel) { if (count > 0) { panel.open = true; } });
    }
  });

  // --- Retry after a rate limit: the kept draft is sent again when Desk said it may -------------
  function armRetries(root) {
    (root || document).querySelectorAll("form[data-retry-in]").forEach(function (form) {
      if (form.dataset.retryArmed) { return; }
      form.dataset.retryArmed = "1";
      var seconds = parseInt(form.getAttribute("data-retry-in"), 10) || 60;
      setTimeout(function () {
        if (document.body.contains(form)) { form.requestSubmit(); }
      }, seconds * 1000);
    });
  }
  armRetries(document);
  document.body.addEventListener("htmx:afterSettle", function () { armRetries(document); });

  // --- Uploads: XMLHttpRequest for real progress events ------------------------------------------
  function triggers(xhr) {
    var header = xhr.getResponseHeader("HX-Trigger");
    if (!header) { return; }
    try {
      var parsed = JSON.parse(header);
      Object.keys(parsed).forEach(function (name) { notify(name, parsed[name]); });
    } catch (e) { /* not JSON: nothing to show */ }
  }
  function upload(form, files) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("[data-upload-progress]");
    var list = Array.prototype.slice.call(files || []);
    if (!list.length) { status.textContent = "Choose at least one file."; return; }
    var tooBig = list.filter(function (file) { return limit && file.size > limit; });
    if (tooBig.length) {
      var mb = Math.round(limit / 1048576);
      status.textContent = tooBig.map(function (f) { return f.name; }).join(", ") + " is larger than the " + mb + " MB limit. Nothing was uploaded.";
      notify("alert", { message: status.textContent, level: "error" });
      return;
    }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var publicBox = form.querySelector("[name=is_public]");
    if (publicBox && publicBox.checked) { data.append("is_public", "on"); }
    list.forEach(function (file) { data.append("file", file, file.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading " + list.length + " file" + (list.length === 1 ? "" : "s") + "…";
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
        status.textContent = "Uploading… " + bar.value + "%";
      }
    });
    xhr.addEventListener("load", function () {
      triggers(xhr);
      var section = document.getElementById("ticket-attachments");
      if (xhr.responseText && section && xhr.getResponseHeader("Content-Type").indexOf("text/html") === 0) {
        section.outerHTML = xhr.responseText;
        var fresh = document.getElementById("ticket-attachments");
        if (fresh && window.htmx) { window.htmx.process(fresh); }
        bindUploads(fresh);
      } else {
        status.textContent = "The upload failed (" + xhr.status + ").";
      }
    });
    xhr.addEventListener("error", function () {
      status.textContent = "Could not reach DeskAdmin. Nothing was uploaded; try again.";
      bar.hidden = true;
    });
    xhr.send(data);
  }
  function bindUploads(root) {
    if (!root) { return; }
    root.querySelectorAll("form[data-upload]").forEach(function (form) {
      if (form.dataset.uploadBound) { return; }
      form.dataset.uploadBound = "1";
      var input = form.querySelector("input[type=file]");
      form.addEventListener("submit", function (event) { event.preventDefault(); upload(form, input.files); });
      var zone = form.querySelector("[data-dropzone]");
      if (!zone) { return; }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) { upload(form, event.dataTransfer.files); }
      });
    });
  }
  bindUploads(document);
  document.body.addEventListener("htmx:afterSettle", function () { bindUploads(document); });
})();

// Drawer, background conversation fetch and collision presence (issue 12).
(function () {
  "use strict";

  function shortcutsOn() {
    try { return localStorage.getItem("deskadmin-shortcuts") !== "off"; } catch (e) { return true; }
  }

  // --- The ticket drawer on the queue ------------------------------------------------------------
  // Row links are boosted into #ticket-drawer (hx-push-url comes with hx-boost); j/k while it is open load
  // the focused row's ticket and replace the URL; Esc closes it and gives focus back to the row.
  var drawer = document.querySelector("[data-drawer]");
  var queueUrl = window.location.href;
  var focusOnLoad = false;
  var loadTimer = null;

  function drawerOpen() { return drawer && !drawer.hidden; }
  function currentId() {
    var inner = drawer && drawer.querySelector("[data-drawer-ticket]");
    return inner ? inner.getAttribute("data-drawer-ticket") : "";
  }
  function rowFor(id) { return id ? document.querySelector('[data-row][data-ticket="' + id + '"]') : null; }
  function markRows() {
    var id = drawerOpen() ? currentId() : "";
    document.querySelectorAll("[data-row]").forEach(function (row) {
      if (row.getAttribute("data-ticket") === id) { row.setAttribute("aria-current", "true"); }
      else { row.removeAttribute("aria-current"); }
    });
  }
  function closeDrawer() {
    if (!drawerOpen()) { return; }
    var row = rowFor(currentId());
    drawer.hidden = true;
    drawer.querySelectorAll("[data-presence]").forEach(leave);
    drawer.innerHTML = "";  // stops the presence beats
    document.body.classList.remove("drawer-open");
    markRows();
    history.pushState({ htmx: true }, "", queueUrl);
    if (row) { row.focus(); }
  }
  function loadRow(row) {
    if (!row || !window.htmx) { return; }
    var url = row.getAttribute("data-href");
    if (!url || row.getAttribute("data-ticket") === currentId()) { return; }
    window.htmx.ajax("GET", url, { target: "#ticket-drawer", swap: "innerHTML" }).then(function () {
      history.replaceState({ htmx: true }, "", url);
    });
  }

  if (drawer) {
    // A click (or Enter, which clicks the row's link) on a row link: the drawer takes focus when it loads.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-drawer-rows] a[href]");
      if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
        if (!drawerOpen()) { queueUrl = window.location.href; }
        focusOnLoad = true;
      }
      if (event.target.closest && event.target.closest("[data-drawer-close]")) { closeDrawer(); }
    }, true);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== drawer) { return; }
      drawer.hidden = false;
      document.body.classList.add("drawer-open");
      markRows();
      if (focusOnLoad) {
        focusOnLoad = false;
        var title = drawer.querySelector("#drawer-title");
        if (title) { title.focus(); }
      }
    });
    // j / k move through the rows while the drawer is open (app.js moves the focus; this follows it).
    document.addEventListener("keydown", function (event) {
      if (!drawerOpen() || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "Escape") {
        var dialog = document.querySelector("dialog[open]");
        if (dialog) { return; }
        event.preventDefault();
        closeDrawer();
        return;
      }
      var t = event.target;
      var tag = t && t.tagName;
      if (t && (t.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT")) { return; }
      if ((event.key === "j" || event.key === "k") && shortcutsOn()) {
        var inRow = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-row]");
        // From inside the drawer, j/k go on from the open ticket's row.
        if (!inRow) { var row = rowFor(currentId()); if (row) { row.focus(); } }
      }
    });
    document.addEventListener("focusin", function (event) {
      if (!drawerOpen()) { return; }
      var row = event.target.matches && event.target.matches("[data-row]") ? event.target : null;
      if (!row) { return; }
      clearTimeout(loadTimer);
      loadTimer = setTimeout(function () { if (document.activeElement === row) { loadRow(row); } }, 200);
    });
    // The queue re-rendered (filters, sort, page): the open ticket's row keeps its mark.
    document.body.addEventListener("htmx:afterSettle", markRows);
  }

  // --- The conversation fetched after the page showed the mirrored copy -------------------------
  // A finished fetch hands over a new stale-guard note when only the conversation changed: forms that
  // still carry the old note take the new one, since what arrived is now on screen.
  document.body.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-seen-update]").forEach(function (node) {
      var before = node.getAttribute("data-seen-before");
      var token = node.getAttribute("data-seen-token");
      document.querySelectorAll('input[name="seen"]').forEach(function (input) {
        if (input.value === before) { input.value = token; }
      });
      node.remove();
    });
  });

  // --- Presence: viewing, or replying while the reply or comment box has focus or text ----------
  function composing() {
    var boxes = document.querySelectorAll("#reply_form textarea, #comment_form textarea, #reply_form [contenteditable=true], #comment_form [contenteditable=true]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box === document.activeElement || box.contains(document.activeElement)) { return true; }
      if ((box.value || box.textContent || "").trim()) { return true; }
    }
    return false;
  }
  function updatePresence() {
    var state = composing() ? "replying" : "viewing";
    document.querySelectorAll("[data-presence]").forEach(function (form) {
      var input = form.querySelector("[data-presence-state]");
      if (input && input.value !== state) {
        input.value = state;
        if (window.htmx) { window.htmx.trigger(form, "presence-change"); }
      }
    });
  }
  // The list is a live region: swap it only when it changed, so a screen reader hears arrivals and
  // departures, not the same sentence every 15 seconds.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("[data-presence-list]")) { return; }
    var squash = function (html) { return (html || "").replace(/\s+/g, " ").trim(); };
    if (squash(event.detail.serverResponse) === squash(target.innerHTML)) { event.detail.shouldSwap = false; }
  });
  var presenceTimer = null;
  function soon() { clearTimeout(presenceTimer); presenceTimer = setTimeout(updatePresence, 300); }
  document.addEventListener("focusin", soon);
  document.addEventListener("focusout", soon);
  document.addEventListener("input", soon);
  document.body.addEventListener("htmx:afterSettle", soon);

  function leave(form) {  // hoisted: the drawer uses it too
    if (!navigator.sendBeacon || !form.action) { return; }
    var data = new FormData();
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    if (token) { data.append("csrfmiddlewaretoken", token.value); }
    data.append("state", "left");
    navigator.sendBeacon(form.action, data);
  }
  document.body.addEventListener("htmx:beforeCleanupElement", function (event) {
    var node = event.target;
    if (node && node.matches && node.matches("[data-presence]")) { leave(node); }
  });
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("[data-presence]").forEach(leave);
  });
})();
