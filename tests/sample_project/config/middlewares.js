// The project's global middlewares: Strapi's defaults, plus its own `swallow-errors` right inside
// strapi::errors.
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
];
