// Starts ReDoc on the service's own OpenAPI document (kept out of the page so the
// Content-Security-Policy can forbid inline scripts).
Redoc.init("../openapi.json", { hideDownloadButton: false }, document.getElementById("redoc"));
