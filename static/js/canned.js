// Canned replies in the reply box: type "/" (at the start or after a space) or press Ctrl+Shift+R in the
// editor for a filterable list; arrows + Enter insert the reply at the cursor, Escape goes back.
// The list comes from the form's data-canned-url, placeholders already filled in by the server.
(function () {
  "use strict";

  var counter = 0;

  function setup(area) {
    var form = area.closest("[data-reply-form]");
    if (!form || area.hasAttribute("data-canned-ready")) { return; }
    area.setAttribute("data-canned-ready", "");
    var url = form.getAttribute("data-canned-url");
    var manage = form.getAttribute("data-canned-manage");
    var status = form.querySelector("[data-canned-status]");
    var items = null;
    var savedRange = null;
    var slashTyped = false;
    counter += 1;
    var listId = "canned-list-" + counter;

    var panel = document.createElement("div");
    panel.className = "canned-picker";
    panel.hidden = true;
    panel.setAttribute("data-canned-picker", "");
    var input = document.createElement("input");
    input.type = "search";
    input.className = "canned-filter";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-label", "Find a canned reply");
    input.placeholder = "Find a canned reply…";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "canned-options";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Canned replies");
    var foot = document.createElement("p");
    foot.className = "canned-foot muted";
    foot.innerHTML = "<kbd>↑</kbd> <kbd>↓</kbd> choose · <kbd>Enter</kbd> insert · <kbd>Esc</kbd> close";
    panel.appendChild(input);
    panel.appendChild(list);
    panel.appendChild(foot);
    // After the textarea, so the page's "r" shortcut (the holder's first field) still finds the textarea.
    var source = form.querySelector("textarea[data-editor]");
    if (source) { source.parentNode.insertBefore(panel, source.nextSibling); } else { area.parentNode.appendChild(panel); }

    var editorToolbar = area.parentNode.querySelector(".editor-toolbar");
    if (editorToolbar) {
      var open = document.createElement("button");
      open.type = "button";
      open.className = "editor-button";
      open.textContent = "Canned";
      open.title = "Canned reply (/ or Ctrl+Shift+R)";
      open.setAttribute("aria-label", "Insert a canned reply (/ or Ctrl+Shift+R)");
      open.setAttribute("data-canned-open", "");
      open.addEventListener("mousedown", function (event) { event.preventDefault(); });
      open.addEventListener("click", function () { area.focus(); show(false); });
      editorToolbar.appendChild(open);
    }

    function options() { return Array.prototype.slice.call(list.querySelectorAll('[role="option"]')); }

    function select(index) {
      var all = options();
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render() {
      var query = input.value.trim().toLowerCase();
      list.textContent = "";
      var shown = (items || []).filter(function (item) {
        return !query || item.title.toLowerCase().indexOf(query) !== -1;
      });
      shown.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + item.id;
        li.setAttribute("role", "option");
        li.setAttribute("data-canned-id", String(item.id));
        li.textContent = item.title;
        if (item.shared) {
          var tag = document.createElement("span");
          tag.className = "canned-shared muted";
          tag.textContent = " shared";
          li.appendChild(tag);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { insert(item); });
        list.appendChild(li);
        if (i === 0) { li.setAttribute("aria-selected", "true"); }
      });
      if (!shown.length) {
        var empty = document.createElement("li");
        empty.className = "muted canned-empty";
        empty.textContent = items && items.length ? "No canned reply matches." : "No canned replies yet.";
        if (manage) {
          var link = document.createElement("a");
          link.href = manage;
          link.textContent = " Manage canned replies";
          empty.appendChild(link);
        }
        list.appendChild(empty);
      }
      select(0);
    }

    function load() {
      if (items) { render(); return; }
      list.textContent = "";
      var loading = document.createElement("li");
      loading.className = "muted";
      loading.textContent = "Loading…";
      list.appendChild(loading);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) { items = data.replies || []; render(); })
        .catch(function () {
          list.textContent = "";
          var failed = document.createElement("li");
          failed.className = "error";
          failed.textContent = "Could not load the canned replies; try again.";
          list.appendChild(failed);
        });
    }

    function show(fromSlash) {
      slashTyped = fromSlash;
      var sel = window.getSelection();
      savedRange = sel && sel.rangeCount && area.contains(sel.anchorNode) ? sel.getRangeAt(0).cloneRange() : null;
      panel.hidden = false;
      input.value = "";
      input.setAttribute("aria-expanded", "true");
      input.focus();
      load();
    }

    function restore() {
      area.focus();
      var sel = window.getSelection();
      if (savedRange && sel) {
        sel.removeAllRanges();
        sel.addRange(savedRange);
      }
    }

    function hide(typeSlash) {
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
      restore();
      if (typeSlash && slashTyped) { document.execCommand("insertText", false, "/"); }
    }

    function insert(item) {
      hide(false);
      window.DeskEditor.insertHtml(area, item.html);
      var notes = [];
      if (item.unknown && item.unknown.length) {
        notes.push("Not a known placeholder, left as written: " + item.unknown.map(function (n) { return "{{" + n + "}}"; }).join(", ") + ".");
      }
      if (item.empty && item.empty.length) {
        notes.push("No value on this ticket, left as written: " + item.empty.map(function (n) { return "{{" + n + "}}"; }).join(", ") + ".");
      }
      if (status) {
        status.textContent = "Inserted “" + item.title + "”." + (notes.length ? " Check before sending: " + notes.join(" ") : "");
        status.classList.toggle("canned-warning", notes.length > 0);
      }
    }

    input.addEventListener("input", render);
    input.addEventListener("keydown", function (event) {
      var all = options();
      var current = all.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select(Math.min(current + 1, all.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        select(Math.max(current - 1, 0));
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (current >= 0) {
          var id = all[current].getAttribute("data-canned-id");
          var item = (items || []).find(function (i) { return String(i.id) === id; });
          if (item) { insert(item); }
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        hide(true);
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(function () {
        if (!panel.hidden && !panel.contains(document.activeElement)) {
          panel.hidden = true;
          input.setAttribute("aria-expanded", "false");
        }
      }, 150);
    });

    area.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === "r") {
        event.preventDefault();
        show(false);
        return;
      }
      if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        var sel = window.getSelection();
        if (!sel || !sel.rangeCount || !sel.isCollapsed) { return; }
        var range = sel.getRangeAt(0);
        var before = range.startContainer.nodeType === 3
          ? range.startContainer.textContent.slice(0, range.startOffset)
          : "";
        if (before === "" || /\s$/.test(before)) {
          event.preventDefault();
          show(true);
        }
      }
    });
  }

  function setupAll() {
    document.querySelectorAll("[data-reply-form] [data-editor-area]").forEach(setup);
  }
  document.body.addEventListener("editor:ready", function (event) { setup(event.detail.area); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
