// Entry point of the host bundle (build/ui/host.<hash>.js): mounts the SPA into #root
// (made if the shell has none) with Atlassian's CSS reset and design tokens.
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
createRoot(root).render(<App />);
