// "react-dom/client" over the UMD ReactDOM 18 (window.ReactDOM; see react.js).
const ReactDOM = globalThis.ReactDOM;
if (!ReactDOM) throw new Error('react-dom-client.js: load vendor/react-dom/react-dom.production.min.js with a <script> first');
export default ReactDOM;
export const { createRoot, hydrateRoot, flushSync } = ReactDOM;
