// Optional copy button for the revealed code; without JavaScript the code is plain text.
(function () {
  "use strict";
  var button = document.getElementById("copy-code");
  if (!button || !navigator.clipboard) {
    return;
  }
  var target = document.getElementById(button.getAttribute("data-copy-target"));
  var status = document.getElementById("copy-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(target.textContent.trim()).then(function () {
      status.textContent = button.getAttribute("data-copied");
    });
  });
})();
