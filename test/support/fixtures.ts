// Fixtures shared by the origin (Node) and the worker tests (workerd): no Node imports here.
export const HTML_PAGE =
  "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Origin</title></head>" +
  "<body><h1>Hello from the origin</h1><p>Fresh food, delivered.</p></body></html>";
