// The console's whole client side (a plain ES module, no build step, no CDN). Pages are server-rendered;
// parts that need data are fragments the server renders from the public /v1 API with the API key this script
// sends. The key lives in sessionStorage only: it is gone when the browser tab closes, and Log out clears it.

const KEY = 'identity-collector.apiKey';
const SCOPE = 'identity-collector.scope';

const apiKey = () => sessionStorage.getItem(KEY);
const authHeaders = () => ({ authorization: `Bearer ${apiKey()}` });

function signInAgain() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SCOPE);
  location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
}

/** Applies the server's instructions carried in headers: navigate, or reload every fragment on the page. */
function follow(res) {
  const to = res.headers.get('x-console-location');
  if (to) {
    location.assign(to);
    return true;
  }
  if (res.headers.get('x-console-reload')) {
    for (const el of document.querySelectorAll('[data-fragment]')) void load(el);
  }
  return false;
}

const timers = new WeakMap();

async function load(el) {
  clearTimeout(timers.get(el));
  el.setAttribute('aria-busy', 'true');
  let res;
  try {
    res = await fetch(el.dataset.fragment, { headers: authHeaders() });
  } catch {
    el.innerHTML =
      '<p class="notice error" role="alert">The console cannot reach the API. Check that it is running, then reload.</p>';
    el.setAttribute('aria-busy', 'false');
    return;
  }
  if (res.status === 401) return signInAgain();
  el.innerHTML = await res.text();
  el.setAttribute('aria-busy', 'false');
  enhance(el);
  const retry = Number(res.headers.get('x-console-retry'));
  const refresh = Number(res.headers.get('x-console-refresh'));
  if (retry > 0) {
    // The API was busy (429): ask again shortly, with jitter so fragments that collided do not collide again.
    timers.set(
      el,
      setTimeout(() => void load(el), retry + Math.random() * 1000),
    );
  } else if (refresh > 0) {
    el.dataset.live = 'true';
    timers.set(
      el,
      setTimeout(() => void load(el), refresh),
    );
  } else if (el.dataset.live) {
    // A live view has just settled (e.g. the run finished): refresh the rest of the page once.
    delete el.dataset.live;
    for (const other of document.querySelectorAll('[data-fragment]')) {
      if (other !== el && !other.contains(el) && !el.contains(other)) void load(other);
    }
  }
}

async function submit(form, submitter) {
  if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
  const target = form.dataset.target ? document.querySelector(form.dataset.target) : form.parentElement;
  const body = new URLSearchParams(new FormData(form, submitter));
  const buttons = form.querySelectorAll('button');
  for (const b of buttons) b.disabled = true;
  if (target) target.setAttribute('aria-busy', 'true');
  let res;
  try {
    res = await fetch(form.dataset.post, { method: 'POST', headers: authHeaders(), body });
  } catch {
    for (const b of buttons) b.disabled = false;
    if (target)
      target.innerHTML = '<p class="notice error" role="alert">The API did not answer. Try again.</p>';
    return;
  }
  if (res.status === 401) return signInAgain();
  const html = await res.text();
  if (follow(res)) return;
  for (const b of buttons) b.disabled = false;
  if (target) {
    target.innerHTML = html;
    target.setAttribute('aria-busy', 'false');
    enhance(target);
    const focus = target.querySelector('[aria-invalid="true"], [role="alert"], [role="status"]');
    if (focus) {
      if (!focus.matches('input, select, textarea, button')) focus.setAttribute('tabindex', '-1');
      focus.focus();
    }
  }
}

/** CSV exports need the Authorization header too, so they are fetched and handed to the browser as a file. */
async function download(link) {
  const res = await fetch(link.dataset.download, { headers: { ...authHeaders(), accept: 'text/csv' } });
  if (res.status === 401) return signInAgain();
  if (!res.ok) {
    link.insertAdjacentHTML('afterend', ' <span class="error" role="alert">Download failed.</span>');
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: link.dataset.filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function countdown(el) {
  const left = Math.max(0, Date.parse(el.dataset.countdown) - Date.now());
  const s = Math.floor(left / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  el.textContent =
    left === 0
      ? 'any moment now'
      : `in ${h} h ${String(m).padStart(2, '0')} min ${String(s % 60).padStart(2, '0')} s`;
}

function enhance(root) {
  for (const el of root.querySelectorAll('[data-fragment]')) void load(el);
  for (const el of root.querySelectorAll('[data-countdown]')) countdown(el);
  for (const el of root.querySelectorAll('time[datetime][data-local]')) {
    el.textContent = new Date(el.getAttribute('datetime')).toLocaleString();
  }
}

async function signIn(form) {
  const error = document.getElementById('sign-in-error');
  const input = form.querySelector('#api-key');
  const key = input.value.trim();
  error.textContent = '';
  input.removeAttribute('aria-invalid');
  if (!key) {
    error.textContent = 'Enter an API key.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  let res;
  try {
    res = await fetch('/v1/session', { headers: { authorization: `Bearer ${key}` } });
  } catch {
    error.textContent = 'The API did not answer. Check that it is running.';
    return;
  }
  if (!res.ok) {
    const body = await res.json().catch(() => undefined);
    error.textContent = body?.error?.message ?? `The API refused the key (HTTP ${res.status}).`;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const scope = (await res.json()).key.scope;
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(SCOPE, scope);
  const next = new URLSearchParams(location.search).get('next');
  location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form.id === 'sign-in') {
    event.preventDefault();
    void signIn(form);
  } else if (form.dataset.post) {
    event.preventDefault();
    void submit(form, event.submitter);
  }
});

document.addEventListener('click', (event) => {
  const link = event.target.closest('[data-download]');
  if (link) {
    event.preventDefault();
    void download(link);
  }
  if (event.target.closest('#logout')) {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SCOPE);
    location.assign('/sign-in');
  }
});

setInterval(() => {
  for (const el of document.querySelectorAll('[data-countdown]')) countdown(el);
}, 1000);

// `npm start` prints a one-click URL, /sign-in#key=<demo key>: the fragment never reaches the server or its
// logs; it is taken off the address bar at once.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
if (document.body.dataset.page === 'sign-in' && fromLink) {
  history.replaceState(null, '', location.pathname + location.search);
  const form = document.getElementById('sign-in');
  form.querySelector('#api-key').value = fromLink;
  void signIn(form);
}

if (document.body.dataset.page !== 'sign-in') {
  if (!apiKey()) signInAgain();
  else {
    const who = document.getElementById('who');
    if (who && sessionStorage.getItem(SCOPE) === 'read') who.textContent = 'Read-only key';
    enhance(document);
  }
}
