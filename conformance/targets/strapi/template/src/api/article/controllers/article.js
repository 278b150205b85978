'use strict';

// Controller override of the instrumented type: every action traced around the core action.
const { tracedController } = require('../../../conformance/components');

module.exports = tracedController('api::article.article', 'article');
