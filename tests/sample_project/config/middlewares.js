// The project's global middlewares: Strapi's defaults, plus its own `swallow-errors` right inside
// strapi::errors, and its local plugin's `stamp` middleware (src/plugins/sample-stamp) last.
module.exports = ({ env }) => [
  'strapi::logger',
  'strapi::errors',
  'global::swallow-errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  'strapi::body',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
  'plugin::sample-stamp.stamp',
];
