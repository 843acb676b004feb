// The process list's roll back: making an earlier version current again shows the difference
// against the current one and asks for a reason, like a deployment (POST make-current).
import { post } from './api.js';
import { semanticDiff } from './diff.js';
import { fillDiff } from './deploy.js';
import { translator } from './translate.js';

async function textOf(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(response.status + ' ' + response.statusText);
  }
  return response.text();
}

function main() {
  const dialog = document.getElementById('rollback-dialog');
  if (!dialog) {
    return;
  }
  const config = JSON.parse(document.getElementById('designer-config').textContent);
  const text = config.text;
  const translate = translator(config.locale);
  const reason = dialog.querySelector('textarea[name=reason]');
  const refusal = dialog.querySelector('.dialog-problems');
  let chosen = null;

  function refuse(message) {
    refusal.textContent = message;
    refusal.hidden = !message;
  }

  document.querySelectorAll('button.make-current').forEach(button => button.addEventListener('click', async () => {
    chosen = button.dataset;
    dialog.querySelector('h2').textContent = text.title.replace('%(version)d', chosen.version);
    refuse('');
    reason.value = '';
    try {
      const [ current, earlier ] = await Promise.all([ textOf(chosen.from), textOf(chosen.to) ]);
      fillDiff(dialog.querySelector('.diff'), await semanticDiff(current, earlier, translate), text);
    } catch (error) {
      refuse(text.failed + ' ' + error.message);
    }
    dialog.showModal();
    reason.focus();
  }));
  dialog.querySelector('.cancel').addEventListener('click', () => dialog.close());
  dialog.querySelector('.confirm').addEventListener('click', async event => {
    const button = event.currentTarget;
    if (!reason.value.trim()) {
      refuse(text.reasonNeeded);
      return;
    }
    button.disabled = true;
    try {
      const result = await post(chosen.url, { reason: reason.value.trim() });
      if (result.problems && result.problems.length) {
        refuse(result.problems.map(problem => problem.message).join('；'));
        return;
      }
      window.location.reload();
    } catch (error) {
      refuse(error.status === 404 || error.status === 405 ? text.notAvailable : text.failed + ' ' + error.message);
    } finally {
      button.disabled = false;
    }
  });
}

main();
