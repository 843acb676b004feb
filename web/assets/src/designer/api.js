// JSON calls to the server (same origin, CSRF header). A refusal with problems resolves; other
// failures reject with the server's message.
const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

async function answer(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch (ignored) {
    payload = null;
  }
  if (!payload || (!response.ok && !payload.problems)) {
    const error = new Error((payload && (payload.message || payload.error)) || response.status + ' ' + response.statusText);
    error.status = response.status;
    throw error;
  }
  payload.status = response.status;
  return payload;
}

export async function post(url, body) {
  return answer(await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body)
  }));
}

export async function get(url) {
  return answer(await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } }));
}

const cache = new Map();

// One request per URL for the page's life (groups, forms, decisions, processes).
export function getOnce(url) {
  if (!cache.has(url)) {
    cache.set(url, get(url).catch(error => {
      cache.delete(url);
      throw error;
    }));
  }
  return cache.get(url);
}
