module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      jwt: { expiresIn: '7d' },
    },
  },
  // The project's own local plugin (src/plugins/sample-stamp): a route and a global middleware.
  'sample-stamp': {
    enabled: true,
    resolve: './src/plugins/sample-stamp',
  },
});
