'use strict';

// Service override of the instrumented type: every action traced around the core action.
const { tracedService } = require('../../../conformance/components');

module.exports = tracedService('api::article.article', 'article');
