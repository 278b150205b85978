'use strict';

// A "friendly errors" middleware: any error becomes 200 with an empty answer. It breaks Strapi's
// documented error responses (status and { data: null, error: { status, name, message, details } }).
module.exports = () => async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    ctx.status = 200;
    ctx.body = { data: null, meta: { notice: 'something went wrong' } };
  }
};
