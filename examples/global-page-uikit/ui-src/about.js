// The `about` resource's page (static/about/, shown by the UI Kit page's <Frame
// resource="about">), built by ./build.sh with the real @forge/bridge: it says whose
// module it runs in and, on its button, tells the UI Kit page through events.emit.
import { events, view } from '@forge/bridge';

const $ = (id) => document.getElementById(id);
view.getContext().then(
  (ctx) => {
    $('ctx').textContent = `inside ${ctx.moduleKey}`;
    $('hello').disabled = false;
  },
  (e) => {
    $('ctx').textContent = `error ${e.message}`;
  },
);
$('hello').onclick = () => events.emit('fruit-about', { text: 'hello from the Frame' });
