/* 语音播报: record a clip in the browser (MediaRecorder) and save it as the village's voice.
 * The page works without this (upload a file); this adds the microphone where the browser
 * allows it: on the kiosk itself (http://127.0.0.1) or over HTTPS. */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("recorder");
    if (!box) return;
    var words = {};
    var tpl = document.getElementById("recorder-words");
    if (tpl) {
      tpl.content.querySelectorAll("[data-key]").forEach(function (el) {
        words[el.dataset.key] = el.textContent;
      });
    }
    var startBtn = document.getElementById("record-start");
    var stopBtn = document.getElementById("record-stop");
    var time = document.getElementById("record-time");
    var previewRow = document.getElementById("record-preview-row");
    var preview = document.getElementById("record-preview");
    var saveBtn = document.getElementById("record-save");
    var message = document.getElementById("record-message");
    var maxSeconds = parseInt(box.dataset.maxSeconds, 10) || 15;

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      startBtn.disabled = true;
      document.getElementById("record-unavailable").hidden = false;
      return;
    }

    var recorder = null;
    var chunks = [];
    var blob = null;
    var timer = null;
    var began = 0;

    function pickType() {
      var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
      for (var i = 0; i < types.length; i += 1) {
        if (MediaRecorder.isTypeSupported(types[i])) return types[i];
      }
      return "";
    }

    function extension(type) {
      if (type.indexOf("ogg") >= 0) return "ogg";
      if (type.indexOf("mp4") >= 0) return "m4a";
      return "webm";
    }

    function stopRecording() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    }

    startBtn.addEventListener("click", function () {
      message.textContent = "";
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = pickType();
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        chunks = [];
        recorder.ondataavailable = function (evt) { if (evt.data && evt.data.size) chunks.push(evt.data); };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          window.clearInterval(timer);
          blob = new Blob(chunks, { type: recorder.mimeType || type || "audio/webm" });
          preview.src = URL.createObjectURL(blob);
          previewRow.hidden = false;
          startBtn.disabled = false;
          stopBtn.disabled = true;
          time.textContent = "";
          box.dataset.state = "recorded";
        };
        recorder.start();
        began = Date.now();
        box.dataset.state = "recording";
        startBtn.disabled = true;
        stopBtn.disabled = false;
        timer = window.setInterval(function () {
          var seconds = Math.floor((Date.now() - began) / 1000);
          time.textContent = (words.recording || "") + " " + seconds + " " + (words.seconds || "");
          if (seconds >= maxSeconds) stopRecording();
        }, 250);
      }).catch(function () {
        message.textContent = words.denied || "";
        box.dataset.state = "denied";
      });
    });

    stopBtn.addEventListener("click", stopRecording);

    saveBtn.addEventListener("click", function () {
      if (!blob) return;
      var form = new FormData();
      form.append("csrf_token", box.dataset.csrf);
      form.append("audio", blob, "recording." + extension(blob.type));
      saveBtn.disabled = true;
      message.textContent = words.saving || "";
      fetch(box.dataset.url, {
        method: "POST",
        body: form,
        headers: { "Accept": "application/json", "X-CSRFToken": box.dataset.csrf },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok && result.body.ok) {
          window.location.assign(result.body.url);
          return;
        }
        message.textContent = result.body.message || words.failed || "";
        box.dataset.state = "refused";
        saveBtn.disabled = false;
      }).catch(function () {
        message.textContent = words.failed || "";
        saveBtn.disabled = false;
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
