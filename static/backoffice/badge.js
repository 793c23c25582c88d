// Kiosk sign-in with a staff badge (templates/backoffice/badge.html): the wedge scanner types the
// badge code and presses Enter, which moves to the PIN; the keypad taps digits into the PIN.
(function () {
  var badge = document.getElementById("badge"), pin = document.getElementById("pin");
  if (!pin) return;
  if (badge) badge.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); if (badge.value) pin.focus(); }
  });
  document.querySelectorAll(".keypad [data-key]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = b.getAttribute("data-key");
      if (k === "clear") pin.value = ""; else if (pin.value.length < 8) pin.value += k;
    });
  });
})();
