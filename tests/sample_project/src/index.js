'use strict';

// The project's own register and bootstrap: they must still run next to the fixture's.
module.exports = {
  register({ strapi }) {
    strapi.log.info('[sample-project] register');
  },
  bootstrap({ strapi }) {
    strapi.log.info('[sample-project] bootstrap');
  },
};
