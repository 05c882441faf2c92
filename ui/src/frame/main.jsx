// Entry point of the frame bundle (build/ui/frame.<hash>.js, served on the UI origin as
// /_kiln/frame-shim.js and injected first into every app page): the bridge shim only.
import './shim.js';
