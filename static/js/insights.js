// Insights: hovering or focusing a chart's column shows its value in the chart's readout line (the column's
// <title> is the mouse tooltip; keyboard users get the same words here and from the link's name).
(function () {
  function show(event) {
    var point = event.target.closest && event.target.closest("[data-tip]");
    if (!point) return;
    var figure = point.closest("figure");
    var readout = figure && figure.querySelector("[data-chart-readout]");
    if (readout) readout.textContent = point.getAttribute("data-tip");
  }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
})();
