// The panel's page: plain DOM and the real @forge/bridge (bundled by esbuild into
// static/panel/app.js). It shows the resolver's notes and the comment count.
import { invoke, requestJira, view } from '@forge/bridge';

const $ = (id) => document.getElementById(id);
const show = (id, text) => {
  $(id).textContent = text;
};

async function load() {
  const context = await view.getContext();
  show('issue', `Issue ${context.extension.issue.key}`);
  const r = await invoke('getNotes');
  render(r.notes);
  try {
    const res = await requestJira(`/rest/api/3/issue/${context.extension.issue.key}/comment`);
    const body = await res.json();
    show('comments', res.ok ? `${body.total} comment(s) on this issue` : `Comments: HTTP ${res.status}`);
  } catch (e) {
    show('comments', `Comments: ${e.message}`);
  }
}

function render(notes) {
  const ul = $('notes');
  ul.replaceChildren(...notes.map((n) => Object.assign(document.createElement('li'), { textContent: n.text })));
  show('count', `${notes.length} note(s)`);
}

$('add').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    render(await invoke('addNote', { text: $('text').value }));
    $('text').value = '';
  } catch (err) {
    show('error', err.message);
  }
});

load().catch((e) => show('error', e.message));
