// The conformance fixture's global middleware list: the trace writer outermost, Strapi's defaults,
// then two instrumented global middlewares just before the router (conformance/PROTOCOL.md §3).
module.exports = [
  'global::conformance-trace',
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  'strapi::body',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
  'global::gmw-first',
  'global::gmw-second',
];
