// /api/auth/* would answer 429 after 10 calls a minute: the suite logs in far more often.
module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
      ratelimit: { enabled: false },
    },
  },
});
