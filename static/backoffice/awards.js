// Batch award (批量评分): keep "已勾选 N 户" true while the panel ticks by hand.
document.addEventListener("change", (event) => {
  if (event.target.name !== "household") return;
  const count = document.querySelectorAll("#award-households input[name=household]:checked").length;
  const shown = document.querySelector("#award-chosen b");
  if (shown) shown.textContent = String(count);
});
