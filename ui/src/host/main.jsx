// Entry point of the host bundle (build/ui/host.<hash>.js): mounts the SPA into #root
// (made if the shell has none) with Atlassian's CSS reset and design tokens.
// early.js first: the page's requests start before React and Atlaskit are evaluated
import './early.js';
import React from 'react';
import { createRoot } from 'react-dom/client';
import '@atlaskit/css-reset';
import './host.css';
import { App } from './App.jsx';

let root = document.getElementById('root');
if (!root) {
  root = document.createElement('div');
  root.id = 'root';
  document.body.appendChild(root);
}
// the browser tests check that the page's requests started before this point (early.js)
performance.mark('kiln:host-evaluated');
createRoot(root).render(<App />);
