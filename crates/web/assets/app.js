// ruamjai's own script: small and plain. Pages work without it; it only adds comfort.
"use strict";

// Tell the htmx search indicator to announce itself to screen readers only while busy.
document.addEventListener("htmx:beforeRequest", function (e) {
  var busy = document.getElementById("search-busy");
  if (busy && e.target && e.target.id === "q") busy.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:afterRequest", function () {
  var busy = document.getElementById("search-busy");
  if (busy) busy.removeAttribute("aria-busy");
});

// "Use my current location" on the person form: fills the latitude and longitude fields named in
// data-locate (the button stays hidden where the browser cannot locate).
document.addEventListener('DOMContentLoaded', () => {
  if (!('geolocation' in navigator)) return;
  for (const button of document.querySelectorAll('button[data-locate]')) {
    const [lat, lon] = button.dataset.locate.split(',').map((id) => document.getElementById(id));
    if (!lat || !lon) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition((pos) => {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        button.disabled = false;
      }, () => { button.disabled = false; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
});

// Signing out clears this device (the server sends Clear-Site-Data), including visits the field
// app has not sent yet. On any page but the field app's own (which warns by itself), ask first
// when some are waiting.
document.addEventListener('DOMContentLoaded', () => {
  if (document.querySelector('script[src="/assets/field.js"]') || !window.indexedDB) return;
  for (const form of document.querySelectorAll('form[action="/logout"]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      let waiting = 0;
      try {
        const known = indexedDB.databases ? await indexedDB.databases() : [];
        if (known.some((d) => d.name === 'ruamjai-field')) {
          waiting = await new Promise((done) => {
            const open = indexedDB.open('ruamjai-field');
            open.onerror = () => done(0);
            open.onsuccess = () => {
              const db = open.result;
              try {
                const count = db.transaction('outbox').objectStore('outbox').count();
                count.onsuccess = () => { db.close(); done(count.result); };
                count.onerror = () => { db.close(); done(0); };
              } catch (e) { db.close(); done(0); }
            };
          });
        }
      } catch (e) { waiting = 0; }
      if (waiting > 0 && !window.confirm(form.dataset.unsent.replace('{n}', waiting))) return;
      form.submit();
    });
  }
});

// Forms marked data-busy do long work on the server (record linkage): show their progress line
// and stop a second submission while it runs.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.hasAttribute || !form.hasAttribute("data-busy")) return;
  var busy = form.querySelector(".busy");
  if (busy) busy.hidden = false;
  form.setAttribute("aria-busy", "true");
  var button = form.querySelector("button[type=submit]");
  if (button) setTimeout(function () { button.disabled = true; }, 0);
});

// A button marked data-print prints the page (evacuation lists go out on paper).
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("button[data-print]");
  if (b) window.print();
});
