'use strict';

// Custom routes of the fixture: discovery, who-am-I, and direct Document Service calls.
module.exports = {
  routes: [
    { method: 'GET', path: '/conformance/info', handler: 'conformance.info', config: { auth: false } },
    { method: 'GET', path: '/conformance/whoami', handler: 'conformance.whoami' },
    { method: 'POST', path: '/conformance/documents', handler: 'conformance.documents', config: { auth: false } },
  ],
};
