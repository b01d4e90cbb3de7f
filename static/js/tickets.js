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
