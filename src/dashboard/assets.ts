import { createHash } from 'node:crypto';

/**
 * The dashboard's one stylesheet and one script, served from /dashboard/assets/ so the Content-Security-Policy can
 * forbid inline code ('self' only). Small on purpose: the pages work without the script (it only refreshes the
 * live region and picks the browser's time zone).
 */
export const CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --bg: #fff; --line: #d0d7de; --accent: #0b57d0; font-size: 100%; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 1; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 1rem; border-bottom: 1px solid var(--line); background: #f6f8fa; }
header.top .brand { font-weight: 700; margin-right: auto; }
nav.main ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav.main [aria-current="page"] { font-weight: 700; }
main { padding: 1rem; max-width: 70rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
button, input, select { font: inherit; }
button { cursor: pointer; padding: .35rem .8rem; border: 1px solid #8c959f; border-radius: 6px; background: #f6f8fa; color: var(--fg); min-height: 2.25rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: #8a1c1c; border-color: #c9a0a0; }
input, select { padding: .3rem .4rem; border: 1px solid #8c959f; border-radius: 6px; min-height: 2.25rem; max-width: 100%; }
form.inline { display: inline; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); }
.pager { display: flex; flex-wrap: wrap; gap: 1rem; margin: .5rem 0 1rem; }
.day { margin-top: 1rem; }
ol.posts { list-style: none; margin: 0; padding: 0; }
li.post { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; margin-bottom: .6rem; }
.post-head { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
.post-head time { font-variant-numeric: tabular-nums; font-weight: 600; }
ul.badges { list-style: none; margin: .4rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem; }
.badge { display: inline-flex; flex-wrap: wrap; gap: .35rem; align-items: baseline; border-radius: 6px; padding: .15rem .5rem; border: 1px solid; font-size: .9rem; }
.badge .status { font-weight: 700; text-transform: lowercase; }
.badge .reason { flex-basis: 100%; font-size: .85rem; overflow-wrap: anywhere; }
.s-published { background: #e6f4ea; color: #0b5d1e; border-color: #8cc79b; }
.s-failed { background: #fde7e9; color: #8a1c1c; border-color: #e5a3a8; }
.s-unconfirmed { background: #fff1e0; color: #7a3e00; border-color: #e8b27a; }
.s-retrying { background: #fff8e1; color: #6b4f00; border-color: #e0c36a; }
.s-publishing { background: #e3f0ff; color: #0b4a8b; border-color: #8fb8e8; }
.s-scheduled { background: #eef1f5; color: #2f3b4c; border-color: #b3bcc8; }
.s-held { background: #f3e8fd; color: #5b2a86; border-color: #c4a3e3; }
.s-skipped, .s-cancelled { background: #f1f1f1; color: #555; border-color: #c4c4c4; }
.muted { color: var(--muted); }
.notice { padding: .5rem .75rem; border-radius: 6px; background: #e6f4ea; border: 1px solid #8cc79b; }
.error { padding: .5rem .75rem; border-radius: 6px; background: #fde7e9; border: 1px solid #e5a3a8; color: #8a1c1c; }
.banner { padding: .5rem 1.5rem; background: #fff4ce; border-bottom: 1px solid #e0c060; color: #5c4400; }
.paused { font-weight: 600; color: #7a5900; }
ul.pauses { list-style: none; padding: 0; }
li.pause { border: 1px solid #e0c060; border-radius: 8px; padding: .3rem .9rem; margin-bottom: .8rem; }
.pause-form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
.pause-form label { display: flex; flex-direction: column; gap: .2rem; }
section.delivery { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; margin-bottom: 1rem; }
section.delivery p, section.delivery li { overflow-wrap: anywhere; }
form.reschedule { align-items: flex-end; gap: .5rem 1rem; }
form.reschedule label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); max-width: 100%; }
ul.accounts { list-style: none; padding: 0; }
li.account { border: 1px solid var(--line); border-radius: 8px; padding: .3rem .9rem; margin-bottom: .8rem; overflow-wrap: anywhere; }
dl.health { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.health dt { color: var(--muted); }
dl.health dd { margin: 0; }
.s-active { background: #e6f4ea; color: #0b5d1e; border-color: #8cc79b; }
.s-reauth_required { background: #fde7e9; color: #8a1c1c; border-color: #e5a3a8; }
.s-disabled { background: #f1f1f1; color: #555; border-color: #c4c4c4; }
form.credentials .field { display: flex; flex-direction: column; gap: .2rem; margin-bottom: .75rem; max-width: 32rem; }
ul.cards, ol.cards { list-style: none; padding: 0; }
li.card { border: 1px solid var(--line); border-radius: 8px; padding: .3rem .9rem; margin-bottom: .8rem; overflow-wrap: anywhere; }
li.card h2 { margin-top: .5rem; }
.item-head { display: flex; flex-wrap: wrap; gap: .25rem .6rem; align-items: baseline; margin-bottom: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.wrap { overflow-wrap: anywhere; }
.warn { color: #8a1c1c; font-weight: 600; }
.table-wrap { overflow-x: auto; margin-bottom: 1rem; }
table.grid { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.grid th, table.grid td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
table.grid th[scope="row"], table.grid thead th:first-child { text-align: left; }
table.grid tfoot th, table.grid tfoot td { font-weight: 700; border-bottom: 0; }
ul.failures { list-style: none; padding: 0; }
li.failure { border: 1px solid var(--line); border-radius: 8px; padding: .3rem .9rem; margin-bottom: .8rem; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; padding: .5rem; border-radius: 6px; margin: 0; font: inherit; }
ol.timeline { margin: .25rem 0; padding-left: 1.25rem; }
ol.timeline li { margin: .2rem 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin: .5rem 0; }
.sign-in { max-width: 24rem; margin: 10vh auto; padding: 1rem; }
.sign-in label { display: block; font-weight: 600; margin-bottom: .25rem; }
.sign-in input { width: 100%; margin-bottom: .75rem; }
@media (max-width: 40rem) { dl.health { grid-template-columns: 1fr; gap: 0; } dl.health dd { margin-bottom: .4rem; } }
@media (max-width: 40rem) { dl.facts { grid-template-columns: 1fr; gap: 0; } dl.facts dd { margin-bottom: .4rem; } }
@media (max-width: 40rem) { main { padding: .75rem; } .filters label { flex: 1 1 40%; } }
`;

export const SCRIPT = `'use strict';
(function () {
  var body = document.body;
  // The Today page is shown in the browser's time zone when the URL names none.
  if (body.getAttribute('data-needs-tz') === '1') {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && tz !== 'UTC') {
      var u = new URL(location.href);
      u.searchParams.set('tz', tz);
      location.replace(u.toString());
      return;
    }
  }
  // Live updates: the region is fetched again every few seconds and replaced only when it changed; the element
  // that had the focus (every control in the region has an id) gets it back, so keyboard users keep their place.
  var region = document.querySelector('[data-refresh]');
  if (!region) return;
  var url = region.getAttribute('data-refresh');
  var last = null;
  var leaving = false;
  document.addEventListener('submit', function () { leaving = true; });
  function later() { setTimeout(tick, 4000); }
  // A form being filled in inside the region (a pause's reason) is not replaced while it differs from its defaults.
  function editing() {
    var fields = region.querySelectorAll('input, select, textarea');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'hidden') continue;
      if (f.tagName === 'SELECT') {
        var first = 0;
        for (var j = 0; j < f.options.length; j++) if (f.options[j].defaultSelected) { first = j; break; }
        if (f.selectedIndex !== first) return true;
      } else if (f.value !== f.defaultValue) return true;
    }
    return false;
  }
  function tick() {
    if (leaving || document.hidden || editing()) return later();
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (r) {
        if (r.status === 401) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (text) {
        if (text === null || text === last || leaving) return;
        var active = document.activeElement;
        var id = active && active !== body && region.contains(active) ? active.id : '';
        if (last !== null || text !== region.innerHTML) region.innerHTML = text;
        last = text;
        if (id) { var again = document.getElementById(id); if (again) again.focus(); }
      })
      .catch(function () {})
      .then(later);
  }
  later();
})();
`;

/** Content hashes in the asset URLs: browsers may cache them for good, and a new build changes the URL. */
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
export const CSS_PATH = `/dashboard/assets/app-${hash(CSS)}.css`;
export const SCRIPT_PATH = `/dashboard/assets/app-${hash(SCRIPT)}.js`;
