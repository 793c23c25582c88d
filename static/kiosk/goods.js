/* The household screen in the page: taps on the goods shown at once, the goods a page at a time
 * with big ▲▼ and "N more below", and the account's two tabs.
 *
 * A tap changes the tile and the basket bar in the page at once, from the numbers the server
 * drew into the tiles (price, on the shelf, what the limit still allows, the balance). The new
 * quantities then go to the server through Kiosk's lane ("want": product:qty, ...), one request
 * at a time however fast the taps come; its answer is the truth and corrects the page (a line
 * cut because someone else took the last one, with the basket bar saying so).
 */
(function () {
  "use strict";

  var body = document.body;
  var wanted = {};  // product id -> quantity tapped in the page, not yet sent
  var REQUEST_MS = 20000;

  function goods() { return document.getElementById("goods"); }
  function int(value, fallback) {
    var n = parseInt(value, 10);
    return isNaN(n) ? fallback : n;
  }

  /* ---- drawing the tiles and the bar from their data ---- */

  function flagOf(tile, qty, remaining, balance, max) {
    var stock = int(tile.dataset.stock, 0);
    var points = int(tile.dataset.points, 0);
    var allow = int(tile.dataset.allow, Infinity);
    var out = stock <= 0;
    var atStock = qty >= stock;
    var tight = points > remaining;
    var atAllow = qty >= allow;
    return {
      canAdd: !out && !atStock && !tight && !atAllow && qty < max,
      flag: out ? "out"
        : (points > balance && !qty) ? "dear"
        : (atAllow && !qty) ? "limit"
        : (tight && !qty) ? "tight"
        : (atStock && qty) ? "shelf" : ""
    };
  }

  function render() {
    var grid = goods();
    var bar = document.getElementById("basket-bar");
    if (!grid || !bar) return;
    var balance = int(bar.dataset.balance, 0);
    var max = int(grid.dataset.max, 99);
    var tiles = grid.querySelectorAll(".tile");
    var total = 0, count = 0;
    tiles.forEach(function (tile) {
      var qty = int(tile.dataset.qty, 0);
      total += qty * int(tile.dataset.points, 0);
      count += qty;
    });
    var remaining = balance - total;
    tiles.forEach(function (tile) {
      var qty = int(tile.dataset.qty, 0);
      var state = flagOf(tile, qty, remaining, balance, max);
      tile.dataset.flag = state.flag;
      tile.classList.toggle("is-chosen", qty > 0);
      tile.classList.toggle("is-grey", state.flag === "out" || state.flag === "dear");
      var id = tile.id;
      var flag = document.getElementById(id + "-flag");
      var text = state.flag ? grid.dataset["flag" + state.flag[0].toUpperCase() + state.flag.slice(1)] : "";
      if (text) text = text.replace("{n}", String(remaining));
      if (flag && flag.textContent !== text) flag.textContent = text;
      var out = document.getElementById(id + "-qty");
      if (out && out.textContent !== String(qty)) out.textContent = String(qty);
      var take = document.getElementById(id + "-take");
      var plus = document.getElementById(id + "-plus");
      var minus = document.getElementById(id + "-minus");
      if (take) take.disabled = !state.canAdd;
      if (plus) plus.disabled = !state.canAdd;
      if (minus) minus.disabled = qty <= 0;
    });
    document.getElementById("basket-count").textContent = String(count);
    document.getElementById("basket-total").textContent = String(total);
    document.getElementById("basket-remaining").textContent = String(remaining);
    var left = bar.querySelector(".sum-left");
    if (left) left.classList.toggle("is-over", remaining < 0);
    var review = document.getElementById("review");
    if (review && !review.classList.contains("htmx-request")) review.disabled = !(count > 0 && remaining >= 0);
  }

  function say(text) {
    var notice = document.getElementById("basket-notice");
    if (!notice) return;
    notice.textContent = text || "";
    notice.classList.toggle("is-shown", !!text);
  }

  /* ---- a tap ---- */

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-tap]");
    if (!button || button.disabled) return;
    var tile = button.closest(".tile");
    if (!tile) return;
    evt.preventDefault();
    var qty = Math.max(0, int(tile.dataset.qty, 0) + (int(button.dataset.tap, 1) > 0 ? 1 : -1));
    tile.dataset.qty = String(qty);
    wanted[tile.dataset.product] = qty;
    say("");
    render();
    // The server hears of it after the new quantity is painted (a slow box shows it sooner).
    var area = document.getElementById("goods-scroll");
    window.requestAnimationFrame(function () {
      window.setTimeout(function () { window.Kiosk.enqueue("basket", area, send); }, 0);
    });
  });

  // A scan or a button within the frame before the sync goes: the sync goes first.
  window.Kiosk.beforeRequest(function () {
    if (Object.keys(wanted).length) {
      window.Kiosk.enqueue("basket", document.getElementById("goods-scroll"), send);
    }
  });

  function send() {
    var screen = document.getElementById("screen");
    var ids = Object.keys(wanted);
    if (!ids.length || !screen || !screen.dataset.visit) return;
    var want = ids.map(function (id) { return id + ":" + wanted[id]; }).join(",");
    wanted = {};
    var done = window.Kiosk.hold();
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) controller.abort(); }, REQUEST_MS);
    var headers = {
      "HX-Request": "true",
      "X-CSRFToken": window.Kiosk.csrfToken(),
      "Content-Type": "application/x-www-form-urlencoded"
    };
    if (body.dataset.screenKey) headers["X-Kiosk-Screen"] = body.dataset.screenKey;
    fetch(body.dataset.basketUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: new URLSearchParams({ visit: screen.dataset.visit, want: want }).toString(),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (text) { answer(response, text, screen); });
    }).catch(function () {
      window.Kiosk.showOffline();
    }).finally(function () {
      window.clearTimeout(timer);
      done();
    });
  }

  /* The server's answer: the goods and the bar as it sees them, or another screen altogether. */
  function answer(response, text, screen) {
    var trigger = response.headers.get("HX-Trigger");
    if (trigger) {
      try {
        var events = JSON.parse(trigger);
        Object.keys(events).forEach(function (name) {
          body.dispatchEvent(new CustomEvent(name, { detail: { value: events[name] } }));
        });
      } catch (e) { /* not ours */ }
    }
    if (!screen.isConnected) return;  // the villager has moved on
    if (text.indexOf('<section id="screen"') >= 0) {
      htmx.swap(screen, text, { swapStyle: "outerHTML" });
      return;
    }
    var tpl = document.createElement("template");
    tpl.innerHTML = text;
    var fresh = tpl.content.querySelector("#goods");
    var grid = goods();
    if (!fresh || !grid) return;
    var ours = Array.prototype.map.call(grid.querySelectorAll(".tile"), function (t) { return t.id; });
    var theirs = Array.prototype.map.call(fresh.querySelectorAll(".tile"), function (t) { return t.id; });
    if (ours.join() !== theirs.join()) {  // goods came or went: take the server's goods whole
      grid.replaceWith(fresh);
      htmx.process(fresh);
    } else {
      fresh.querySelectorAll(".tile").forEach(function (tile) {
        var mine = document.getElementById(tile.id);
        ["stock", "points", "allow"].forEach(function (k) { mine.dataset[k] = tile.dataset[k]; });
        if (!(mine.dataset.product in wanted)) mine.dataset.qty = tile.dataset.qty;  // newer taps win
        var allowance = tile.querySelector(".tile-allowance");
        var shown = mine.querySelector(".tile-allowance");
        if (allowance && shown) shown.textContent = allowance.textContent;
      });
    }
    var bar = tpl.content.querySelector("#basket-bar");
    if (bar) {
      document.getElementById("basket-bar").dataset.balance = bar.dataset.balance;
      var notice = bar.querySelector("#basket-notice");
      if (!Object.keys(wanted).length) say(notice ? notice.textContent.trim() : "");
    }
    render();
    pager();
  }

  /* ---- the goods a page at a time ---- */

  function pager() {
    var area = document.getElementById("goods-scroll");
    var strip = document.getElementById("goods-pager");
    if (!area || !strip) return;
    var overflow = area.scrollHeight - area.clientHeight > 4;
    strip.hidden = !overflow;
    if (!overflow) return;
    var bottom = area.getBoundingClientRect().bottom;
    var below = 0;
    area.querySelectorAll(".tile").forEach(function (tile) {
      if (tile.getBoundingClientRect().bottom > bottom + 2) below += 1;
    });
    document.getElementById("goods-up").disabled = area.scrollTop <= 2;
    document.getElementById("goods-down").disabled = below === 0;
    var more = document.getElementById("goods-more");
    var text = below ? (more.dataset.template || "{n}").replace("{n}", String(below)) : "";
    if (more.textContent !== text) more.textContent = text;
  }

  function page(direction) {
    var area = document.getElementById("goods-scroll");
    if (!area) return;
    var tile = area.querySelector(".tile");
    var row = tile ? tile.getBoundingClientRect().height + 8 : 200;
    var rows = Math.max(1, Math.floor(area.clientHeight / row));
    area.scrollBy({ top: direction * rows * row, behavior: "auto" });
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("#goods-up, #goods-down");
    if (!button) return;
    page(button.id === "goods-down" ? 1 : -1);
  });

  document.addEventListener("scroll", function (evt) {
    if (evt.target && evt.target.id === "goods-scroll") pager();
  }, { capture: true, passive: true });
  window.addEventListener("resize", pager);

  /* ---- the account's tabs: latest points | my applications ---- */

  document.addEventListener("click", function (evt) {
    var tab = evt.target.closest && evt.target.closest("[data-tab]");
    if (!tab) return;
    var list = tab.closest(".account");
    list.querySelectorAll("[data-tab]").forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      var panel = document.getElementById(other.dataset.tab);
      if (panel) panel.hidden = !on;
    });
  });

  body.addEventListener("kiosk:screen", function () {
    wanted = {};
    pager();
  });
})();
