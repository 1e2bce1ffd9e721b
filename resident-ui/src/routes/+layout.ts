// A single-page app: the server (or nginx) answers every /t/... path with index.html and the
// pages load their data from the same-origin API in the browser.
export const ssr = false;
export const prerender = false;
// Resident pages live at /t/<slug>/ (the LIFF endpoint URLs end with a slash).
export const trailingSlash = 'always';
