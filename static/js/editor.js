// A small rich-text editor for textareas marked data-editor: a contenteditable area with a toolbar
// (bold, italic, link, lists, quote, code) and Ctrl/Cmd+B/I/K, writing clean HTML back into the textarea,
// which the form posts. Without JS the textarea stays a plain text box. No third-party code.
(function () {
  "use strict";

  // The tags and attributes kept (the server sanitises again with nh3 before sending and before display).
  var TAGS = {
    A: 1, B: 1, BLOCKQUOTE: 1, BR: 1, CODE: 1, DIV: 1, EM: 1, I: 1, LI: 1, OL: 1, P: 1, PRE: 1, S: 1,
    STRONG: 1, U: 1, UL: 1
  };
  var DROP = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, HEAD: 1, TITLE: 1, META: 1 };

  function safeHref(href) {
    return /^(https?:|mailto:)/i.test((href || "").trim());
  }

  // Clean a fragment in place: unknown tags are unwrapped (their text kept), dangerous ones dropped.
  function cleanNode(parent) {
    Array.prototype.slice.call(parent.childNodes).forEach(function (node) {
      if (node.nodeType === 3) { return; }
      if (node.nodeType !== 1) { parent.removeChild(node); return; }
      var tag = node.tagName.toUpperCase();
      if (DROP[tag]) { parent.removeChild(node); return; }
      cleanNode(node);
      if (!TAGS[tag]) {
        while (node.firstChild) { parent.insertBefore(node.firstChild, node); }
        parent.removeChild(node);
        return;
      }
      Array.prototype.slice.call(node.attributes).forEach(function (attr) {
        if (!(tag === "A" && attr.name === "href" && safeHref(attr.value))) { node.removeAttribute(attr.name); }
      });
    });
  }

  function cleanHtml(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    cleanNode(doc.body);
    return doc.body.innerHTML;
  }

  function textToHtml(text) {
    var div = document.createElement("div");
    return text.split(/\r?\n/).map(function (line) {
      div.textContent = line;
      return div.innerHTML;
    }).join("<br>");
  }

  // Insert HTML at the cursor with the Range API (execCommand("insertHTML") adds inline styles, which the
  // strict CSP refuses).
  function insertHtml(area, html) {
    var sel = window.getSelection();
    var range;
    if (sel && sel.rangeCount && area.contains(sel.getRangeAt(0).commonAncestorContainer)) {
      range = sel.getRangeAt(0);
    } else {
      range = document.createRange();
      range.selectNodeContents(area);
      range.collapse(false);
    }
    range.deleteContents();
    var template = document.createElement("template");
    template.innerHTML = cleanHtml(html);
    var fragment = template.content;
    var last = fragment.lastChild;
    range.insertNode(fragment);
    if (last && sel) {
      var after = document.createRange();
      after.setStartAfter(last);
      after.collapse(true);
      sel.removeAllRanges();
      sel.addRange(after);
    }
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var BUTTONS = [
    { cmd: "bold", label: "B", name: "Bold", title: "Bold (Ctrl+B)", cls: "ed-b" },
    { cmd: "italic", label: "I", name: "Italic", title: "Italic (Ctrl+I)", cls: "ed-i" },
    { cmd: "link", label: "Link", title: "Link (Ctrl+K)" },
    { cmd: "insertUnorderedList", label: "• List", title: "Bulleted list" },
    { cmd: "insertOrderedList", label: "1. List", title: "Numbered list" },
    { cmd: "quote", label: "Quote", title: "Quote" },
    { cmd: "code", label: "Code", title: "Code" }
  ];

  function run(editor, cmd) {
    editor.focus();
    if (cmd === "link") {
      var url = window.prompt("Link address (https://…)", "https://");
      if (!url || !safeHref(url)) { return; }
      var sel = window.getSelection();
      if (sel && sel.isCollapsed) {
        insertHtml(editor, '<a href="' + url.replace(/"/g, "%22") + '">' + textToHtml(url) + "</a>");
      } else {
        document.execCommand("createLink", false, url);
      }
    } else if (cmd === "quote") {
      document.execCommand("formatBlock", false, "blockquote");
    } else if (cmd === "code") {
      var s = window.getSelection();
      var text = s ? s.toString() : "";
      insertHtml(editor, "<code>" + (textToHtml(text) || "&#8203;") + "</code>");
    } else {
      document.execCommand(cmd, false, null);
    }
    editor.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function attach(textarea) {
    if (textarea.hasAttribute("data-editor-ready")) { return; }
    textarea.setAttribute("data-editor-ready", "");
    var form = textarea.form;
    var formatSelect = form ? form.querySelector("[data-editor-format]") : null;
    var wasPlain = formatSelect && formatSelect.value === "plainText";

    var wrap = document.createElement("div");
    wrap.className = "editor";
    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    BUTTONS.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "editor-button" + (b.cls ? " " + b.cls : "");
      button.textContent = b.label;
      button.title = b.title;
      // A one-letter label gets a spoken name; a worded one is its own name (WCAG 2.5.3, label in name).
      if (b.name) { button.setAttribute("aria-label", b.name); }
      button.setAttribute("data-cmd", b.cmd);
      // Keep the selection in the editor when the button is clicked.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      toolbar.appendChild(button);
    });
    var area = document.createElement("div");
    area.className = "editor-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("data-editor-area", "");
    var label = form ? form.querySelector('label[for="' + textarea.id + '"]') : null;
    if (label) {
      if (!label.id) { label.id = textarea.id + "-label"; }
      area.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { area.focus(); });
    }
    var describedBy = textarea.getAttribute("aria-describedby");
    if (describedBy) { area.setAttribute("aria-describedby", describedBy); }
    if (textarea.getAttribute("aria-invalid")) { area.setAttribute("aria-invalid", textarea.getAttribute("aria-invalid")); }
    var initial = textarea.value;
    area.innerHTML = wasPlain || initial.indexOf("<") === -1 ? textToHtml(initial) : cleanHtml(initial);

    wrap.appendChild(toolbar);
    wrap.appendChild(area);
    textarea.parentNode.insertBefore(wrap, textarea);
    textarea.classList.add("editor-source");
    textarea.setAttribute("tabindex", "-1");
    textarea.setAttribute("aria-hidden", "true");
    // The page's "r" shortcut focuses the textarea: hand the focus to the editor.
    textarea.addEventListener("focus", function () { area.focus(); });
    // Text put into the textarea by other scripts (or autofill) shows in the editor.
    textarea.addEventListener("input", function () {
      area.innerHTML = textToHtml(textarea.value);
      sync();
    });
    if (formatSelect) {
      formatSelect.value = "html";
      var holder = form.querySelector("[data-format-field]");
      if (holder) { holder.hidden = true; }
    }
    var hint = form ? form.querySelector("[data-editor-hint]") : null;
    if (hint) { hint.hidden = false; }

    function sync() {
      var html = area.innerHTML;
      textarea.value = area.textContent.trim() || area.querySelector("img, li") ? cleanHtml(html) : "";
    }
    sync();
    area.addEventListener("input", sync);
    area.addEventListener("blur", sync);
    if (form) { form.addEventListener("submit", sync, true); form.addEventListener("htmx:configRequest", sync); }
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-cmd]");
      if (button) { run(area, button.getAttribute("data-cmd")); }
    });
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
      var key = event.key.toLowerCase();
      var cmd = { b: "bold", i: "italic", k: "link" }[key];
      if (cmd) { event.preventDefault(); run(area, cmd); }
    });
    area.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) { return; }
      event.preventDefault();
      var html = data.getData("text/html");
      var insert = html ? cleanHtml(html) : textToHtml(data.getData("text/plain"));
      insertHtml(area, insert);
    });
    wrap.editorArea = area;
    document.body.dispatchEvent(new CustomEvent("editor:ready", { detail: { area: area, textarea: textarea } }));
  }

  function attachAll(root) {
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }
    (root || document).querySelectorAll("textarea[data-editor]").forEach(attach);
    // The status to set with the reply names itself on the Send button.
    (root || document).querySelectorAll("[data-reply-form]").forEach(function (form) {
      var select = form.querySelector("[data-then-status]");
      var button = form.querySelector("[data-send-label]");
      if (!select || !button || select.hasAttribute("data-bound")) { return; }
      select.setAttribute("data-bound", "");
      var update = function () {
        button.textContent = select.value ? "Send and set " + select.value : "Send reply";
      };
      select.addEventListener("change", update);
      update();
      // Files over the limit or empty are refused here too, before anything is sent.
      var input = form.querySelector('input[type="file"]');
      var errors = form.querySelector("[data-file-errors]");
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (input && errors && max) {
        input.addEventListener("change", function () {
          var problems = [];
          Array.prototype.forEach.call(input.files, function (file) {
            if (!file.size) { problems.push(file.name + " is empty; choose another file."); }
            else if (file.size > max) {
              problems.push(file.name + " is " + (file.size / 1048576).toFixed(1) + " MB; the limit is " + Math.round(max / 1048576) + " MB.");
            }
          });
          errors.textContent = problems.join(" ");
          errors.hidden = !problems.length;
          input.setCustomValidity(problems.join(" "));
        });
        form.addEventListener("submit", function (event) {
          if (!errors.hidden) { event.preventDefault(); event.stopImmediatePropagation(); input.focus(); }
        }, true);
      }
    });
  }

  window.DeskEditor = { cleanHtml: cleanHtml, insertHtml: insertHtml };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  } else {
    attachAll(document);
  }
  document.addEventListener("htmx:load", function (event) { attachAll(event.target); });
})();
