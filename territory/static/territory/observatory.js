// The map's period slider: show the month while sliding, redraw when released. Without
// JavaScript the form's button does the same.
document.addEventListener("DOMContentLoaded", function () {
  var slider = document.getElementById("m-mois");
  if (!slider) return;
  var labels = (slider.dataset.labels || "").split("|");
  var output = document.getElementById("m-mois-label");
  slider.addEventListener("input", function () {
    var label = labels[Number(slider.value)] || "";
    output.textContent = label;
    slider.setAttribute("aria-valuetext", label);
  });
  slider.addEventListener("change", function () { slider.form.submit(); });
  var indicator = document.getElementById("m-indicateur");
  if (indicator) indicator.addEventListener("change", function () { indicator.form.submit(); });
});
