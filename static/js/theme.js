// Applies the saved theme (light, dark or system) before the first paint, so pages never flash.
(function () {
  try {
    var theme = localStorage.getItem("deskadmin-theme");
    if (theme === "light" || theme === "dark" || theme === "system") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) { /* storage blocked: stay on the system theme */ }
})();
