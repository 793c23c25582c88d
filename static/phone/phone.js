// The phone page's only script: reading the balance aloud in elder mode (长辈版) where the
// browser can speak. Everything else works without it.
(function () {
  "use strict";
  var button = document.getElementById("speak");
  if (!button || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var said = new SpeechSynthesisUtterance(button.getAttribute("data-say"));
    said.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
    said.rate = 0.85;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(said);
  });
})();
