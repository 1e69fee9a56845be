// The URLPattern polyfill, loaded by url.js on first use.
export { URLPattern } from "urlpattern-polyfill/urlpattern";
