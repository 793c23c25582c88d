/* The kiosk's voice (语音播报): each screen says its one key sentence.
 *
 * A screen's root (#screen) names its clips in data-voice ("balance-is num-1 num-100 … points");
 * this plays them one after another from /voice/<clip> (the village's own recording, or the
 * machine's). It watches the page, not htmx events, so it hears every screen however it
 * arrived: a swap, a reload, the page's own "offline" screen. The idle warning ("还在吗？")
 * speaks too.
 *
 *  - the sound toggle mutes it: tapping it stops the voice at once; turning sound back on says
 *    the screen's sentence again
 *  - a screen that says what the one before it said (the receipt printed, the camera saw the
 *    same passbook twice) does not start over
 *  - a cue (scan, done, error) that is playing finishes first
 *  - a village's recording that cannot play is replaced by the machine's clip; a clip that
 *    cannot play at all is skipped; autoplay refused before the first touch stays silent
 *  - a tap on the screen's title says its sentence again
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = (script && script.dataset.clips) || "/voice/";
  var CUE_WAIT_MS = 1200;  // at most this long for a cue to finish before speaking

  var players = [];    // the Audio of each clip of the sentence being said, loaded together
  var index = 0;
  var token = 0;       // bumps on every new sentence or stop: late callbacks of older ones do nothing
  var lastScreen = null;
  var lastSaid = null;
  var played = [];     // the clips that began to play, oldest first (the last hundred)

  function soundsOn() {
    var toggle = document.getElementById("sound-toggle");
    return !!toggle && toggle.dataset.sounds === "on";
  }

  function stop() {
    token += 1;
    players.forEach(function (audio) {
      try { audio.pause(); } catch (e) { /* nothing playing */ }
      audio.removeAttribute("src");
    });
    players = [];
    index = 0;
  }

  function playFrom(i, mine) {
    if (mine !== token) return;
    if (i >= players.length) { players = []; return; }
    if (!soundsOn()) { stop(); return; }
    index = i;
    var audio = players[i];
    var moved = false;
    var attempt = 0;
    var next = function () {
      if (moved) return;  // one step forward per clip, whichever event says it first
      moved = true;
      playFrom(i + 1, mine);
    };
    // A clip that fails (the play() promise and the error event both tell, once per attempt):
    // a village's recording this browser cannot play gives way to the machine's clip, once;
    // then the clip is skipped. Autoplay refused before the first touch: stay quiet.
    var fail = function (err, which) {
      if (which !== attempt || moved || mine !== token) return;
      if (err && err.name === "NotAllowedError") { stop(); return; }
      if (attempt > 0) { next(); return; }
      attempt = 1;
      audio.src = base + encodeURIComponent(audio.dataset.clip) + "?machine=1";
      start(1);
    };
    var start = function (which) {
      try {
        var p = audio.play();
        if (p && p.catch) p.catch(function (err) { fail(err, which); });
      } catch (e) { fail(e, which); }
    };
    audio.onplaying = function () {
      played.push(audio.dataset.clip);
      if (played.length > 100) played.shift();
    };
    audio.onended = next;
    audio.onerror = function () { fail(null, attempt); };
    start(0);
  }

  function cuePlaying() {
    var cues = document.querySelectorAll("audio[id^='sound-']");
    for (var i = 0; i < cues.length; i += 1) {
      if (!cues[i].paused && !cues[i].ended) return cues[i];
    }
    return null;
  }

  function say(text) {
    stop();
    var ids = (text || "").split(/\s+/).filter(Boolean);
    if (!ids.length || !soundsOn()) return;
    var mine = token;
    players = ids.map(function (id) {
      var audio = new Audio();
      audio.preload = "auto";
      audio.dataset.clip = id;
      audio.src = base + encodeURIComponent(id);
      return audio;
    });
    var start = function () { playFrom(0, mine); };
    // Let this screen's cue (it rides on the same answer) start, then wait for it to end.
    window.setTimeout(function () {
      if (mine !== token) return;
      var cue = cuePlaying();
      if (!cue) { start(); return; }
      var started = false;
      var once = function () { if (!started) { started = true; start(); } };
      cue.addEventListener("ended", once, { once: true });
      window.setTimeout(once, CUE_WAIT_MS);
    }, 60);
  }

  function screenChanged() {
    var screen = document.getElementById("screen");
    if (!screen || screen === lastScreen) return;
    lastScreen = screen;
    var text = screen.dataset.voice || "";
    if (text === lastSaid) return;  // the same words as the screen before: let them play on
    lastSaid = text;
    if (text) say(text); else stop();
  }

  // The idle warning ("还在吗？"): looked up each time, since a language switch may draw it anew.
  var warned = false;
  function warningChanged() {
    var warning = document.getElementById("idle-warning");
    var shown = !!warning && !warning.hidden;
    if (shown && !warned && warning.dataset.voice) {
      say(warning.dataset.voice);
      lastSaid = null;  // the screen after the warning speaks again
    }
    warned = shown;
  }

  // A tap on the screen's title says it again (a villager who missed it).
  document.addEventListener("click", function (evt) {
    var title = evt.target.closest && evt.target.closest("#screen-title");
    var screen = document.getElementById("screen");
    if (title && screen && screen.contains(title) && screen.dataset.voice) say(screen.dataset.voice);
  });

  // The toggle is swapped by htmx after the tap: stop on the tap itself (muting is immediate),
  // and speak again once it says "on".
  document.addEventListener("click", function (evt) {
    var toggle = evt.target.closest && evt.target.closest("#sound-toggle");
    if (toggle && toggle.dataset.sounds === "on") stop();
  }, true);

  var wasOn = soundsOn();
  function toggleChanged() {
    var on = soundsOn();
    if (on === wasOn) return;
    wasOn = on;
    if (!on) { stop(); return; }
    var screen = document.getElementById("screen");
    if (screen && screen.dataset.voice) say(screen.dataset.voice);
  }

  function start() {
    new MutationObserver(function () {
      screenChanged();
      toggleChanged();
      warningChanged();
    }).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-sounds", "hidden"]
    });
    screenChanged();
  }

  window.KioskVoice = {
    say: say,
    stop: stop,
    speaking: function () { return players.length > 0; },
    played: played
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
