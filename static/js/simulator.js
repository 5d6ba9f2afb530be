// Optional enhancement for the phone simulator: groups the code in fives as it is
// typed, like the phone's own field. The page works the same without it.
(function () {
  "use strict";
  var field = document.getElementById("sim-code");
  if (!field) { return; }
  field.addEventListener("input", function () {
    var symbols = field.value.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 25);
    var grouped = symbols.match(/.{1,5}/g);
    field.value = grouped ? grouped.join("-") : "";
  });
})();
