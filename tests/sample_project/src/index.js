'use strict';

// The project's own register and bootstrap: they must still run next to the fixture's. Its
// register adds a Document Service middleware (a well-behaved one: it only passes the call on).
module.exports = {
  register({ strapi }) {
    strapi.log.info('[sample-project] register');
    strapi.documents.use(async function noteAudit(context, next) {
      const result = await next();
      if (context.uid === 'api::note.note') strapi.log.debug(`[sample-project] note ${context.action}`);
      return result;
    });
  },
  bootstrap({ strapi }) {
    strapi.log.info('[sample-project] bootstrap');
  },
};
