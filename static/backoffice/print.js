// The back-office's print buttons: print the page as shown (the menu and forms stay off paper).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
